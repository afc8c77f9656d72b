// certgen --kube against the Kubernetes API fixture, through the real @kubernetes/client-node.
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '@sesame/shared';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createKeyPool } from '../../../test/certgen/key-pool.js';
import { createKubeApiServer, type JsonObject, type KubeApiServer } from '../../../test/kube-api/index.js';
import { issueCertificateBundle } from './bundle.js';
import { ensureCertificateSecrets, type CertificateOutcome, type ReconcileOptions } from './ensure.js';
import type { KeySource } from './issue.js';
import { createSecretClient } from './kube-client.js';
import { pemCertificates } from './pem.js';
import { certificateSecrets } from './secrets.js';

const NS = 'sesame-system';
const NAMES = ['sesame-ca', 'sesame-edge-cert', 'sesame-envoy-cert'];
const NOW = new Date('2030-01-01T00:00:00Z');
const DAY_MS = 24 * 60 * 60 * 1000;

let server: KubeApiServer;
let dir: string;
let kubeconfig: string;
let keySource: KeySource;

beforeAll(async () => {
  [server, dir, keySource] = await Promise.all([
    createKubeApiServer(),
    mkdtemp(join(tmpdir(), 'sesame-kube-certgen-')),
    createKeyPool(),
  ]);
  kubeconfig = await server.writeKubeconfig(dir);
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  server.reset();
  server.resetRequests();
  server.clearFaults();
});

const run = (options: ReconcileOptions = {}): Promise<CertificateOutcome[]> =>
  ensureCertificateSecrets({
    secrets: createSecretClient({ namespace: NS, kubeconfig }),
    namespace: NS,
    keySource,
    ...options,
  });

const actions = (outcomes: readonly CertificateOutcome[]): string[] => outcomes.map((o) => o.action);

function secret(name: string): JsonObject {
  const found = server.get('secrets', { namespace: NS, name });
  if (found === undefined) throw new Error(`no Secret ${name}`);
  return found;
}

/** A Secret's data, decoded. */
function data(name: string): Record<string, string> {
  const encoded = (secret(name)['data'] ?? {}) as Record<string, string>;
  return Object.fromEntries(
    Object.entries(encoded).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]),
  );
}

const versions = (): string[] =>
  NAMES.map((name) => String((secret(name)['metadata'] as JsonObject)['resourceVersion']));

