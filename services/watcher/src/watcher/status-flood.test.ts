import { createMemoryBus, type SnapshotBus } from '@sesame/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { createKubeApiServer, waitUntil, type KubeApiServer } from '../../../../test/kube-api/index.js';
import { fixtureWatcher } from '../../../../test/watcher-kube/harness.js';
import { capturingLogger, seedProxies, service } from '../../../../test/watcher-kube/objects.js';
import type { KubeWatcher } from './kube-watcher.js';

const PROXIES = 5_000;

let server: KubeApiServer;
let bus: SnapshotBus;
const running: KubeWatcher[] = [];
const logger = capturingLogger('silent').logger;

beforeEach(async () => {
  server = await createKubeApiServer({ bookmarkIntervalMs: 0 });
  bus = createMemoryBus();
});

afterEach(async () => {
  for (const w of running.splice(0)) await w.close();
  await bus.close();
  await server.close();
});

describe('status flood', () => {
  it(`settles the status of ${PROXIES} HTTPProxies, then rewrites none of them`, async () => {
    seedProxies(server, PROXIES);
    const registry = new Registry();
    const first = fixtureWatcher(server, {
      bus,
      logger,
      registry,
      status: { address: [{ ip: '192.0.2.1' }] },
    });
    running.push(first);
    const began = performance.now();
    await first.start();
    const synced = performance.now();
    await first.statusSettled();
    const settled = performance.now();
    console.log(
      `${PROXIES} proxies: sync + first snapshot ${Math.round(synced - began)} ms, status settled ${Math.round(settled - synced)} ms later`,
    );
    expect(server.count({ verb: 'update', resource: 'httpproxies/status' })).toBe(PROXIES);
    const statuses = server
      .list('httpproxies')
      .map((p) => (p['status'] as { currentStatus?: string }).currentStatus);
    expect(statuses.filter((s) => s === 'valid')).toHaveLength(PROXIES);

    // A later rebuild (here, for one more Service) leaves every status alone.
    const rebuilds = async (): Promise<number> =>
      ((await registry.getSingleMetric('sesame_watcher_rebuilds_total')?.get())?.values ?? []).reduce(
        (sum, v) => sum + v.value,
        0,
      );
    const before = await rebuilds();
    server.create('services', service(PROXIES));
    await waitUntil(async () => (await rebuilds()) > before);
    await first.statusSettled();
    expect(server.count({ verb: 'update', resource: 'httpproxies/status' })).toBe(PROXIES);
  }, 60_000);
});
