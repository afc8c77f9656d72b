// A real edge on 127.0.0.1:0 over real mutual TLS, fed by an in-memory bus: the fixture for edge
// integration tests and for other packages that want to see their snapshots the way Envoy does.
import {
  createLogger,
  createMemoryBus,
  type Logger,
  type Resource,
  type Snapshot,
  type SnapshotBus,
} from '@sesame/shared';
import { createEdge, type Edge, type EdgeOptions } from '@sesame/xds-edge';
import { Registry } from 'prom-client';
import { metricValue } from '../metrics/metric-value.js';
import { createTestPki, type TestPki, type TlsDir } from '../tls/pki.js';
import { ScriptedAdsClient, type NodeObject } from './ads-client.js';
import { ScriptedDeltaClient } from './delta-client.js';
import { snapshotOf } from './resources.js';

/** A running edge, its bus and PKI, and clients that are closed with it. */
export interface EdgeHarness {
  readonly edge: Edge;
  readonly bus: SnapshotBus;
  readonly pki: TestPki;
  readonly registry: Registry;
  /** Publishes a snapshot of `resources` and waits until the edge serves it. */
  publish(resources: Iterable<Resource>): Promise<Snapshot>;
  /** Opens a scripted stream with the Envoy client certificate (or `tls`). */
  client(options?: ClientOptions): ScriptedAdsClient;
  /** Opens a scripted delta stream, like `client`. */
  deltaClient(options?: ClientOptions): ScriptedDeltaClient;
  /** The sum of a metric's values with these labels (0 when absent). */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  close(): Promise<void>;
}

/** How a harness client connects: by default to the mutual-TLS port with the Envoy certificate. */
export interface ClientOptions {
  service?: 'ads' | Resource['typeUrl'];
  node?: NodeObject;
  tls?: TlsDir;
  noClientCert?: boolean;
  /** Connect to the proxyless port (plaintext) instead. */
  proxyless?: boolean;
}

/** Starts an edge; pass `pki` to share certificates between several edges. */
export async function startEdgeHarness(
  options: {
    pki?: TestPki;
    logger?: Logger;
    tlsRefreshMs?: number;
    /** Also open the proxyless port (plaintext) on 127.0.0.1:0. */
    proxyless?: boolean;
    limits?: EdgeOptions['limits'];
  } = {},
): Promise<EdgeHarness> {
  const pki = options.pki ?? (await createTestPki());
  const bus = createMemoryBus();
  const registry = new Registry();
  const edge = await createEdge({
    bus,
    tlsDir: pki.server.dir,
    address: { host: '127.0.0.1', port: 0 },
    logger: options.logger ?? createLogger({ level: 'silent' }),
    registry,
    ...(options.tlsRefreshMs === undefined ? {} : { tlsRefreshMs: options.tlsRefreshMs }),
    ...(options.proxyless === true ? { proxyless: { address: { host: '127.0.0.1', port: 0 } } } : {}),
    ...(options.limits === undefined ? {} : { limits: options.limits }),
  });
  const clients = new Set<{ close(): void }>();
  const connection = (o: ClientOptions) => {
    const proxyless = o.proxyless === true;
    const address = proxyless ? edge.proxylessAddress : edge.address;
    if (address === undefined) throw new Error('the harness was started without a proxyless port');
    return {
      address,
      tls: o.tls ?? pki.client,
      ...(proxyless ? { insecure: true } : {}),
      ...(o.service === undefined ? {} : { service: o.service }),
      ...(o.node === undefined ? {} : { node: o.node }),
      ...(o.noClientCert === undefined ? {} : { noClientCert: o.noClientCert }),
    };
  };
  return {
    edge,
    bus,
    pki,
    registry,
    async publish(resources) {
      const snapshot = snapshotOf(resources);
      await bus.publish(snapshot);
      await waitFor(() => edge.snapshotVersion() === snapshot.version, 'the edge to serve the snapshot');
      return snapshot;
    },
    client(clientOptions = {}) {
      const client = new ScriptedAdsClient(connection(clientOptions));
      clients.add(client);
      return client;
    },
    deltaClient(clientOptions = {}) {
      const client = new ScriptedDeltaClient(connection(clientOptions));
      clients.add(client);
      return client;
    },
    metric: (name, labels) => metricValue(registry, name, labels),
    async close() {
      for (const c of clients) c.close();
      await edge.close({ graceMs: 1_000 });
      await bus.close();
      if (options.pki === undefined) await pki.cleanup();
      // Every stream must be over once the edge has closed: a leak here is a bug in the edge.
      const open = (await registry.getSingleMetric('sesame_xds_open_streams')?.get())?.values ?? [];
      const leaked = open.reduce((sum, v) => sum + v.value, 0);
      if (leaked !== 0) throw new Error(`${leaked} xDS stream(s) still open after the edge closed`);
    },
  };
}

/** Polls `condition` on every turn of the event loop until it holds, failing after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
