import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The two protocol variants, as a metric label. */
export type Protocol = 'sotw' | 'delta';

/**
 * Everything the edge reports on `/metrics`. Labels: `service` (ads, lds, ...), `protocol` (sotw, delta) and
 * `type` (lds, cds, ...).
 */
export interface EdgeMetrics {
  readonly openStreams: Gauge<'service' | 'protocol'>;
  /** Type sub-streams (an ADS stream has one per type it asked for), by resource type. */
  readonly typeStreams: Gauge<'type' | 'protocol'>;
  readonly responses: Counter<'type'>;
  readonly acks: Counter<'type'>;
  readonly nacks: Counter<'type'>;
  readonly staleRequests: Counter<'type'>;
  readonly streamErrors: Counter<'code'>;
  /** TLS handshakes refused (no, expired or foreign client certificate), by listener (xds, proxyless). */
  readonly handshakeFailures: Counter<'listener'>;
  /** From a snapshot's arrival at the edge to the response that carries it being written. */
  readonly pushLatency: Histogram<'type'>;
  /** Records the snapshot version served now. */
  setSnapshotVersion(version: string): void;
  /** The per-type series, resolved once (label lookups are not free on the hot path). */
  forType(type: TypeLabel): TypeMetrics;
}

/** A resource type as a metric label. */
export type TypeLabel = 'lds' | 'rds' | 'cds' | 'eds' | 'sds';

/** The series of one resource type. */
export interface TypeMetrics {
  response(): void;
  ack(): void;
  nack(): void;
  stale(): void;
  pushLatency(seconds: number): void;
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
  const metrics = {
    openStreams: new Gauge({
      name: 'sesame_xds_open_streams',
      help: 'Open xDS streams by gRPC service (ads, lds, rds, cds, eds, sds) and protocol (sotw, delta).',
      labelNames: ['service', 'protocol'] as const,
      registers,
    }),
    typeStreams: new Gauge({
      name: 'sesame_xds_type_streams',
      help: 'Open subscriptions by resource type (an ADS stream counts once per type it asked for).',
      labelNames: ['type', 'protocol'] as const,
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
    handshakeFailures: new Counter({
      name: 'sesame_xds_tls_handshake_failures_total',
      help: 'TLS handshakes the edge refused (missing, expired or untrusted client certificate), by listener.',
      labelNames: ['listener'] as const,
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
  const byType = new Map<TypeLabel, TypeMetrics>();
  return {
    ...metrics,
    forType(type) {
      let m = byType.get(type);
      if (m === undefined) {
        const labels = { type };
        const responses = metrics.responses.labels(labels);
        const acks = metrics.acks.labels(labels);
        const nacks = metrics.nacks.labels(labels);
        const stale = metrics.staleRequests.labels(labels);
        const latency = metrics.pushLatency.labels(labels);
        m = {
          response: () => responses.inc(),
          ack: () => acks.inc(),
          nack: () => nacks.inc(),
          stale: () => stale.inc(),
          pushLatency: (seconds) => latency.observe(seconds),
        };
        byType.set(type, m);
      }
      return m;
    },
  };
}
