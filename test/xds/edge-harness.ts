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
import { createEdge, type Edge } from '@sesame/xds-edge';
import { Registry } from 'prom-client';
import { createTestPki, type TestPki, type TlsDir } from '../tls/pki.js';
import { ScriptedAdsClient, type NodeObject } from './ads-client.js';
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
  client(options?: {
    service?: 'ads' | Resource['typeUrl'];
    node?: NodeObject;
    tls?: TlsDir;
    noClientCert?: boolean;
  }): ScriptedAdsClient;
  close(): Promise<void>;
}

/** Starts an edge; pass `pki` to share certificates between several edges. */
export async function startEdgeHarness(
  options: { pki?: TestPki; logger?: Logger; tlsRefreshMs?: number } = {},
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
  });
  const clients = new Set<ScriptedAdsClient>();
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
      const client = new ScriptedAdsClient({
        address: edge.address,
        tls: clientOptions.tls ?? pki.client,
        ...(clientOptions.service === undefined ? {} : { service: clientOptions.service }),
        ...(clientOptions.node === undefined ? {} : { node: clientOptions.node }),
        ...(clientOptions.noClientCert === undefined ? {} : { noClientCert: clientOptions.noClientCert }),
      });
      clients.add(client);
      return client;
    },
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
