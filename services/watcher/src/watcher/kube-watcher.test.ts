import { createMemoryBus, type SnapshotBus } from '@sesame/shared';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKubeApiServer, waitUntil, type KubeApiServer } from '../../../../test/kube-api/index.js';
import {
  fixtureWatcher,
  latestOn,
  recordingBus,
  routedHosts,
  type PublishRecord,
} from '../../../../test/watcher-kube/harness.js';
import {
  capturingLogger,
  endpointSlice,
  httpProxy,
  ingress,
  seedProxies,
  service,
} from '../../../../test/watcher-kube/objects.js';
import type { KubeWatcher } from './kube-watcher.js';

let server: KubeApiServer;
let memory: SnapshotBus;
const running: KubeWatcher[] = [];
const logger = capturingLogger('silent').logger;

beforeEach(async () => {
  server = await createKubeApiServer({ bookmarkIntervalMs: 0 });
  memory = createMemoryBus();
});

afterEach(async () => {
  for (const w of running.splice(0)) await w.close();
  await memory.close();
  await server.close();
});

function start(options: Partial<Parameters<typeof fixtureWatcher>[1]> = {}): {
  watcher: KubeWatcher;
  published: PublishRecord[];
  registry: Registry;
} {
  const registry = new Registry();
  const { bus, published } = recordingBus(memory);
  const watcher = fixtureWatcher(server, { bus, logger, registry, ...options });
  running.push(watcher);
  return { watcher, published, registry };
}

const statusOf = (resource: string, namespace: string, name: string): Record<string, unknown> =>
  (server.get(resource, { namespace, name })?.['status'] ?? {}) as Record<string, unknown>;

