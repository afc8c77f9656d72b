import { KubeConfig } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKubeApiServer, waitUntil, type KubeApiServer } from '../../../../test/kube-api/index.js';
import { capturingLogger, endpointSlice, httpProxy, service } from '../../../../test/watcher-kube/objects.js';
import type { ObjectChanges } from '../translate-incremental.js';
import { objectKeyString } from '../translate-store.js';
import { createKubeSource, type KubeSource } from './kube-source.js';

let server: KubeApiServer;
let source: KubeSource | undefined;

beforeEach(async () => {
  server = await createKubeApiServer({ bookmarkIntervalMs: 0 });
});

afterEach(async () => {
  await source?.close();
  source = undefined;
  await server.close();
});

function open(
  options: { namespaces?: string[]; registry?: Registry; logger?: ReturnType<typeof capturingLogger> } = {},
): KubeSource {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(server.kubeconfig());
  const { logger, ...rest } = options;
  source = createKubeSource({
    kubeConfig,
    logger: (logger ?? capturingLogger('silent')).logger,
    backoffMs: 10,
    ...rest,
  });
  return source;
}

/** Collects every change the source reports, as `upsert Kind ns/name` / `delete Kind ns/name` lines. */
function recorder(s: KubeSource): { log: string[]; wakeups: number; drain(): ObjectChanges } {
  const state = {
    log: [] as string[],
    wakeups: 0,
    drain(): ObjectChanges {
      const changes = s.takeChanges();
      for (const u of changes.upserts ?? []) {
        const meta = u.manifest['metadata'] as { namespace?: string; name: string };
        state.log.push(`upsert ${String(u.manifest['kind'])} ${meta.namespace ?? ''}/${meta.name}`);
      }
      for (const d of changes.deletes ?? []) state.log.push(`delete ${objectKeyString(d)}`);
      return changes;
    },
  };
  s.watch(() => {
    state.wakeups++;
    state.drain();
  });
  return state;
}

const names = (objects: { manifest: Record<string, unknown> }[]): string[] =>
  objects
    .map((o) => {
      const meta = o.manifest['metadata'] as { namespace?: string; name: string };
      return `${String(o.manifest['kind'])} ${meta.namespace ?? ''}/${meta.name}`;
    })
    .sort();

