/** What the node registry needs from a stream. */
export interface NodeStream {
  forceEndpoints(names: readonly string[]): void;
}

/**
 * Streams grouped by node ID. Envoy without ADS opens separate CDS and EDS streams, so "the endpoints of a
 * cluster that just changed" must reach the node's other streams. A node's entry lives exactly as long as
 * its last stream.
 */
export interface NodeRegistry {
  /** Adds a stream to its node; the returned function removes it (and the node with its last stream). */
  attach(nodeId: string, stream: NodeStream): () => void;
  /** A CDS response for `nodeId` carried changed clusters: re-send their endpoints on the node's streams. */
  clustersSent(nodeId: string, edsNames: readonly string[]): void;
  /** Number of connected nodes. */
  size(): number;
}

/** Creates an empty registry. */
export function createNodeRegistry(): NodeRegistry {
  const nodes = new Map<string, Set<NodeStream>>();
  return {
    attach(nodeId, stream) {
      let streams = nodes.get(nodeId);
      if (streams === undefined) nodes.set(nodeId, (streams = new Set()));
      streams.add(stream);
      let attached = true;
      return () => {
        if (!attached) return;
        attached = false;
        streams.delete(stream);
        if (streams.size === 0 && nodes.get(nodeId) === streams) nodes.delete(nodeId);
      };
    },
    clustersSent(nodeId, edsNames) {
      if (edsNames.length === 0) return;
      for (const stream of [...(nodes.get(nodeId) ?? [])]) stream.forceEndpoints(edsNames);
    },
    size: () => nodes.size,
  };
}