const metric = async (registry: Registry, name: string, labels = ''): Promise<number> => {
  const text = await registry.getSingleMetricAsString(name);
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}${labels} `) || l.startsWith(`${name}${labels}{`));
  return Number(line?.split(' ').at(-1) ?? 0);
};

describe('kube watcher', () => {
  it('publishes nothing until every informer has synced, then the snapshot, and writes status', async () => {
    seedProxies(server, 2);
    server.create('httpproxies', httpProxy(3, { service: 'missing' }));
    server.create('httpproxies', {
      ...httpProxy(4),
      spec: { routes: [{ services: [{ name: 'svc-4', port: 80 }] }] },
    });
    server.create('httpproxies', {
      ...httpProxy(5),
      metadata: {
        name: 'proxy-5',
        namespace: 'ns-5',
        annotations: { 'projectsesame.io/ingress.class': 'other' },
      },
    });
    server.create('ingresses', ingress(1));
    server.create('services', {
      metadata: { name: 'envoy', namespace: 'sesame' },
      spec: { type: 'LoadBalancer', ports: [{ port: 80 }] },
      status: { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } },
    });
    const gate = server.hold({ verb: 'list', resource: 'tlscertificatedelegations' });
    const { watcher, published } = start({
      status: { envoyService: { namespace: 'sesame', name: 'envoy' } },
    });
    const starting = watcher.start();
    await gate.waitForHeld();
    await server.waitForWatch('httpproxies');
    expect(published).toEqual([]);
    expect(watcher.ready()).toBe(false);
    gate.release();
    await starting;
    await waitUntil(() => watcher.ready());
    expect(published.map((p) => p.outcome)).toEqual(['published']);
    const bus = latestOn(memory);
    await waitUntil(() => bus.current() !== undefined);
    expect(routedHosts(bus.current())).toEqual(
      expect.arrayContaining(['i1.example.com', 'p0.example.com', 'p1.example.com']),
    );
    bus.close();

    await watcher.statusSettled();
    expect(statusOf('httpproxies', 'ns-0', 'proxy-0')).toMatchObject({
      currentStatus: 'valid',
      description: 'Valid HTTPProxy',
      loadBalancer: { ingress: [{ ip: '192.0.2.10' }] },
      conditions: [{ type: 'Valid', status: 'True', observedGeneration: 1 }],
    });
    expect(statusOf('httpproxies', 'ns-3', 'proxy-3')).toMatchObject({
      currentStatus: 'invalid',
      conditions: [{ type: 'Valid', status: 'False' }],
    });
    expect(statusOf('httpproxies', 'ns-4', 'proxy-4')).toMatchObject({ currentStatus: 'orphaned' });
    expect(statusOf('httpproxies', 'ns-5', 'proxy-5')).toEqual({});
    expect(statusOf('ingresses', 'ns-1', 'ing-1')).toEqual({
      loadBalancer: { ingress: [{ ip: '192.0.2.10' }] },
    });

    // The Envoy Service gets its address: every Ingress follows.
    server.patch(
      'services',
      { namespace: 'sesame', name: 'envoy' },
      { status: { loadBalancer: { ingress: [{ hostname: 'lb.example.com' }] } } },
    );
    await waitUntil(() => JSON.stringify(statusOf('ingresses', 'ns-1', 'ing-1')).includes('lb.example.com'));
  });

  it('costs nothing for status-only updates, and a restarted watcher writes and publishes nothing new', async () => {
    seedProxies(server, 3);
    const first = start({ status: { address: [{ ip: '192.0.2.1' }] } });
    await first.watcher.start();
    await waitUntil(() => first.watcher.ready());
    await first.watcher.statusSettled();
    const writes = server.count({ verb: 'update', resource: 'httpproxies/status' });
    expect(writes).toBe(3);
    const rebuilds = await metric(first.registry, 'sesame_watcher_rebuilds_total');

    // Someone else overwrites a status: no rebuild, and our status is put back.
    server.updateStatus('httpproxies', { ...httpProxy(1), status: { currentStatus: 'invalid' } });
    await waitUntil(() => statusOf('httpproxies', 'ns-1', 'proxy-1')['currentStatus'] === 'valid');
    expect(await metric(first.registry, 'sesame_watcher_rebuilds_total')).toBe(rebuilds);

    await first.watcher.close();
    running.splice(0);
    const second = start({ status: { address: [{ ip: '192.0.2.1' }] } });
    await second.watcher.start();
    await waitUntil(() => second.watcher.ready());
    await second.watcher.statusSettled();
    expect(server.count({ verb: 'update', resource: 'httpproxies/status' })).toBe(writes + 1);
    expect(second.published.map((p) => p.outcome)).toEqual(['unchanged']);
    expect(second.published[0]?.version).toBe(first.published.at(-1)?.version);
  });

  it('retries status conflicts, and a slow API server delays status, never config', async () => {
    seedProxies(server, 1);
    server.failNext(2, { code: 409, reason: 'Conflict' }, { verb: 'update', resource: 'httpproxies/status' });
    const { watcher, registry } = start();
    await watcher.start();
    await watcher.statusSettled();
    expect(statusOf('httpproxies', 'ns-0', 'proxy-0')).toMatchObject({ currentStatus: 'valid' });
    expect(await metric(registry, 'sesame_status_update_conflict_total', '{kind="HTTPProxy"}')).toBe(2);

    const slow = server.hold({ verb: 'update', resource: 'httpproxies/status' });
    const bus = latestOn(memory);
    server.create('services', service(1));
    server.create('endpointslices', endpointSlice(1));
    server.create('httpproxies', httpProxy(1));
    await waitUntil(() => routedHosts(bus.current()).includes('p1.example.com'));
    await slow.waitForHeld();
    expect(statusOf('httpproxies', 'ns-1', 'proxy-1')).toEqual({});
    slow.release();
    await watcher.statusSettled();
    expect(statusOf('httpproxies', 'ns-1', 'proxy-1')).toMatchObject({ currentStatus: 'valid' });
    bus.close();
  });

  it('loses no event and publishes nothing twice through watch drops, 410s and API server restarts', async () => {
    seedProxies(server, 3);
    const { watcher, published } = start({ status: false });
    await watcher.start();
    const bus = latestOn(memory);
    const expectHosts = async (hosts: string[]): Promise<void> =>
      waitUntil(() => JSON.stringify(routedHosts(bus.current())) === JSON.stringify(hosts.sort()), {
        what: `hosts ${hosts.join(',')}`,
      });
    await expectHosts(['p0.example.com', 'p1.example.com', 'p2.example.com']);

    // The watch is cut and changes land while the informer is away.
    const gate = server.hold({ verb: 'watch', resource: 'httpproxies' });
    server.dropWatches({ resource: 'httpproxies' });
    await gate.waitForHeld();
    server.delete('httpproxies', { namespace: 'ns-0', name: 'proxy-0' });
    server.patch(
      'httpproxies',
      { namespace: 'ns-1', name: 'proxy-1' },
      { spec: { virtualhost: { fqdn: 'q1.example.com' } } },
    );
    gate.release();
    await expectHosts(['p2.example.com', 'q1.example.com']);

    // Again, with history compacted meanwhile (410 Gone, then a relist).
    const gate2 = server.hold({ verb: 'watch', resource: 'httpproxies' });
    server.dropWatches({ resource: 'httpproxies' });
    await gate2.waitForHeld();
    seedProxies(server, 1, 3);
    server.compact();
    gate2.release();
    await expectHosts(['p2.example.com', 'p3.example.com', 'q1.example.com']);

    // The API server restarts: once with its data, once wiped and restored from a (partial) backup.
    await server.restart();
    seedProxies(server, 1, 4);
    await expectHosts(['p2.example.com', 'p3.example.com', 'p4.example.com', 'q1.example.com']);
    await server.restart({ keepState: false });
    seedProxies(server, 2, 4);
    await expectHosts(['p4.example.com', 'p5.example.com']);

    const versions = published.map((p) => p.version);
    for (let i = 1; i < versions.length; i++) expect(versions[i]).not.toBe(versions[i - 1]);
    expect(published.every((p) => p.outcome === 'published')).toBe(true);
    bus.close();
  });

  it('can be closed while it waits for the first sync', async () => {
    const gate = server.hold({ verb: 'list', resource: 'httpproxies' });
    const { watcher, published } = start();
    const starting = watcher.start();
    await gate.waitForHeld();
    running.splice(0);
    await watcher.close();
    await expect(starting).rejects.toThrow(/closed/);
    gate.release();
    expect(published).toEqual([]);
  });

  it('coalesces a burst of changes into few publishes', async () => {
    const { watcher, published } = start({ status: false, holdoffMs: 100, holdoffMaxMs: 500 });
    await watcher.start();
    await waitUntil(() => watcher.ready());
    seedProxies(server, 50);
    const bus = latestOn(memory);
    await waitUntil(() => routedHosts(bus.current()).length === 50);
    expect(published.length).toBeLessThanOrEqual(3);
    bus.close();
  });
});
