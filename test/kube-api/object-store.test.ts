import { describe, expect, it } from 'vitest';
import type { ChangeEvent, ObjectStore } from './object-store.js';
import { createObjectStore } from './object-store.js';
import type { ResourceDef } from './resources.js';
import { BUILTIN_RESOURCES, createResourceRegistry } from './resources.js';
import { KubeApiError } from './status.js';
import { listItemJson } from './stored-object.js';

const registry = createResourceRegistry(BUILTIN_RESOURCES);
const def = (plural: string): ResourceDef => registry.byPlural(plural) as ResourceDef;
const ingresses = def('ingresses');
const proxies = def('httpproxies');
const secrets = def('secrets');

function newStore(historyLimit = 1000): ObjectStore {
  return createObjectStore({ registry, historyLimit, now: () => new Date('2024-05-01T10:00:00.123Z') });
}

function statusOf(fn: () => unknown): { code: number; reason?: string } {
  try {
    fn();
  } catch (err) {
    if (err instanceof KubeApiError) return { code: err.status.code, reason: err.status.reason };
    throw err;
  }
  throw new Error('expected a KubeApiError');
}

const ingress = {
  metadata: { name: 'web' },
  spec: { rules: [{ host: 'a.example' }] },
  status: { loadBalancer: { ingress: [{ ip: '1.1.1.1' }] } },
};

