// Writes through the real client-node APIs: optimistic concurrency on status and Leases, the split between the
// main resource and its status subresource, patches, deletes, and errors as real `Status` bodies.
import type { V1Ingress } from '@kubernetes/client-node';
import {
  ApiException,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  NetworkingV1Api,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JsonObject, KubeApiServer } from './index.js';
import { createKubeApiServer } from './index.js';

let server: KubeApiServer;
let kc: KubeConfig;

beforeEach(async () => {
  server = await createKubeApiServer({ bookmarkIntervalMs: 0 });
  kc = new KubeConfig();
  kc.loadFromString(server.kubeconfig());
});

afterEach(async () => {
  await server.close();
});

/** The HTTP code and `Status` body of a failed client call. */
async function failureOf(call: Promise<unknown>): Promise<{ code: number; body: JsonObject }> {
  try {
    await call;
  } catch (err) {
    if (!(err instanceof ApiException)) throw err;
    const body = (typeof err.body === 'string' ? JSON.parse(err.body) : err.body) as JsonObject;
    return { code: err.code, body };
  }
  throw new Error('expected the call to fail');
}

const GROUP = 'projectsesame.io';
const proxy = (name: string): JsonObject => ({
  apiVersion: 'projectsesame.io/v1',
  kind: 'HTTPProxy',
  metadata: { name, namespace: 'default' },
  spec: { virtualhost: { fqdn: `${name}.example.com` } },
  status: { currentStatus: 'ignored on create' },
});

describe('status subresource', () => {
  it('conflicts on a stale resourceVersion and succeeds on a fresh one (Ingress)', async () => {
    const net = kc.makeApiClient(NetworkingV1Api);
    const created = await net.createNamespacedIngress({
      namespace: 'default',
      body: { metadata: { name: 'web' }, spec: {} },
    });
    expect(created.status).toEqual({ loadBalancer: {} });
    await net.replaceNamespacedIngress({
      namespace: 'default',
      name: 'web',
      body: { ...created, spec: { ingressClassName: 'sesame' } },
    });

    const stale: V1Ingress = { ...created, status: { loadBalancer: { ingress: [{ ip: '10.0.0.1' }] } } };
    const failed = await failureOf(
      net.replaceNamespacedIngressStatus({ namespace: 'default', name: 'web', body: stale }),
    );
    expect(failed.code).toBe(409);
    expect(failed.body).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'Conflict',
      code: 409,
      message: expect.stringContaining(
        'ingresses.networking.k8s.io "web": the object has been modified',
      ) as unknown,
      details: { name: 'web', group: 'networking.k8s.io', kind: 'ingresses' },
    });

    const fresh = await net.readNamespacedIngress({ namespace: 'default', name: 'web' });
    const written = await net.replaceNamespacedIngressStatus({
      namespace: 'default',
      name: 'web',
      body: { ...fresh, status: { loadBalancer: { ingress: [{ ip: '10.0.0.1' }] } } },
    });
    expect(written.status?.loadBalancer?.ingress).toEqual([{ ip: '10.0.0.1' }]);
    expect(Number(written.metadata?.resourceVersion)).toBeGreaterThan(
      Number(fresh.metadata?.resourceVersion),
    );
  });

  it('ignores status on a main update and everything but status on a status update (HTTPProxy)', async () => {
    const custom = kc.makeApiClient(CustomObjectsApi);
    const target = { group: GROUP, version: 'v1', namespace: 'default', plural: 'httpproxies' };
    const created = (await custom.createNamespacedCustomObject({
      ...target,
      body: proxy('p'),
    })) as JsonObject;
    expect(created['status']).toBeUndefined();
    expect(created['metadata']).toMatchObject({ generation: 1 });

    const withStatus = {
      ...created,
      status: { currentStatus: 'valid' },
      spec: { virtualhost: { fqdn: 'changed.example.com' } },
    };
    const main = (await custom.replaceNamespacedCustomObject({
      ...target,
      name: 'p',
      body: withStatus,
    })) as JsonObject;
    expect(main['status']).toBeUndefined();
    expect(main['metadata']).toMatchObject({ generation: 2 });

    const statusWrite = {
      ...main,
      status: { currentStatus: 'valid' },
      spec: { virtualhost: { fqdn: 'ignored.example.com' } },
      metadata: { ...(main['metadata'] as JsonObject), labels: { ignored: 'yes' } },
    };
    const status = (await custom.replaceNamespacedCustomObjectStatus({
      ...target,
      name: 'p',
      body: statusWrite,
    })) as JsonObject;
    expect(status['status']).toEqual({ currentStatus: 'valid' });
    expect(status['spec']).toEqual({ virtualhost: { fqdn: 'changed.example.com' } });
    expect(status['metadata']).toMatchObject({ generation: 2 });
    expect((status['metadata'] as JsonObject)['labels']).toBeUndefined();
  });

  it('does not count an unchanged status write as a change: same resourceVersion, no watch event', async () => {
    const custom = kc.makeApiClient(CustomObjectsApi);
    const target = { group: GROUP, version: 'v1', namespace: 'default', plural: 'httpproxies', name: 'p' };
    server.create('httpproxies', { ...proxy('p'), status: { currentStatus: 'valid' } });
    const current = (await custom.getNamespacedCustomObject(target)) as JsonObject;
    const before = server.revision;
    const same = (await custom.replaceNamespacedCustomObjectStatus({
      ...target,
      body: current,
    })) as JsonObject;
    expect((same['metadata'] as JsonObject)['resourceVersion']).toBe(String(before));
    expect(server.revision).toBe(before);
    expect(server.count({ verb: 'update', resource: 'httpproxies/status' })).toBe(1);
  });

  it('patches status with a merge patch and with a JSON patch (client-node’s default)', async () => {
    const custom = kc.makeApiClient(CustomObjectsApi);
    const target = { group: GROUP, version: 'v1', namespace: 'default', plural: 'httpproxies', name: 'p' };
    server.create('httpproxies', proxy('p'));
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    const merged = (await custom.patchNamespacedCustomObjectStatus(
      { ...target, body: { status: { currentStatus: 'valid', description: 'ok' }, spec: { ignored: true } } },
      merge,
    )) as JsonObject;
    expect(merged['status']).toEqual({ currentStatus: 'valid', description: 'ok' });
    expect(merged['spec']).toEqual({ virtualhost: { fqdn: 'p.example.com' } });

    const jsonPatched = (await custom.patchNamespacedCustomObjectStatus({
      ...target,
      body: [{ op: 'replace', path: '/status/currentStatus', value: 'invalid' }],
    })) as JsonObject;
    expect(jsonPatched['status']).toEqual({ currentStatus: 'invalid', description: 'ok' });

    const strategic = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
    const refused = await failureOf(
      custom.patchNamespacedCustomObject({ ...target, body: { spec: {} } }, strategic),
    );
    expect(refused.code).toBe(415);
  });
});

