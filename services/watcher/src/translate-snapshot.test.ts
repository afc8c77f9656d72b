import { createSnapshot, TypeUrl, type Resource } from '@sesame/shared';
import fc from 'fast-check';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { danglingReferences } from '../../../test/watcher/consistency.js';
import {
  decoded,
  endpointSlice,
  httpProxy,
  ingress,
  ingressPath,
  kube,
  resourceNames,
  service,
  tlsSecret,
} from '../../../test/watcher/fixtures.js';
import { loadManifests } from './source/load-manifests.js';
import { translate } from './translate.js';

/** A mix of good and bad objects that touch every part of the translation. */
const POOL = [
  service('echo', [{ name: 'http', port: 80 }]),
  service('api', [{ port: 8080 }]),
  service('ext', [{ port: 80 }], { type: 'ExternalName' }),
  endpointSlice('echo', {
    name: 'echo-a',
    ports: [{ name: 'http', port: 8080 }],
    endpoints: [{ address: '10.0.0.2' }, { address: '10.0.0.1' }],
  }),
  endpointSlice('echo', {
    name: 'echo-b',
    ports: [{ name: 'http', port: 8080 }],
    endpoints: [{ address: '10.0.0.1' }, { address: '10.0.0.3', ready: false }],
  }),
  endpointSlice('api', { ports: [{ port: 9090 }], endpoints: [{ address: '10.0.1.1' }] }),
  tlsSecret('a-tls', 'a.example.com'),
  tlsSecret('b-tls', 'b.example.com'),
  ingress('web', {
    tls: [{ hosts: ['a.example.com'], secretName: 'a-tls' }],
    defaultBackend: { service: { name: 'echo', port: { number: 80 } } },
    rules: [
      {
        host: 'a.example.com',
        http: { paths: [ingressPath('/', 'Prefix', 'echo', 'http'), ingressPath('/x', 'Exact', 'ext', 80)] },
      },
      { host: 'shared.example.com', http: { paths: [ingressPath('/web', 'Prefix', 'api', 8080)] } },
    ],
  }),
  httpProxy('b', {
    virtualhost: { fqdn: 'b.example.com', tls: { secretName: 'b-tls' } },
    routes: [
      { conditions: [{ prefix: '/api' }], services: [{ name: 'api', port: 8080 }] },
      {
        services: [
          { name: 'echo', port: 80, weight: 3 },
          { name: 'api', port: 8080, weight: 1 },
        ],
      },
    ],
  }),
  httpProxy('shared', {
    virtualhost: { fqdn: 'shared.example.com', tls: { secretName: 'a-tls' } },
    routes: [{ services: [{ name: 'missing', port: 1 }] }],
  }),
  kube({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'app' } }),
  kube({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'broken' },
    spec: { ports: [{ port: 'http' }] },
  }),
];

const version = (resources: readonly Resource[]): string => {
  const snapshot = createSnapshot(resources);
  if (!snapshot.ok) throw new Error(snapshot.errors.join('; '));
  return snapshot.value.version;
};

