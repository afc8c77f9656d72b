// The real client-node informer (list + watch) against the fixture: adds, updates, deletes, recovery after
// dropped watches and after compaction (410 → relist) without losing an event, bookmarks and selectors.
import type { KubernetesObject, V1Secret, V1Service } from '@kubernetes/client-node';
import { CoreV1Api, KubeConfig, ListWatch, Watch, makeInformer } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InformerRecorder, KubeApiServer } from './index.js';
import { createKubeApiServer, recordInformer, waitUntil } from './index.js';

let server: KubeApiServer;
let kc: KubeConfig;
let core: CoreV1Api;
const recorders: InformerRecorder<KubernetesObject>[] = [];

beforeEach(async () => {
  server = await createKubeApiServer({ bookmarkIntervalMs: 0 });
  kc = new KubeConfig();
  kc.loadFromString(server.kubeconfig());
  core = kc.makeApiClient(CoreV1Api);
});

afterEach(async () => {
  for (const recorder of recorders.splice(0)) await recorder.stop();
  await server.close();
});

function serviceInformer(): InformerRecorder<V1Service> {
  const informer = makeInformer<V1Service>(kc, '/api/v1/namespaces/default/services', () =>
    core.listNamespacedService({ namespace: 'default' }),
  );
  const recorder = recordInformer(informer);
  recorders.push(recorder);
  return recorder;
}

const service = (name: string, labels: Record<string, string> = {}): V1Service => ({
  metadata: { name, namespace: 'default', labels },
  spec: { ports: [{ port: 80 }] },
});

function summary(recorder: InformerRecorder<KubernetesObject>): string[] {
  return recorder.events.map((e) => `${e.type} ${e.object.metadata?.name ?? ''}`);
}