describe('leases', () => {
  it('create conflicts with AlreadyExists, and updates need the current resourceVersion', async () => {
    const leases = kc.makeApiClient(CoordinationV1Api);
    const body = {
      metadata: { name: 'sesame-leader', namespace: 'sesame' },
      spec: { holderIdentity: 'a', leaseDurationSeconds: 15 },
    };
    const created = await leases.createNamespacedLease({ namespace: 'sesame', body });
    expect((await failureOf(leases.createNamespacedLease({ namespace: 'sesame', body }))).body).toMatchObject(
      { reason: 'AlreadyExists', code: 409 },
    );

    const renewed = await leases.replaceNamespacedLease({
      namespace: 'sesame',
      name: 'sesame-leader',
      body: { ...created, spec: { ...created.spec, renewTime: new Date() } },
    });
    // A second candidate that read the lease before the renewal loses the race.
    const stolen = { ...created, spec: { ...created.spec, holderIdentity: 'b' } };
    const lost = await failureOf(
      leases.replaceNamespacedLease({ namespace: 'sesame', name: 'sesame-leader', body: stolen }),
    );
    expect(lost.body).toMatchObject({ reason: 'Conflict', code: 409 });
    const read = await leases.readNamespacedLease({ namespace: 'sesame', name: 'sesame-leader' });
    expect(read.spec?.holderIdentity).toBe('a');
    expect(read.metadata?.resourceVersion).toBe(renewed.metadata?.resourceVersion);
    // MicroTime comes back with six fractional digits, whatever precision the client sent.
    expect(String(read.spec?.renewTime)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });
});

describe('create, read, delete', () => {
  it('answers NotFound, AlreadyExists and deletes with a Status or the object, as the kind declares', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const custom = kc.makeApiClient(CustomObjectsApi);
    const missing = await failureOf(core.readNamespacedSecret({ namespace: 'default', name: 'nope' }));
    expect(missing).toEqual({
      code: 404,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'secrets "nope" not found',
        reason: 'NotFound',
        details: { name: 'nope', kind: 'secrets' },
        code: 404,
      },
    });
    await core.createNamespacedSecret({
      namespace: 'default',
      body: { metadata: { name: 's' }, stringData: { 'tls.crt': 'x' } },
    });
    const read = await core.readNamespacedSecret({ namespace: 'default', name: 's' });
    expect(read.data).toEqual({ 'tls.crt': Buffer.from('x').toString('base64') });
    expect(read.type).toBe('Opaque');
    const status = await core.deleteNamespacedSecret({ namespace: 'default', name: 's' });
    expect(status).toMatchObject({
      kind: 'Status',
      status: 'Success',
      details: { name: 's', kind: 'secrets' },
    });

    server.create('httpproxies', proxy('p'));
    const deleted = (await custom.deleteNamespacedCustomObject({
      group: GROUP,
      version: 'v1',
      namespace: 'default',
      plural: 'httpproxies',
      name: 'p',
    })) as JsonObject;
    expect(deleted).toMatchObject({ kind: 'HTTPProxy', metadata: { name: 'p' } });
    expect(server.get('httpproxies', { namespace: 'default', name: 'p' })).toBeUndefined();
  });

  it('lists cluster-scoped IngressClasses and namespaces, and pages through a list with limit and continue', async () => {
    const net = kc.makeApiClient(NetworkingV1Api);
    const core = kc.makeApiClient(CoreV1Api);
    server.create('ingressclasses', {
      metadata: { name: 'sesame' },
      spec: { controller: 'projectsesame.io/ingress-controller' },
    });
    server.create('namespaces', { metadata: { name: 'default' } });
    expect((await net.listIngressClass()).items.map((c) => c.metadata?.name)).toEqual(['sesame']);
    expect((await core.listNamespace()).items.map((n) => n.status?.phase)).toEqual(['Active']);

    for (let i = 0; i < 5; i += 1)
      server.create('services', { metadata: { name: `s${i}`, namespace: 'default' } });
    const first = await core.listNamespacedService({ namespace: 'default', limit: 2 });
    expect(first.items.map((s) => s.metadata?.name)).toEqual(['s0', 's1']);
    expect(first.metadata?.remainingItemCount).toBe(3);
    server.delete('services', { namespace: 'default', name: 's2' });
    // A continued list is a consistent snapshot at the first page's resourceVersion: s2 is still there.
    const second = await core.listNamespacedService({
      namespace: 'default',
      limit: 10,
      _continue: first.metadata?._continue,
    });
    expect(second.items.map((s) => s.metadata?.name)).toEqual(['s2', 's3', 's4']);
    expect(second.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);
    server.compact();
    const gone = await failureOf(
      core.listNamespacedService({ namespace: 'default', limit: 2, _continue: first.metadata?._continue }),
    );
    expect(gone.body).toMatchObject({ code: 410, reason: 'Expired' });
  });

  it('lists the state at an exact resourceVersion while history reaches it, then answers 410', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    server.create('secrets', { metadata: { name: 'a', namespace: 'default' } });
    const then = String(server.revision);
    server.create('secrets', { metadata: { name: 'b', namespace: 'default' } });
    const exact = await core.listNamespacedSecret({
      namespace: 'default',
      resourceVersion: then,
      resourceVersionMatch: 'Exact',
    });
    expect(exact.items.map((s) => s.metadata?.name)).toEqual(['a']);
    expect(exact.metadata?.resourceVersion).toBe(then);
    const notOlder = await core.listNamespacedSecret({ namespace: 'default', resourceVersion: then });
    expect(notOlder.items.map((s) => s.metadata?.name)).toEqual(['a', 'b']);
    server.compact();
    const gone = await failureOf(
      core.listNamespacedSecret({
        namespace: 'default',
        resourceVersion: then,
        resourceVersionMatch: 'Exact',
      }),
    );
    expect(gone).toMatchObject({ code: 410, body: { reason: 'Expired', code: 410 } });
  });

  it('rejects an unauthenticated request with 401', async () => {
    const response = await fetch(`${server.url}/api/v1/services`);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
  });
});
