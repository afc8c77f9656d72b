/** A ready endpoint: an address and the target port traffic goes to. */
export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

/**
 * The endpoints of a Service port, in one locality. With none ready it is still sent, empty, so its
 * cluster can warm. The locality and its weight are what proxyless gRPC clients need (grpc-js-xds drops
 * localities without a weight and refuses ones without a locality); Envoy ignores both here.
 */
export function clusterLoadAssignment(name: string, endpoints: readonly Endpoint[]): Record<string, unknown> {
  if (endpoints.length === 0) return { cluster_name: name, endpoints: [] };
  return {
    cluster_name: name,
    endpoints: [
      {
        locality: {},
        load_balancing_weight: { value: 1 },
        lb_endpoints: endpoints.map((e) => ({
          endpoint: { address: { socket_address: { address: e.address, port_value: e.port } } },
        })),
      },
    ],
  };
}

/** The slice fields endpoints are read from (a `discovery.k8s.io/v1` EndpointSlice). */
export interface SliceLike {
  readonly addressType: string;
  readonly endpoints: readonly { readonly addresses: readonly string[]; readonly ready: boolean }[];
  readonly ports: readonly { readonly name: string; readonly port?: number; readonly protocol: string }[];
}

/**
 * The ready endpoints of a Service port across all its slices: the first address of each ready endpoint
 * (kubernetes/kubernetes#106267) with the target port of the slice port named like the Service port.
 * Slices may repeat endpoints, so the result is deduplicated, then sorted.
 */
export function readyEndpoints(slices: Iterable<SliceLike>, portName: string): Endpoint[] {
  const found: Endpoint[] = [];
  for (const slice of slices) {
    if (slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6') continue;
    for (const p of slice.ports) {
      const port = p.port;
      if (p.name !== portName || p.protocol !== 'TCP' || port === undefined) continue;
      for (const endpoint of slice.endpoints) {
        const address = endpoint.addresses[0];
        if (endpoint.ready && address !== undefined) found.push({ address, port });
      }
    }
  }
  // Sorted, then repeats dropped: cheaper than a key string per endpoint, and the same list.
  found.sort(compareEndpoints);
  let kept = 0;
  for (const e of found) {
    const last = kept === 0 ? undefined : found[kept - 1];
    if (last !== undefined && last.address === e.address && last.port === e.port) continue;
    found[kept++] = e;
  }
  found.length = kept;
  return found;
}

function compareEndpoints(a: Endpoint, b: Endpoint): number {
  return a.address < b.address ? -1 : a.address > b.address ? 1 : a.port - b.port;
}