describe('createObjectStore', () => {
  it('sets system metadata on create and clears status for kinds with a status subresource', () => {
    const store = newStore();
    const created = store.create(ingresses, 'ns', structuredClone(ingress), 'main');
    expect(created.resourceVersion).toBe(2);
    expect(created.body).toMatchObject({
      kind: 'Ingress',
      apiVersion: 'networking.k8s.io/v1',
      metadata: {
        name: 'web',
        namespace: 'ns',
        generation: 1,
        resourceVersion: '2',
        creationTimestamp: '2024-05-01T10:00:00Z',
      },
      status: { loadBalancer: {} },
    });
    expect(created.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(statusOf(() => store.create(ingresses, 'ns', structuredClone(ingress), 'main'))).toEqual({
      code: 409,
      reason: 'AlreadyExists',
    });
  });

  it('refuses a resourceVersion on create, and a namespace that contradicts the path', () => {
    const store = newStore();
    expect(
      statusOf(() => store.create(ingresses, 'ns', { metadata: { name: 'x', resourceVersion: '5' } }, 'main'))
        .code,
    ).toBe(500);
    expect(
      statusOf(() => store.create(ingresses, 'ns', { metadata: { name: 'x', namespace: 'other' } }, 'main'))
        .code,
    ).toBe(400);
    expect(statusOf(() => store.create(ingresses, 'ns', { metadata: {} }, 'main')).code).toBe(422);
  });

  it('bumps generation on spec changes only, keeps status on main updates and spec on status updates', () => {
    const store = newStore();
    const created = store.create(ingresses, 'ns', structuredClone(ingress), 'main');
    const relabelled = store.update(
      ingresses,
      'ns',
      'web',
      {
        ...created.body,
        metadata: { ...(created.body['metadata'] as object), labels: { a: 'b' } },
        status: { loadBalancer: { ingress: [{ ip: '9.9.9.9' }] } },
      },
      { mode: 'main', allowUnconditional: false },
    );
    expect(relabelled.body['metadata']).toMatchObject({ generation: 1, labels: { a: 'b' } });
    expect(relabelled.body['status']).toEqual({ loadBalancer: {} });
    const respecced = store.update(
      ingresses,
      'ns',
      'web',
      { ...relabelled.body, spec: { rules: [] } },
      { mode: 'main', allowUnconditional: false },
    );
    expect(respecced.body['metadata']).toMatchObject({ generation: 2 });
    const statused = store.update(
      ingresses,
      'ns',
      'web',
      {
        ...respecced.body,
        spec: { ignored: true },
        status: { loadBalancer: { ingress: [{ ip: '2.2.2.2' }] } },
      },
      { mode: 'status', allowUnconditional: false },
    );
    expect(statused.body['spec']).toEqual({ rules: [] });
    expect(statused.body['status']).toEqual({ loadBalancer: { ingress: [{ ip: '2.2.2.2' }] } });
    expect(statused.body['metadata']).toMatchObject({ generation: 2 });
  });

  it('rejects a stale resourceVersion with 409 Conflict and treats an identical write as no write', () => {
    const store = newStore();
    const created = store.create(
      proxies,
      'ns',
      { metadata: { name: 'p' }, spec: { virtualhost: { fqdn: 'a' } } },
      'main',
    );
    const updated = store.update(
      proxies,
      'ns',
      'p',
      { ...created.body, spec: { virtualhost: { fqdn: 'b' } } },
      { mode: 'main', allowUnconditional: false },
    );
    expect(
      statusOf(() =>
        store.update(proxies, 'ns', 'p', created.body, { mode: 'status', allowUnconditional: false }),
      ),
    ).toEqual({ code: 409, reason: 'Conflict' });
    const again = store.update(proxies, 'ns', 'p', updated.body, { mode: 'main', allowUnconditional: false });
    expect(again).toBe(updated);
    expect(store.revision()).toBe(updated.resourceVersion);
    // Custom resources refuse unconditional PUTs; built-in kinds accept them.
    const { metadata: _m, ...noVersion } = updated.body;
    expect(
      statusOf(() =>
        store.update(
          proxies,
          'ns',
          'p',
          { ...noVersion, metadata: { name: 'p' } },
          { mode: 'main', allowUnconditional: false },
        ),
      ).code,
    ).toBe(422);
  });

  it('records history that watches replay, stamps deletions with their own version, and compacts', () => {
    const store = newStore();
    const seen: ChangeEvent[] = [];
    store.subscribe((event) => seen.push(event));
    const a = store.create(secrets, 'ns', { metadata: { name: 'a' }, stringData: { k: 'v' } }, 'main');
    expect(a.body).toMatchObject({ type: 'Opaque', data: { k: Buffer.from('v').toString('base64') } });
    expect(a.body['stringData']).toBeUndefined();
    const gone = store.delete(secrets, 'ns', 'a');
    expect(gone.resourceVersion).toBe(a.resourceVersion + 1);
    expect(seen.map((e) => [e.type, e.resourceVersion])).toEqual([
      ['ADDED', 2],
      ['DELETED', 3],
    ]);
    expect(store.changesSince(1)?.length).toBe(2);
    expect(store.listAt(secrets, 2).map((o) => o.name)).toEqual(['a']);
    store.compact();
    expect(store.changesSince(2)).toBeUndefined();
    expect(store.changesSince(3)).toEqual([]);
    expect(statusOf(() => store.listAt(secrets, 2))).toEqual({ code: 410, reason: 'Expired' });
  });

  it('compacts on its own past the history limit', () => {
    const store = newStore(10);
    for (let i = 0; i < 20; i += 1) store.create(secrets, 'ns', { metadata: { name: `s${i}` } }, 'main');
    expect(store.changesSince(1)).toBeUndefined();
    expect(store.changesSince(store.revision() - 5)?.length).toBe(5);
  });

  it('checks delete preconditions', () => {
    const store = newStore();
    const a = store.create(secrets, 'ns', { metadata: { name: 'a' } }, 'main');
    expect(statusOf(() => store.delete(secrets, 'ns', 'a', { uid: 'other' }))).toEqual({
      code: 409,
      reason: 'Conflict',
    });
    expect(statusOf(() => store.delete(secrets, 'ns', 'a', { resourceVersion: '1' }))).toEqual({
      code: 409,
      reason: 'Conflict',
    });
    expect(store.delete(secrets, 'ns', 'a', { uid: a.uid }).name).toBe('a');
    expect(statusOf(() => store.delete(secrets, 'ns', 'a'))).toEqual({ code: 404, reason: 'NotFound' });
  });

  it('lists built-in kinds without kind/apiVersion on items, custom resources with them', () => {
    const store = newStore();
    const s = store.create(secrets, 'ns', { metadata: { name: 'a' } }, 'main');
    const p = store.create(proxies, 'ns', { metadata: { name: 'p' } }, 'main');
    expect(JSON.parse(listItemJson(s))).not.toHaveProperty('kind');
    expect(JSON.parse(listItemJson(p))).toMatchObject({
      kind: 'HTTPProxy',
      apiVersion: 'projectsesame.io/v1',
    });
  });
});
