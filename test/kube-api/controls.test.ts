// The fixture's test controls: restarts on the same port, injected failures and latency, held requests,
// request counters, kubeconfig files and discovery.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubernetesObject, V1Service } from '@kubernetes/client-node';
import { CoreV1Api, CustomObjectsApi, KubeConfig, Watch, makeInformer } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InformerRecorder, JsonObject, KubeApiServer } from './index.js';
import { createKubeApiServer, recordInformer, waitUntil } from './index.js';

let server: KubeApiServer;
let kc: KubeConfig;
let core: CoreV1Api;
const recorders: InformerRecorder<KubernetesObject>[] = [];

beforeEach(async () => {
  server = await createKubeApiServer({ bookmarkIntervalMs: 0, tooLargeResourceVersionWaitMs: 50 });
  kc = new KubeConfig();
  kc.loadFromString(server.kubeconfig());
  core = kc.makeApiClient(CoreV1Api);
});

afterEach(async () => {
  for (const recorder of recorders.splice(0)) await recorder.stop();
  await server.close();
});

function serviceInformer(): InformerRecorder<V1Service> {
  const informer = makeInformer<V1Service>(kc, '/api/v1/services', () => core.listServiceForAllNamespaces());
  const recorder = recordInformer(informer);
  recorders.push(recorder);
  return recorder;
}

const service = (name: string): JsonObject => ({ metadata: { name, namespace: 'default' } });

describe('restart', () => {
  it('comes back on the same port with its state, and a restarted informer resumes without relisting', async () => {
    const port = server.port;
    server.create('services', service('a'));
    const recorder = serviceInformer();
    await server.waitForWatch('services');
    await recorder.waitFor(() => recorder.events.length === 1);

    await server.stop();
    await recorder.waitFor(() => recorder.errors.length > 0);
    server.create('services', service('b'));
    await server.restart();
    expect(server.port).toBe(port);
    await recorder.waitFor(() => recorder.events.length === 2);

    expect(recorder.events.map((e) => `${e.type} ${e.object.metadata?.name ?? ''}`)).toEqual([
      'add a',
      'add b',
    ]);
    expect(server.count({ verb: 'list', resource: 'services' })).toBe(1);
  });

  it('comes back empty when told to lose state, and the informer relists and sees the deletions', async () => {
    server.create('services', service('a'));
    const recorder = serviceInformer();
    await server.waitForWatch('services');
    await recorder.waitFor(() => recorder.events.length === 1);

    await server.restart({ keepState: false });
    server.create('services', service('fresh'));
    await recorder.waitFor(() => recorder.cachedKeys().join() === 'default/fresh');
    expect(recorder.events.map((e) => `${e.type} ${e.object.metadata?.name ?? ''}`)).toEqual([
      'add a',
      'delete a',
      'add fresh',
    ]);
  });
});

describe('faults', () => {
  it('fails the next matching requests with the given status, then serves normally', async () => {
    server.failNext(2, { code: 500, message: 'etcd is sad' }, { verb: 'list', resource: 'services' });
    const recorder = serviceInformer();
    await server.waitForWatch('services');
    expect(recorder.errors.length).toBe(2);
    expect(server.requests.filter((r) => r.verb === 'list').map((r) => r.code)).toEqual([500, 500, 200]);
  });

  it('delays status writes to simulate a slow API server', async () => {
    const custom = kc.makeApiClient(CustomObjectsApi);
    server.create('httpproxies', { metadata: { name: 'p', namespace: 'default' }, spec: {} });
    const slow = server.delay({ verb: 'update', resource: 'httpproxies/status' }, 150);
    const target = {
      group: 'projectsesame.io',
      version: 'v1',
      namespace: 'default',
      plural: 'httpproxies',
      name: 'p',
    };
    const current = (await custom.getNamespacedCustomObject(target)) as JsonObject;
    const started = performance.now();
    await custom.replaceNamespacedCustomObjectStatus({
      ...target,
      body: { ...current, status: { currentStatus: 'valid' } },
    });
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    slow.clear();
    expect(server.count({ verb: 'update', resource: 'httpproxies/status', name: 'p' })).toBe(1);
    expect(server.count({ verb: ['get', 'update'] })).toBe(2);
  });

  it('holds requests until released, so a test can act while a write is in flight', async () => {
    server.create('secrets', { metadata: { name: 's', namespace: 'default' } });
    const gate = server.hold({ verb: 'delete', resource: 'secrets' });
    const deletion = core.deleteNamespacedSecret({ namespace: 'default', name: 's' });
    await gate.waitForHeld();
    expect(server.get('secrets', { namespace: 'default', name: 's' })).toBeDefined();
    gate.release();
    await deletion;
    expect(server.get('secrets', { namespace: 'default', name: 's' })).toBeUndefined();
    await server.waitForRequest({ verb: 'delete', resource: 'secrets' });
  });
});