describe('certgen --kube', () => {
  it('creates the three TLS Secrets with ca.crt, using only get and create', async () => {
    const outcomes = await run({ now: NOW });
    expect(outcomes.map((o) => [o.object, o.action, o.location])).toEqual([
      ['ca', 'created', `secret ${NS}/sesame-ca`],
      ['edge', 'created', `secret ${NS}/sesame-edge-cert`],
      ['envoy', 'created', `secret ${NS}/sesame-envoy-cert`],
    ]);
    for (const name of NAMES) {
      expect(secret(name)).toMatchObject({
        type: 'kubernetes.io/tls',
        metadata: { labels: { 'app.kubernetes.io/managed-by': 'sesame-certgen' } },
      });
      expect(Object.keys(data(name)).sort()).toEqual(['ca.crt', 'tls.crt', 'tls.key']);
    }
    const ca = new X509Certificate(data('sesame-ca')['tls.crt']!);
    expect(ca.ca).toBe(true);
    expect(data('sesame-edge-cert')['ca.crt']).toBe(data('sesame-ca')['tls.crt']);
    const edge = new X509Certificate(data('sesame-edge-cert')['tls.crt']!);
    expect(edge.verify(ca.publicKey)).toBe(true);
    expect(edge.checkHost(`sesame-xds.${NS}.svc`)).toBe(`sesame-xds.${NS}.svc`);
    expect(server.requests.map((r) => [r.verb, r.resource, r.namespace, r.name, r.code])).toEqual([
      ...NAMES.map((name) => ['get', 'secrets', NS, name, 404]),
      // A create names no object in its URL (which is why RBAC cannot limit it by name).
      ...NAMES.map(() => ['create', 'secrets', NS, undefined, 201]),
    ]);
  });

  it('skips what exists and is valid: three gets, no write', async () => {
    await run({ now: NOW });
    const before = versions();
    server.resetRequests();
    expect(actions(await run({ now: new Date(NOW.getTime() + 100 * DAY_MS) }))).toEqual([
      'kept',
      'kept',
      'kept',
    ]);
    expect(server.requests.map((r) => r.verb)).toEqual(['get', 'get', 'get']);
    expect(versions()).toEqual(before);
  });

  it('renews leaves that expire soon with the same CA, updating only their Secrets', async () => {
    await run({ now: NOW });
    const caBefore = data('sesame-ca');
    server.resetRequests();
    const outcomes = await run({ now: new Date(NOW.getTime() + 340 * DAY_MS) });
    expect(actions(outcomes)).toEqual(['kept', 'renewed', 'renewed']);
    expect(outcomes[1]?.reason).toMatch(/within 30 days/);
    expect(data('sesame-ca')).toEqual(caBefore);
    expect(server.requests.filter((r) => r.verb !== 'get').map((r) => [r.verb, r.name, r.code])).toEqual([
      ['update', 'sesame-edge-cert', 200],
      ['update', 'sesame-envoy-cert', 200],
    ]);
  });

  it('overwrites everything on request, keeping labels and annotations it does not own', async () => {
    await run({ now: NOW });
    const edge = secret('sesame-edge-cert');
    server.update('secrets', {
      ...edge,
      metadata: {
        ...(edge['metadata'] as JsonObject),
        labels: { team: 'ingress' },
        annotations: { note: 'keep me' },
      },
    });
    const before = NAMES.map((name) => data(name)['tls.crt']);
    expect(actions(await run({ now: NOW, overwrite: true }))).toEqual([
      'overwritten',
      'overwritten',
      'overwritten',
    ]);
    NAMES.forEach((name, i) => expect(data(name)['tls.crt']).not.toBe(before[i]));
    expect(secret('sesame-edge-cert')['metadata']).toMatchObject({
      labels: { team: 'ingress', 'app.kubernetes.io/managed-by': 'sesame-certgen' },
      annotations: { note: 'keep me' },
    });
  });

  it('rotates the CA through the Secrets: previous CA kept in sesame-ca, then retired', async () => {
    await run();
    const oldCa = data('sesame-ca')['tls.crt']!;
    expect(actions(await run({ rotateCa: true }))).toEqual(['rotated', 'renewed', 'renewed']);
    const ca = data('sesame-ca');
    expect(ca['previous.crt']).toBe(oldCa);
    expect(ca['previous.key']).toBeDefined();
    expect(pemCertificates(ca['ca.crt']!)).toEqual(pemCertificates(ca['tls.crt']! + oldCa));
    for (const name of NAMES.slice(1)) {
      expect(data(name)['ca.crt']).toBe(ca['ca.crt']);
      expect(pemCertificates(data(name)['tls.crt']!)).toHaveLength(2);
    }
    expect(actions(await run({ caOverlapHours: 0 }))).toEqual(['updated', 'updated', 'updated']);
    expect(Object.keys(data('sesame-ca')).sort()).toEqual(['ca.crt', 'tls.crt', 'tls.key']);
    expect(data('sesame-envoy-cert')['ca.crt']).toBe(ca['tls.crt']);
  });

  it('starts over when another certgen creates a Secret first, and keeps its CA', async () => {
    const gate = server.hold({ verb: 'create', resource: 'secrets' });
    const running = run();
    await gate.waitForHeld();
    // Another Job got there first with its own CA.
    const theirs = issueCertificateBundle({ namespace: NS, keySource });
    if (!theirs.ok) throw new Error(theirs.errors.join('; '));
    for (const object of certificateSecrets(theirs.value, { namespace: NS }))
      server.create('secrets', object);
    gate.release();
    expect(actions(await running)).toEqual(['kept', 'kept', 'kept']);
    expect(data('sesame-ca')['tls.crt']).toBe(theirs.value.ca.certPem);
    expect(server.count({ verb: 'create' })).toBe(1);
    expect(server.count({ verb: 'get', name: 'sesame-ca' })).toBe(2);
  });

  it('starts over on an update conflict', async () => {
    await run({ now: NOW });
    server.failNext(1, { code: 409, reason: 'Conflict' }, { verb: 'update' });
    const outcomes = await run({ now: new Date(NOW.getTime() + 340 * DAY_MS) });
    expect(actions(outcomes)).toEqual(['kept', 'renewed', 'renewed']);
    expect(server.count({ verb: 'update', name: 'sesame-edge-cert' })).toBe(2);
  });

  it('refuses to take over a Secret of another type', async () => {
    server.create('secrets', { metadata: { name: 'sesame-edge-cert', namespace: NS }, type: 'Opaque' });
    await expect(run()).rejects.toMatchObject({
      code: ErrorCode.TlsMaterial,
      message: /sesame-edge-cert has type Opaque.*delete it/,
    });
    expect(server.count({ verb: 'create' })).toBe(0);
  });

  it('reports what the API server said when it refuses', async () => {
    server.failNext(1, { code: 403, message: 'secrets "sesame-ca" is forbidden' }, { verb: 'get' });
    await expect(run()).rejects.toMatchObject({
      code: ErrorCode.TlsMaterial,
      message: `cannot read Secret ${NS}/sesame-ca: 403 secrets "sesame-ca" is forbidden`,
    });
  });

  it('names a kubeconfig it cannot load', () => {
    const load = (): unknown => createSecretClient({ namespace: NS, kubeconfig: join(dir, 'missing') });
    expect(load).toThrow(/cannot load .*missing/);
    expect(load).toThrow(expect.objectContaining({ code: ErrorCode.ConfigInvalid }) as Error);
  });
});
