import { describe, expect, it } from 'vitest';
import { endpointSlice, kube, service } from '../../../../test/watcher/fixtures.js';
import { indexObjects } from './kube-cache.js';

const reasons = (objects: Parameters<typeof indexObjects>[0]): string[] =>
  indexObjects(objects).diagnostics.map((d) => `${d.kind} ${d.name}: ${d.reason}`);

describe('indexObjects', () => {
  it('indexes Services, EndpointSlices by their Service, and Secrets with data decoded', () => {
    const { cache, diagnostics } = indexObjects([
      service('echo', [{ name: 'http', port: 80 }], { namespace: 'web' }),
      endpointSlice('echo', { name: 'b', namespace: 'web', ports: [{ port: 1 }], endpoints: [] }),
      endpointSlice('echo', { name: 'a', namespace: 'web', ports: [{ port: 1 }], endpoints: [] }),
      kube({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 's' },
        data: { one: Buffer.from('1').toString('base64'), two: Buffer.from('x').toString('base64') },
        stringData: { two: '2' },
      }),
      kube({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'sesame' } }),
    ]);
    expect(diagnostics).toEqual([]);
    expect([...cache.services.keys()]).toEqual(['web/echo']);
    expect(cache.endpointSlices.get('web/echo')?.map((s) => s.meta.name)).toEqual(['a', 'b']);
    const secret = cache.secrets.get('default/s');
    expect(secret?.type).toBe('Opaque');
    expect([...(secret?.data ?? [])].map(([k, v]) => `${k}=${v.toString()}`)).toEqual(['one=1', 'two=2']);
  });

  it('decodes Secret data in any base64 spelling the API server accepts, and only those', () => {
    const secret = (data: Record<string, string>) =>
      kube({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data });
    const text = 'a certificate, more or less: ~~~???';
    const canonical = Buffer.from(text).toString('base64');
    const { cache, diagnostics } = indexObjects([
      secret({
        canonical,
        wrapped: canonical.replace(/(.{8})/g, '$1\n'),
        unpadded: canonical.replace(/=+$/, ''),
        empty: '',
      }),
    ]);
    expect(diagnostics).toEqual([]);
    const data = cache.secrets.get('default/s')?.data ?? new Map<string, Buffer>();
    expect([...data].map(([k, v]) => [k, v.toString()])).toEqual([
      ['canonical', text],
      ['wrapped', text],
      ['unpadded', text],
      ['empty', ''],
    ]);
    for (const bad of [canonical.replace(/\+|\//g, '-'), `${canonical}$`, 'abcde']) {
      expect(reasons([secret({ bad })])).toEqual(['Secret s: invalid Secret: data.bad: is not valid base64']);
    }
  });

  it('reports every problem of an object at once, by field path', () => {
    expect(
      reasons([
        kube({
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'svc', labels: { a: 1 } },
          spec: { ports: [{ port: 0 }, { name: 'x' }, 'y'] },
        }),
      ]),
    ).toEqual([
      'Service svc: invalid Service: metadata.labels.a: expected a string, got 1; spec.ports[0].port: must be between 1 and 65535, got 0; spec.ports[1].port: is required; spec.ports[2]: expected a mapping, got "y"',
    ]);
  });

  it.each([
    [
      'an EndpointSlice without its service-name label',
      kube({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: 'e' },
        addressType: 'IPv4',
      }),
      'EndpointSlice e: invalid EndpointSlice: metadata.labels.kubernetes.io/service-name: is required to tie the slice to a Service',
    ],
    [
      'an EndpointSlice with a malformed address',
      endpointSlice('echo', { name: 'e', ports: [], endpoints: [{ address: '10.0.0.300' }] }),
      'EndpointSlice e: invalid EndpointSlice: endpoints[0].addresses: "10.0.0.300" is not an IPv4 address',
    ],
    [
      'a Secret with bad base64',
      kube({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { 'tls.crt': 'not base64!' } }),
      'Secret s: invalid Secret: data.tls.crt: is not valid base64',
    ],
    [
      'an Ingress backend with both a port name and number',
      kube({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'i' },
        spec: { defaultBackend: { service: { name: 'a', port: { number: 80, name: 'http' } } } },
      }),
      'Ingress i: invalid Ingress: spec.defaultBackend.service.port: needs exactly one of number or name',
    ],
    [
      'an HTTPProxy service port that is not a number',
      kube({
        apiVersion: 'projectsesame.io/v1',
        kind: 'HTTPProxy',
        metadata: { name: 'p' },
        spec: { routes: [{ services: [{ name: 'a', port: 'http' }] }] },
      }),
      'HTTPProxy p: invalid HTTPProxy: spec.routes[0].services[0].port: expected an integer, got "http"',
    ],
  ])('refuses %s', (_name, object, reason) => {
    expect(reasons([object])).toEqual([reason]);
  });
});