describe('informer against the fixture', () => {
  it('lists, then watches adds, updates and deletes', async () => {
    server.create('services', service('a'));
    const recorder = serviceInformer();
    await recorder.waitFor(() => recorder.events.length === 1);
    await server.waitForWatch('services');

    await core.createNamespacedService({ namespace: 'default', body: service('b') });
    const b = server.get('services', { namespace: 'default', name: 'b' });
    await core.replaceNamespacedService({
      namespace: 'default',
      name: 'b',
      body: { ...b, spec: { ports: [{ port: 81 }] } },
    });
    await core.deleteNamespacedService({ namespace: 'default', name: 'a' });
    await recorder.waitFor(() => recorder.events.length === 4);

    expect(summary(recorder)).toEqual(['add a', 'add b', 'update b', 'delete a']);
    expect(recorder.cachedKeys()).toEqual(['default/b']);
    // The real server leaves kind out of list items but sets it on watch events; so does the fixture.
    expect(recorder.events[0]?.object.kind).toBeUndefined();
    expect(recorder.events[1]?.object.kind).toBe('Service');
    expect(recorder.errors).toEqual([]);
  });

  it('resumes from its last resourceVersion after a clean end of the watch, without relisting', async () => {
    const recorder = serviceInformer();
    await server.waitForWatch('services');
    server.create('services', service('a'));
    await recorder.waitFor(() => recorder.events.length === 1);

    expect(server.dropWatches({ mode: 'end' })).toBe(1);
    await server.waitForWatch('services');
    server.create('services', service('b'));
    await recorder.waitFor(() => recorder.events.length === 2);

    expect(summary(recorder)).toEqual(['add a', 'add b']);
    expect(server.count({ verb: 'list', resource: 'services' })).toBe(1);
    expect(server.count({ verb: 'watch', resource: 'services' })).toBe(2);
    expect(recorder.errors).toEqual([]);
  });

  it('loses no event when the connection is cut and changes happen before it reconnects', async () => {
    server.create('services', service('a'));
    server.create('services', service('b'));
    const recorder = serviceInformer();
    await server.waitForWatch('services');
    await recorder.waitFor(() => recorder.events.length === 2);

    const gate = server.hold({ verb: 'watch', resource: 'services' });
    server.dropWatches();
    await gate.waitForHeld();
    server.patch(
      'services',
      { namespace: 'default', name: 'a' },
      { metadata: { labels: { changed: 'yes' } } },
    );
    server.delete('services', { namespace: 'default', name: 'b' });
    server.create('services', service('c'));
    gate.release();
    await recorder.waitFor(() => recorder.events.length === 5);

    expect(summary(recorder)).toEqual(['add a', 'add b', 'update a', 'delete b', 'add c']);
    expect(recorder.errors.length).toBe(1);
    // Resumed from its resourceVersion: history still covered it, so no relist was needed.
    expect(server.count({ verb: 'list', resource: 'services' })).toBe(1);
  });

  it('relists after a 410 when history was compacted while it was away, and still loses nothing', async () => {
    server.create('services', service('a'));
    server.create('services', service('b'));
    const recorder = serviceInformer();
    await server.waitForWatch('services');
    await recorder.waitFor(() => recorder.events.length === 2);

    const gate = server.hold({ verb: 'watch', resource: 'services' });
    server.dropWatches();
    await gate.waitForHeld();
    server.patch('services', { namespace: 'default', name: 'a' }, { spec: { ports: [{ port: 8080 }] } });
    server.delete('services', { namespace: 'default', name: 'b' });
    server.create('services', service('c'));
    server.compact();
    gate.release();
    await recorder.waitFor(() => recorder.events.length === 5);

    expect(summary(recorder).slice(2).sort()).toEqual(['add c', 'delete b', 'update a']);
    expect(recorder.cachedKeys()).toEqual(['default/a', 'default/c']);
    expect(server.count({ verb: 'list', resource: 'services' })).toBe(2);
    await server.waitForWatch('services');
    server.create('services', service('d'));
    await recorder.waitFor(() => recorder.events.length === 6);
    expect(recorder.events[5]?.type).toBe('add');
  });

  it('delivers bookmarks to a watch that allows them, and a watch resumed from one replays nothing', async () => {
    const watch = new Watch(kc);
    const seen: { type: string; rv: string }[] = [];
    let ended = false;
    server.create('services', service('a'));
    const from = String(server.revision);
    server.create('services', service('b'));
    const controller = await watch.watch(
      '/api/v1/namespaces/default/services',
      { allowWatchBookmarks: true, resourceVersion: from },
      (type, obj: KubernetesObject) => seen.push({ type, rv: obj.metadata?.resourceVersion ?? '' }),
      () => {
        ended = true;
      },
    );
    await server.waitForWatch('services');
    server.create('services', service('c'));
    server.sendBookmarks();
    await waitFor(() => seen.some((e) => e.type === 'BOOKMARK'));
    expect(seen.map((e) => e.type)).toEqual(['ADDED', 'ADDED', 'BOOKMARK']);
    expect(seen[2]?.rv).toBe(String(server.revision));
    controller.abort();
    await waitFor(() => ended);
  });

  it('ends a watch at timeoutSeconds, cleanly', async () => {
    let done: unknown = 'pending';
    await new Watch(kc).watch(
      '/api/v1/services',
      { timeoutSeconds: 1 },
      () => undefined,
      (err) => {
        done = err;
      },
    );
    await server.waitForWatch('services');
    await waitFor(() => done !== 'pending', 5000);
    expect(done).toBeNull();
    expect(server.openWatches()).toBe(0);
  });

  it('sends an ERROR event with a 410 Status for a resourceVersion older than the history', async () => {
    server.create('services', service('a'));
    const old = String(server.revision);
    server.create('services', service('b'));
    server.compact();
    const events: { type: string; object: Record<string, unknown> }[] = [];
    let ended = false;
    await new Watch(kc).watch(
      '/api/v1/services',
      { resourceVersion: old },
      (type, object: Record<string, unknown>) => events.push({ type, object }),
      () => {
        ended = true;
      },
    );
    await waitFor(() => ended);
    expect(events).toEqual([
      {
        type: 'ERROR',
        object: expect.objectContaining({
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          code: 410,
          reason: 'Expired',
        }) as unknown,
      },
    ]);
  });

  it('filters by label selector, turning label changes into adds and deletes', async () => {
    server.create('services', service('a', { app: 'web' }));
    server.create('services', service('b', { app: 'db' }));
    const informer = makeInformer<V1Service>(
      kc,
      '/api/v1/namespaces/default/services',
      () => core.listNamespacedService({ namespace: 'default', labelSelector: 'app in (web)' }),
      'app in (web)',
    );
    const recorder = recordInformer(informer);
    recorders.push(recorder);
    await server.waitForWatch('services');
    server.patch('services', { namespace: 'default', name: 'b' }, { metadata: { labels: { app: 'web' } } });
    server.patch('services', { namespace: 'default', name: 'a' }, { metadata: { labels: { app: 'db' } } });
    server.patch('services', { namespace: 'default', name: 'a' }, { spec: { ports: [{ port: 1 }] } });
    await recorder.waitFor(() => recorder.events.length === 3);
    expect(summary(recorder)).toEqual(['add a', 'add b', 'delete a']);
  });

  it('filters secrets by type with a field selector, on list and on watch', async () => {
    server.create('secrets', {
      metadata: { name: 'tls', namespace: 'default' },
      type: 'kubernetes.io/tls',
      data: {},
    });
    server.create('secrets', {
      metadata: { name: 'helm', namespace: 'default' },
      type: 'helm.sh/release.v1',
    });
    server.create('secrets', { metadata: { name: 'plain', namespace: 'default' } });

    const notHelm = await core.listSecretForAllNamespaces({ fieldSelector: 'type!=helm.sh/release.v1' });
    expect(notHelm.items.map((s) => s.metadata?.name).sort()).toEqual(['plain', 'tls']);

    const selector = 'type=kubernetes.io/tls';
    const informer = new ListWatch<V1Secret>(
      '/api/v1/secrets',
      new Watch(kc),
      () => core.listSecretForAllNamespaces({ fieldSelector: selector }),
      false,
      undefined,
      selector,
    );
    const recorder = recordInformer(informer);
    recorders.push(recorder);
    await server.waitForWatch('secrets');
    server.create('secrets', { metadata: { name: 'tls2', namespace: 'other' }, type: 'kubernetes.io/tls' });
    server.create('secrets', { metadata: { name: 'opaque2', namespace: 'other' } });
    await recorder.waitFor(() => recorder.events.length === 2);
    expect(summary(recorder)).toEqual(['add tls', 'add tls2']);
  });
});

function waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  return waitUntil(predicate, { timeoutMs });
}
