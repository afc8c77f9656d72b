import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Everything the edge reports on `/metrics`. Labels: `service` (ads, lds, ...) and `type` (lds, cds, ...). */
export interface EdgeMetrics {
  readonly openStreams: Gauge<'service'>;
  readonly responses: Counter<'type'>;
  readonly acks: Counter<'type'>;
  readonly nacks: Counter<'type'>;
  readonly staleRequests: Counter<'type'>;
  readonly streamErrors: Counter<'code'>;
  /** From a snapshot's arrival at the edge to the response that carries it being written. */
  readonly pushLatency: Histogram<'type'>;
  /** Records the snapshot version served now. */
  setSnapshotVersion(version: string): void;
}

/** Registers the edge's metrics; `connectedNodes` is read when scraped. */
export function createEdgeMetrics(registry: Registry, connectedNodes: () => number): EdgeMetrics {
  const registers = [registry];
  new Gauge({
    name: 'sesame_xds_connected_nodes',
    help: 'Distinct node IDs with at least one open xDS stream.',
    registers,
    collect() {
      this.set(connectedNodes());
    },
  });
  const snapshotInfo = new Gauge({
    name: 'sesame_xds_snapshot_info',
    help: 'The snapshot version the edge serves (value 1, version as a label).',
    labelNames: ['version'] as const,
    registers,
  });
  return {
    openStreams: new Gauge({
      name: 'sesame_xds_open_streams',
      help: 'Open xDS streams by gRPC service (ads, lds, rds, cds, eds, sds).',
      labelNames: ['service'] as const,
      registers,
    }),
    responses: new Counter({
      name: 'sesame_xds_responses_total',
      help: 'DiscoveryResponses written, by resource type.',
      labelNames: ['type'] as const,
      registers,
    }),
    acks: new Counter({
      name: 'sesame_xds_acks_total',
      help: 'Responses accepted by clients (ACK), by resource type.',
      labelNames: ['type'] as const,
      registers,
    }),
    nacks: new Counter({
      name: 'sesame_xds_nacks_total',
      help: 'Responses rejected by clients (NACK, error_detail set), by resource type.',
      labelNames: ['type'] as const,
      registers,
    }),
    staleRequests: new Counter({
      name: 'sesame_xds_stale_requests_total',
      help: 'Requests ignored because they answered an older response (stale nonce), by resource type.',
      labelNames: ['type'] as const,
      registers,
    }),
    streamErrors: new Counter({
      name: 'sesame_xds_stream_errors_total',
      help: 'Streams ended by the edge with an error, by gRPC status code.',
      labelNames: ['code'] as const,
      registers,
    }),
    pushLatency: new Histogram({
      name: 'sesame_xds_push_latency_seconds',
      help: 'Time from a snapshot arriving at the edge to a response carrying it being written, by type.',
      labelNames: ['type'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    setSnapshotVersion(version: string): void {
      snapshotInfo.reset();
      snapshotInfo.set({ version }, 1);
    },
  };
}
