import { TypeUrl, type Resource } from '@sesame/shared';
import { describe, expect, it } from 'vitest';
import {
  endpointSlice,
  httpProxy,
  ingress,
  ingressPath,
  service,
  tlsSecret,
} from '../../../test/watcher/fixtures.js';
import { selfSignedPair } from '../../../test/watcher/tls-pair.js';
import { createTranslator } from './translate-incremental.js';
import { translate } from './translate.js';

const names = (resources: readonly Pick<Resource, 'typeUrl' | 'name'>[]) =>
  resources.map((r) => `${r.typeUrl.split('.').pop() ?? ''} ${r.name}`).sort();

const slice = (address: string) =>
  endpointSlice('echo', { ports: [{ name: 'http', port: 8080 }], endpoints: [{ address }] });
const proxy = (name: string, prefix = '/') =>
  httpProxy(name, {
    virtualhost: { fqdn: `${name}.example.com` },
    routes: [{ conditions: [{ prefix }], services: [{ name: 'echo', port: 80 }] }],
  });
const start = [service('echo', [{ name: 'http', port: 80 }]), slice('10.0.0.1'), proxy('a'), proxy('b')];

describe('createTranslator', () => {
  it('re-translates an endpoint change into exactly one ClusterLoadAssignment', () => {
    const translator = createTranslator();
    translator.apply({ upserts: start });
    const update = translator.apply({ upserts: [slice('10.0.0.2')] });
    expect(names(update.upserts)).toEqual(['ClusterLoadAssignment default/echo/http']);
    expect(update.removals).toEqual([]);
    expect(update.statusChanges).toEqual([]);
  });

  it('re-translates an HTTPProxy change into its own host and the shared plaintext route configuration', () => {
    const translator = createTranslator();
    translator.apply({ upserts: start });
    const update = translator.apply({ upserts: [proxy('a', '/v2')] });
    expect(names(update.upserts)).toEqual([
      'RouteConfiguration grpc/a.example.com',
      'RouteConfiguration ingress_http',
    ]);
    expect(update.statusChanges).toEqual(['HTTPProxy default/a']);
  });

  it('publishes nothing for a resync of unchanged objects', () => {
    const translator = createTranslator();
    translator.replaceAll(start);
    const resync = translator.replaceAll(start.map((o) => ({ manifest: structuredClone(o.manifest) })));
    expect(resync).toEqual({ upserts: [], removals: [], statusChanges: [] });
  });

  it('removes what a deleted object alone produced, keeping what others still use', () => {
    const translator = createTranslator();
    translator.apply({ upserts: start });
    const update = translator.apply({ deletes: [{ kind: 'HTTPProxy', namespace: 'default', name: 'a' }] });
    expect(names(update.removals)).toEqual([
      'Listener a.example.com',
      'RouteConfiguration grpc/a.example.com',
    ]);
    expect(names(update.upserts)).toEqual(['RouteConfiguration ingress_http']);
    expect(translator.current().statuses.httpProxies.has('default/a')).toBe(false);
    const last = translator.apply({ deletes: [{ kind: 'HTTPProxy', namespace: 'default', name: 'b' }] });
    expect(names(last.removals)).toEqual([
      'Cluster default/echo/80/da39a3ee5e',
      'ClusterLoadAssignment default/echo/http',
      'Listener b.example.com',
      'RouteConfiguration grpc/b.example.com',
    ]);
  });

  it('follows a renewed certificate: a new SDS secret, the listener pointing at it, the old one gone', () => {
    const tls = (variant: number) => tlsSecret('a-tls', selfSignedPair('a.example.com', variant));
    const secure = httpProxy('a', {
      virtualhost: { fqdn: 'a.example.com', tls: { secretName: 'a-tls' } },
      routes: [{ services: [{ name: 'echo', port: 80 }] }],
    });
    const translator = createTranslator();
    translator.apply({ upserts: [...start, tls(0), secure] });
    const before = translator.current().resources.find((r) => r.typeUrl === TypeUrl.Secret)?.name;
    const update = translator.apply({ upserts: [tls(1)] });
    const after = translator.current().resources.find((r) => r.typeUrl === TypeUrl.Secret)?.name;
    expect(after).not.toBe(before);
    expect(names(update.upserts)).toEqual(['Listener ingress_https', `Secret ${after}`]);
    expect(names(update.removals)).toEqual([`Secret ${before}`]);
  });

  it('rebuilds a root when an object it includes appears, and the included one stops being orphaned', () => {
    const translator = createTranslator();
    translator.apply({
      upserts: [
        ...start,
        httpProxy('root', {
          virtualhost: { fqdn: 'root.example.com' },
          includes: [{ name: 'child', conditions: [{ prefix: '/c' }] }],
        }),
      ],
    });
    expect(translator.current().statuses.httpProxies.get('default/root')?.currentStatus).toBe('invalid');
    const update = translator.apply({
      upserts: [httpProxy('child', { routes: [{ services: [{ name: 'echo', port: 80 }] }] })],
    });
    expect(update.statusChanges).toEqual(['HTTPProxy default/child', 'HTTPProxy default/root']);
    const statuses = translator.current().statuses.httpProxies;
    expect([
      statuses.get('default/root')?.currentStatus,
      statuses.get('default/child')?.currentStatus,
    ]).toEqual(['valid', 'valid']);
  });

  it('takes a Service change to every route that uses it', () => {
    const translator = createTranslator();
    translator.apply({
      upserts: [
        ...start,
        ingress('web', {
          rules: [{ host: 'web.example.com', http: { paths: [ingressPath('/', 'Prefix', 'echo', 'http')] } }],
        }),
      ],
    });
    const update = translator.apply({ deletes: [{ kind: 'Service', namespace: 'default', name: 'echo' }] });
    // Routes now answer 503, which gRPC clients cannot follow: their view of the hosts goes too.
    expect(names(update.removals)).toEqual([
      'Cluster default/echo/80/da39a3ee5e',
      'ClusterLoadAssignment default/echo/http',
      'Listener a.example.com',
      'Listener b.example.com',
      'RouteConfiguration grpc/a.example.com',
      'RouteConfiguration grpc/b.example.com',
    ]);
    expect(update.statusChanges).toEqual([
      'HTTPProxy default/a',
      'HTTPProxy default/b',
      'Ingress default/web',
    ]);
  });

  it('keeps an object that stops decoding out of the model, with its problem', () => {
    const translator = createTranslator();
    translator.apply({ upserts: start });
    translator.apply({
      upserts: [
        { manifest: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo' }, spec: { ports: 'x' } } },
      ],
    });
    const current = translator.current();
    expect(current.diagnostics.map((d) => d.reason)).toContain(
      'invalid Service: spec.ports: expected a list, got "x"',
    );
    expect(current).toEqual(
      translate([
        start[1]!,
        start[2]!,
        start[3]!,
        { manifest: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo' }, spec: { ports: 'x' } } },
      ]),
    );
  });
});