describe('protocol details', () => {
  it('writes a kubeconfig that KubeConfig.loadFromFile accepts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kube-api-'));
    try {
      const path = await server.writeKubeconfig(dir);
      const fromFile = new KubeConfig();
      fromFile.loadFromFile(path);
      expect(fromFile.getCurrentCluster()?.server).toBe(server.url);
      server.create('services', service('a'));
      const list = await fromFile.makeApiClient(CoreV1Api).listNamespacedService({ namespace: 'default' });
      expect(list.items.map((s) => s.metadata?.name)).toEqual(['a']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('serves discovery documents', async () => {
    const headers = { authorization: 'Bearer sesame-test-token' };
    const groups = (await (await fetch(`${server.url}/apis`, { headers })).json()) as {
      groups: { name: string }[];
    };
    expect(groups.groups.map((g) => g.name).sort()).toEqual([
      'coordination.k8s.io',
      'discovery.k8s.io',
      'networking.k8s.io',
      'projectsesame.io',
    ]);
    const resources = (await (await fetch(`${server.url}/apis/projectsesame.io/v1`, { headers })).json()) as {
      resources: { name: string }[];
    };
    expect(resources.resources.map((r) => r.name)).toEqual([
      'httpproxies',
      'httpproxies/status',
      'tlscertificatedelegations',
      'tlscertificatedelegations/status',
    ]);
  });

  it('answers a watch from a resourceVersion it has not reached with a 504 ERROR event', async () => {
    const events: { type: string; object: JsonObject }[] = [];
    let ended = false;
    await new Watch(kc).watch(
      '/api/v1/services',
      { resourceVersion: String(server.revision + 100) },
      (type, object: JsonObject) => events.push({ type, object }),
      () => {
        ended = true;
      },
    );
    await waitUntil(() => ended);
    expect(events.map((e) => [e.type, e.object['code']])).toEqual([['ERROR', 504]]);
  });

  it('watches one named object through the legacy ?watch=true on its path', async () => {
    server.create('leases', {
      metadata: { name: 'leader', namespace: 'default' },
      spec: { holderIdentity: 'a' },
    });
    server.create('leases', { metadata: { name: 'other', namespace: 'default' }, spec: {} });
    const seen: string[] = [];
    const controller = await new Watch(kc).watch(
      '/apis/coordination.k8s.io/v1/namespaces/default/leases/leader',
      {},
      (type, object: KubernetesObject) => seen.push(`${type} ${object.metadata?.name ?? ''}`),
      () => undefined,
    );
    await server.waitForWatch('leases');
    server.patch('leases', { namespace: 'default', name: 'other' }, { spec: { holderIdentity: 'x' } });
    server.patch('leases', { namespace: 'default', name: 'leader' }, { spec: { holderIdentity: 'b' } });
    await waitUntil(() => seen.length === 2);
    expect(seen).toEqual(['ADDED leader', 'MODIFIED leader']);
    controller.abort();
    await waitUntil(() => server.openWatches() === 0);
  });

  it('refuses objects in a missing namespace when asked to enforce namespaces', async () => {
    const strict = await createKubeApiServer({ enforceNamespaces: true, bookmarkIntervalMs: 0 });
    try {
      const strictKc = new KubeConfig();
      strictKc.loadFromString(strict.kubeconfig());
      const api = strictKc.makeApiClient(CoreV1Api);
      await expect(
        api.createNamespacedSecret({ namespace: 'nope', body: { metadata: { name: 's' } } }),
      ).rejects.toMatchObject({ code: 404 });
      strict.create('namespaces', { metadata: { name: 'yes' } });
      await api.createNamespacedSecret({ namespace: 'yes', body: { metadata: { name: 's' } } });
      expect(strict.list('secrets', 'yes')).toHaveLength(1);
    } finally {
      await strict.close();
    }
  });

  it('streams the initial state then an initial-events-end bookmark for sendInitialEvents', async () => {
    server.create('services', service('a'));
    const events: { type: string; object: KubernetesObject }[] = [];
    const controller = await new Watch(kc).watch(
      '/api/v1/services',
      {
        sendInitialEvents: true,
        allowWatchBookmarks: true,
        resourceVersionMatch: 'NotOlderThan',
        resourceVersion: '',
      },
      (type, object: KubernetesObject) => events.push({ type, object }),
      () => undefined,
    );
    await waitUntil(() => events.length === 2);
    expect(events[0]?.type).toBe('ADDED');
    expect(events[1]).toMatchObject({
      type: 'BOOKMARK',
      object: { metadata: { annotations: { 'k8s.io/initial-events-end': 'true' } } },
    });
    controller.abort();
    await waitUntil(() => server.openWatches() === 0);
  });
});