describe('kubernetes source', () => {
  it('waits for every informer, then loads trimmed objects of every kind, Helm secrets left out', async () => {
    server.create('services', {
      ...service(1),
      metadata: {
        name: 'svc-1',
        namespace: 'ns-1',
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"big":"copy"}', keep: 'me' },
      },
    });
    server.create('endpointslices', endpointSlice(1));
    server.create('httpproxies', httpProxy(1));
    server.create('ingressclasses', { metadata: { name: 'sesame' }, spec: { controller: 'x/y' } });
    server.create('secrets', {
      metadata: { name: 'cert', namespace: 'ns-1' },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': 'QQ==', 'tls.key': 'Qg==', 'extra.bin': 'Qw==' },
    });
    server.create('secrets', { metadata: { name: 'ca', namespace: 'ns-1' }, data: { 'ca.crt': 'QQ==' } });
    server.create('secrets', {
      metadata: { name: 'sh.helm.release.v1.app.v1', namespace: 'ns-1' },
      type: 'helm.sh/release.v1',
      data: { release: 'QQ==' },
    });
    server.create('secrets', {
      metadata: { name: 'token', namespace: 'ns-1' },
      type: 'kubernetes.io/service-account-token',
    });
    const s = open();
    const loaded = await s.load();
    expect(s.isSynced()).toBe(true);
    expect(names(loaded.objects)).toEqual([
      'EndpointSlice ns-1/svc-1-abcde',
      'HTTPProxy ns-1/proxy-1',
      'IngressClass /sesame',
      'Secret ns-1/ca',
      'Secret ns-1/cert',
      'Service ns-1/svc-1',
    ]);
    const byName = (name: string) =>
      loaded.objects.find((o) => (o.manifest['metadata'] as { name: string }).name === name)?.manifest;
    expect(byName('svc-1')).toMatchObject({ apiVersion: 'v1', kind: 'Service' });
    expect((byName('svc-1')?.['metadata'] as { annotations: unknown }).annotations).toEqual({ keep: 'me' });
    expect(byName('cert')?.['data']).toEqual({ 'tls.crt': 'QQ==', 'tls.key': 'Qg==' });
    // The Helm secret was filtered by the API server, not after the fact.
    expect(server.requests.filter((r) => r.resource === 'secrets' && r.verb === 'list')).toHaveLength(2);
  });

  it('reports object-level changes, and nothing for a status-only update', async () => {
    server.create('services', service(1));
    server.create('httpproxies', httpProxy(1));
    const s = open();
    await s.load();
    const rec = recorder(s);
    const statusChanges: string[] = [];
    s.onStatusChange((key) => statusChanges.push(objectKeyString(key)));
    await server.waitForWatch('httpproxies');

    server.updateStatus('httpproxies', { ...httpProxy(1), status: { currentStatus: 'valid' } });
    server.patch('services', { namespace: 'ns-1', name: 'svc-1' }, { status: { loadBalancer: {} } });
    await waitUntil(() => statusChanges.includes('HTTPProxy ns-1/proxy-1'));
    expect(s.get({ kind: 'HTTPProxy', namespace: 'ns-1', name: 'proxy-1' })).toMatchObject({
      status: { currentStatus: 'valid' },
    });

    server.create('services', service(2));
    server.patch('httpproxies', { namespace: 'ns-1', name: 'proxy-1' }, { spec: { routes: [] } });
    server.delete('services', { namespace: 'ns-1', name: 'svc-1' });
    await waitUntil(() => rec.log.length === 3);
    // The status-only writes before these changes woke nobody.
    expect(rec.wakeups).toBe(3);
    expect(rec.log.sort()).toEqual([
      'delete Service ns-1/svc-1',
      'upsert HTTPProxy ns-1/proxy-1',
      'upsert Service ns-2/svc-2',
    ]);
  });

  it('loses no event across a cut watch, a compaction (410) and API server restarts', async () => {
    for (let i = 0; i < 3; i++) server.create('services', service(i));
    const s = open();
    await s.load();
    const rec = recorder(s);
    await server.waitForWatch('services');

    // Cut the connection and change things while the informer is away.
    const gate = server.hold({ verb: 'watch', resource: 'services' });
    server.dropWatches({ resource: 'services' });
    await gate.waitForHeld();
    server.delete('services', { namespace: 'ns-0', name: 'svc-0' });
    server.patch('services', { namespace: 'ns-1', name: 'svc-1' }, { spec: { ports: [{ port: 81 }] } });
    server.create('services', service(3));
    gate.release();
    await waitUntil(() => rec.log.length === 3);

    // Again, but history is compacted meanwhile: the informer relists and diffs against its cache.
    const gate2 = server.hold({ verb: 'watch', resource: 'services' });
    server.dropWatches({ resource: 'services' });
    await gate2.waitForHeld();
    server.delete('services', { namespace: 'ns-2', name: 'svc-2' });
    server.create('services', service(4));
    server.compact();
    gate2.release();
    await waitUntil(() => rec.log.length === 5);

    // A restart that keeps etcd: watches resume from their resourceVersion.
    await server.restart();
    server.create('services', service(5));
    await waitUntil(() => rec.log.length === 6);

    expect(rec.log).toEqual([
      'delete Service ns-0/svc-0',
      'upsert Service ns-1/svc-1',
      'upsert Service ns-3/svc-3',
      'delete Service ns-2/svc-2',
      'upsert Service ns-4/svc-4',
      'upsert Service ns-5/svc-5',
    ]);

    // A restart from an empty etcd: the old resourceVersions are gone (410), so everything is relisted.
    await server.restart({ keepState: false });
    server.create('services', service(4));
    server.create('services', service(6));
    const wiped = ['delete Service ns-1/svc-1', 'delete Service ns-3/svc-3', 'delete Service ns-5/svc-5'];
    await waitUntil(() => [...wiped, 'upsert Service ns-6/svc-6'].every((l) => rec.log.includes(l)));
    const now = await s.load();
    expect(names(now.objects)).toEqual(['Service ns-4/svc-4', 'Service ns-6/svc-6']);
  });

  it('asks for bookmarks, so a quiet informer resumes past a compaction without relisting', async () => {
    server.create('services', service(1));
    const registry = new Registry();
    const s = open({ registry });
    await s.load();
    const rec = recorder(s);
    await server.waitForWatch('services');
    const bookmarks = async (): Promise<number> => {
      const text = await registry.getSingleMetricAsString('sesame_kube_informer_events_total');
      const line = text.split('\n').find((l) => l.includes('resource="services",type="bookmark"'));
      return Number(line?.split(' ').at(-1) ?? 0);
    };
    // Much happens elsewhere while services stay quiet; only a bookmark tells their informer how far it got.
    for (let i = 0; i < 20; i++) server.create('httpproxies', httpProxy(100 + i));
    server.sendBookmarks('services');
    await waitUntil(async () => (await bookmarks()) === 1);
    await waitUntil(() => rec.log.length === 20);
    server.compact();
    server.dropWatches({ resource: 'services', mode: 'end' });
    await server.waitForWatch('services');
    server.create('services', service(2));
    await waitUntil(() => rec.log.includes('upsert Service ns-2/svc-2'));
    expect(server.count({ verb: 'list', resource: 'services' })).toBe(1);
  });

  it('retries a failed list and a refused watch until it is in sync', async () => {
    server.create('services', service(1));
    server.failNext(2, { code: 500 }, { verb: 'list', resource: 'services' });
    server.failNext(1, { code: 503 }, { verb: 'watch', resource: 'services' });
    const s = open();
    const loaded = await s.load();
    expect(names(loaded.objects)).toEqual(['Service ns-1/svc-1']);
    const rec = recorder(s);
    await server.waitForWatch('services');
    server.create('services', service(2));
    await waitUntil(() => rec.log.includes('upsert Service ns-2/svc-2'));
    expect(server.requests.filter((r) => r.resource === 'services' && r.code >= 500)).toHaveLength(3);
  });

  it('says what to fix when a CRD is missing or RBAC forbids a kind, and publishes nothing meanwhile', async () => {
    await server.close();
    server = await createKubeApiServer({ bookmarkIntervalMs: 0, withoutResources: ['httpproxies'] });
    server.failNext(2, { code: 403 }, { verb: 'list', resource: 'tlscertificatedelegations' });
    const log = capturingLogger('info');
    const s = open({ logger: log });
    s.start();
    const hints = (): string[] =>
      log.lines.filter((l) => l['level'] === 'error').map((l) => String(l['msg']));
    await waitUntil(
      () =>
        hints().some((m) =>
          m.includes('httpproxies.projectsesame.io: is its CustomResourceDefinition installed'),
        ) &&
        hints().some((m) => m.includes('needs list and watch on tlscertificatedelegations.projectsesame.io')),
    );
    // Translating without every kind would publish a configuration missing its HTTPProxies.
    expect(s.isSynced()).toBe(false);
  });

  it('watches only the given namespaces, one informer per namespace and kind', async () => {
    server.create('services', service(1));
    server.create('services', service(2));
    server.create('services', service(3));
    const registry = new Registry();
    const s = open({ namespaces: ['ns-1', 'ns-3'], registry });
    const loaded = await s.load();
    expect(names(loaded.objects)).toEqual(['Service ns-1/svc-1', 'Service ns-3/svc-3']);
    expect(server.count({ verb: 'list', resource: 'services', namespace: 'ns-1' })).toBe(1);
    expect(server.count({ verb: 'list', resource: 'ingressclasses' })).toBe(1);
    expect(await registry.getSingleMetricAsString('sesame_kube_objects')).toContain(
      'sesame_kube_objects{resource="services"} 2',
    );
  });
});