describe('translate: snapshots', () => {
  it('always serves ingress_http, even for no objects', () => {
    const { resources, diagnostics } = translate([]);
    expect(diagnostics).toEqual([]);
    expect(resourceNames(resources)).toEqual({
      lds: ['ingress_http'],
      rds: ['ingress_http'],
      cds: [],
      eds: [],
      sds: [],
    });
  });

  it('gives byte-identical resources whatever the input order', () => {
    const expected = translate(POOL);
    const expectedVersion = version(expected.resources);
    fc.assert(
      fc.property(fc.shuffledSubarray(POOL, { minLength: POOL.length }), (shuffled) => {
        const got = translate(shuffled);
        expect(version(got.resources)).toBe(expectedVersion);
        expect(got.resources.map((r) => [r.typeUrl, r.name, Buffer.from(r.body).toString('base64')])).toEqual(
          expected.resources.map((r) => [r.typeUrl, r.name, Buffer.from(r.body).toString('base64')]),
        );
        expect(got.diagnostics).toEqual(expected.diagnostics);
      }),
      { numRuns: 40 },
    );
  });

  it('is consistent for any subset of objects: every referenced RDS, CDS, EDS and SDS name exists', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(POOL), (objects) => {
        const { resources } = translate(objects);
        expect(danglingReferences(resources)).toEqual([]);
        expect(createSnapshot(resources).ok).toBe(true);
      }),
      { numRuns: 80 },
    );
  });

  it('keeps the first of two objects with the same name, by file and line', () => {
    const at = (line: number) => ({ file: 'm/a.yaml', line });
    const older = service('echo', [{ port: 80 }]);
    const newer = service('echo', [{ port: 81 }]);
    const objects = [
      { ...newer, origin: at(9) },
      { ...older, origin: at(2) },
      ingress('web', {
        rules: [{ host: 'e.example.com', http: { paths: [ingressPath('/', 'Prefix', 'echo', 80)] } }],
      }),
    ];
    const { resources, diagnostics } = translate(objects);
    expect(resourceNames(resources).cds).toEqual(['default/echo/80/da39a3ee5e']);
    expect(diagnostics).toEqual([
      {
        file: 'm/a.yaml',
        line: 9,
        kind: 'Service',
        namespace: 'default',
        name: 'echo',
        reason: 'duplicate Service: the one at m/a.yaml:2 is used',
      },
    ]);
  });

  it('reports bad objects with their file and line, and serves the rest', () => {
    const at = (line: number) => ({ file: 'm/bad.yaml', line });
    const { resources, diagnostics } = translate([
      ...POOL.slice(0, 2),
      kube({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } }, at(1)),
      kube({ apiVersion: 'v1', kind: 'Service', metadata: {}, spec: {} }, at(5)),
      kube({ kind: 'Service', metadata: { name: 'x' } }, at(9)),
      kube(
        {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'Ingress',
          metadata: { name: 'i' },
          spec: { rules: 'no' },
        },
        at(12),
      ),
      kube({ apiVersion: 'networking.k8s.io/v1beta1', kind: 'Ingress', metadata: { name: 'old' } }, at(20)),
      ingress('web', {
        rules: [{ host: 'ok.example.com', http: { paths: [ingressPath('/', 'Prefix', 'echo', 80)] } }],
      }),
    ]);
    expect(diagnostics).toEqual([
      {
        file: 'm/bad.yaml',
        line: 1,
        kind: 'ConfigMap',
        namespace: 'default',
        name: 'cm',
        reason: 'kind ConfigMap (v1) is not read by Sesame; ignored',
      },
      {
        file: 'm/bad.yaml',
        line: 5,
        kind: 'Service',
        namespace: 'default',
        name: '',
        reason: 'invalid Service: metadata.name: is required',
      },
      {
        file: 'm/bad.yaml',
        line: 9,
        kind: 'Service',
        namespace: 'default',
        name: 'x',
        reason: 'not a Kubernetes object: apiVersion and kind are required',
      },
      {
        file: 'm/bad.yaml',
        line: 12,
        kind: 'Ingress',
        namespace: 'default',
        name: 'i',
        reason: 'invalid Ingress: spec.rules: expected a list, got "no"',
      },
      {
        file: 'm/bad.yaml',
        line: 20,
        kind: 'Ingress',
        namespace: 'default',
        name: 'old',
        reason: 'unsupported apiVersion networking.k8s.io/v1beta1 for Ingress, expected networking.k8s.io/v1',
      },
    ]);
    expect(resourceNames(resources).cds).toEqual(['default/echo/80/da39a3ee5e']);
  });

  it('translates examples/manifests without a single diagnostic', async () => {
    const dir = fileURLToPath(new URL('../../../examples/manifests', import.meta.url));
    const loaded = await loadManifests(dir);
    const { resources, diagnostics } = translate(loaded.objects, { ingressClass: 'sesame' });
    expect([...loaded.diagnostics, ...diagnostics]).toEqual([]);
    expect(resourceNames(resources)).toEqual({
      lds: ['api.example.com', 'ingress_http', 'ingress_https'],
      rds: ['grpc/api.example.com', 'https/api.example.com', 'ingress_http'],
      cds: ['default/api/8080/da39a3ee5e', 'default/echo/80/da39a3ee5e'],
      eds: ['default/api/8080', 'default/echo/http'],
      sds: [expect.stringMatching(/^default\/api-tls\/[0-9a-f]{10}$/) as string],
    });
    expect(danglingReferences(resources)).toEqual([]);
    expect(decoded(resources, TypeUrl.ClusterLoadAssignment, 'default/echo/http')).toMatchObject({
      endpoints: [{ lb_endpoints: [{}, {}] }],
    });
    // Without a configured class the example is served the same way.
    expect(version(translate(loaded.objects).resources)).toBe(version(resources));
  });
});
