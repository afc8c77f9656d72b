import { TypeUrl } from '@sesame/shared';
import { describe, expect, it } from 'vitest';
import {
  decoded,
  endpointSlice,
  httpProxy,
  kube,
  resourceNames,
  routesOf,
  service,
  tlsSecret,
} from '../../../test/watcher/fixtures.js';
import { translate } from './translate.js';

const ECHO = 'default/echo/80/da39a3ee5e';
const API = 'default/api/8080/da39a3ee5e';
const backends = [
  service('echo', [{ name: 'http', port: 80, targetPort: 8080 }]),
  endpointSlice('echo', { ports: [{ name: 'http', port: 8080 }], endpoints: [{ address: '10.0.1.1' }] }),
  service('api', [{ port: 8080 }]),
  endpointSlice('api', { ports: [{ port: 9090 }], endpoints: [{ address: '10.0.2.1' }] }),
];
const route = (
  prefix: string | undefined,
  services: Record<string, unknown>[],
  extra: Record<string, unknown> = {},
) => ({
  ...(prefix === undefined ? {} : { conditions: [{ prefix }] }),
  services,
  ...extra,
});

describe('translate: HTTPProxy', () => {
  it('routes prefixes to weighted services', () => {
    const { resources, diagnostics } = translate([
      ...backends,
      httpProxy('app', {
        virtualhost: { fqdn: 'App.Example.com' },
        routes: [
          route('/v1', [{ name: 'api', port: 8080 }]),
          route('/', [
            { name: 'echo', port: 80, weight: 90 },
            { name: 'api', port: 8080, weight: 10 },
          ]),
        ],
      }),
    ]);
    expect(diagnostics).toEqual([]);
    expect(resourceNames(resources)).toEqual({
      lds: ['ingress_http'],
      rds: ['ingress_http'],
      cds: [API, ECHO],
      eds: ['default/api/8080', 'default/echo/http'],
      sds: [],
    });
    expect(
      routesOf(decoded(resources, TypeUrl.RouteConfiguration, 'ingress_http'), 'app.example.com'),
    ).toEqual([
      { match: { prefix: '/v1' }, route: { cluster: API } },
      {
        match: { prefix: '/' },
        route: {
          weighted_clusters: {
            clusters: [
              { name: API, weight: 10 },
              { name: ECHO, weight: 90 },
            ],
          },
        },
      },
    ]);
  });

  it('splits evenly when no service has a weight, and routes / when a route has no condition', () => {
    const { resources } = translate([
      ...backends,
      httpProxy('app', {
        virtualhost: { fqdn: 'app.example.com' },
        routes: [
          route(undefined, [
            { name: 'echo', port: 80 },
            { name: 'api', port: 8080 },
          ]),
        ],
      }),
    ]);
    expect(
      routesOf(decoded(resources, TypeUrl.RouteConfiguration, 'ingress_http'), 'app.example.com'),
    ).toEqual([
      {
        match: { prefix: '/' },
        route: {
          weighted_clusters: {
            clusters: [
              { name: API, weight: 1 },
              { name: ECHO, weight: 1 },
            ],
          },
        },
      },
    ]);
  });

  it('serves TLS with SDS and redirects plaintext to https, except permitInsecure routes', () => {
    const { resources, diagnostics } = translate([
      ...backends,
      tlsSecret('app-tls', 'app.example.com'),
      httpProxy('app', {
        virtualhost: {
          fqdn: 'app.example.com',
          tls: { secretName: 'app-tls', minimumProtocolVersion: '1.3' },
        },
        routes: [
          route('/healthz', [{ name: 'api', port: 8080 }], { permitInsecure: true }),
          route('/', [{ name: 'echo', port: 80 }]),
        ],
      }),
    ]);
    expect(diagnostics).toEqual([]);
    const names = resourceNames(resources);
    expect(names.lds).toEqual(['ingress_http', 'ingress_https']);
    expect(names.rds).toEqual(['https/app.example.com', 'ingress_http']);
    expect(
      routesOf(decoded(resources, TypeUrl.RouteConfiguration, 'ingress_http'), 'app.example.com'),
    ).toEqual([
      { match: { prefix: '/healthz' }, route: { cluster: API } },
      { match: { prefix: '/' }, redirect: { https_redirect: true } },
    ]);
    expect(
      routesOf(decoded(resources, TypeUrl.RouteConfiguration, 'https/app.example.com'), 'app.example.com'),
    ).toEqual([
      { match: { prefix: '/healthz' }, route: { cluster: API } },
      { match: { prefix: '/' }, route: { cluster: ECHO } },
    ]);
    expect(decoded(resources, TypeUrl.Listener, 'ingress_https')).toMatchObject({
      filter_chains: [
        {
          filter_chain_match: { server_names: ['app.example.com'] },
          transport_socket: {
            typed_config: {
              common_tls_context: {
                tls_params: {
                  tls_minimum_protocol_version: 'TLSv1_3',
                  tls_maximum_protocol_version: 'TLSv1_3',
                },
                tls_certificate_sds_secret_configs: [{ name: names.sds[0] }],
              },
            },
          },
        },
      ],
    });
  });

  it('never puts key material in a listener', () => {
    const secret = tlsSecret('app-tls', 'app.example.com');
    const { resources } = translate([
      ...backends,
      secret,
      httpProxy('app', {
        virtualhost: { fqdn: 'app.example.com', tls: { secretName: 'app-tls' } },
        routes: [route('/', [{ name: 'echo', port: 80 }])],
      }),
    ]);
    const key = Buffer.from(
      (secret.manifest as { data: Record<string, string> }).data['tls.key'] ?? '',
      'base64',
    );
    const keyBody = key.toString().split('\n')[1] ?? '';
    for (const r of resources.filter((x) => x.typeUrl !== TypeUrl.Secret)) {
      expect(Buffer.from(r.body).includes(keyBody)).toBe(false);
      expect(Buffer.from(r.body).includes(key.subarray(0, 64))).toBe(false);
    }
    expect(
      resources
        .filter((r) => r.typeUrl === TypeUrl.Listener || r.typeUrl === TypeUrl.Secret)
        .map((r) => r.audience),
    ).toEqual(['envoy', 'envoy', 'envoy']);
  });

  it('leaves out a proxy whose TLS secret is missing, and says why', () => {
    const { resources, diagnostics } = translate([
      ...backends,
      httpProxy('app', {
        virtualhost: { fqdn: 'app.example.com', tls: { secretName: 'absent' } },
        routes: [route('/', [{ name: 'echo', port: 80 }])],
      }),
    ]);
    expect(resourceNames(resources)).toMatchObject({ lds: ['ingress_http'], cds: [], sds: [] });
    expect(decoded(resources, TypeUrl.RouteConfiguration, 'ingress_http')).toEqual({
      name: 'ingress_http',
      ignore_port_in_host_matching: true,
    });
    expect(diagnostics).toEqual([
      {
        kind: 'HTTPProxy',
        namespace: 'default',
        name: 'app',
        reason: 'Spec.VirtualHost.TLS Secret "absent" is invalid: secret "default/absent" not found',
      },
    ]);
  });

  it('drops an unresolved service from its route, and answers 503 when none is left', () => {
    const { resources, diagnostics } = translate([
      ...backends,
      httpProxy('app', {
        virtualhost: { fqdn: 'app.example.com' },
        routes: [
          route('/partial', [
            { name: 'echo', port: 80 },
            { name: 'missing', port: 80 },
          ]),
          route('/none', [{ name: 'missing', port: 80 }]),
        ],
      }),
    ]);
    expect(
      routesOf(decoded(resources, TypeUrl.RouteConfiguration, 'ingress_http'), 'app.example.com'),
    ).toEqual([
      { match: { prefix: '/partial' }, route: { cluster: ECHO } },
      { match: { prefix: '/none' }, direct_response: { status: 503 } },
    ]);
    expect(diagnostics.map((d) => d.reason)).toEqual([
      'spec.routes[0]: services[1]: unresolved service reference: service "default/missing" not found',
      'spec.routes[1]: no service of this route resolves; it answers 503',
      'spec.routes[1]: services[0]: unresolved service reference: service "default/missing" not found',
    ]);
  });

  it.each([
    ['exact', [{ exact: '/x' }], { path: '/x' }],
    ['regex', [{ regex: '/items/[0-9]+' }], { safe_regex: { regex: '/items/[0-9]+' } }],
  ])('supports %s path conditions', (_name, conditions, match) => {
    const { resources, diagnostics } = translate([
      ...backends,
      httpProxy('app', {
        virtualhost: { fqdn: 'app.example.com' },
        routes: [{ conditions, services: [{ name: 'echo', port: 80 }] }],
      }),
    ]);
    expect(diagnostics).toEqual([]);
    expect(
      routesOf(decoded(resources, TypeUrl.RouteConfiguration, 'ingress_http'), 'app.example.com'),
    ).toEqual([{ match, route: { cluster: ECHO } }]);
  });

  it.each([
    [
      'a header condition (not supported yet)',
      [{ header: { name: 'x', present: true } }],
      'conditions[0]: header conditions are not supported yet',
    ],
    [
      'two prefixes',
      [{ prefix: '/a' }, { prefix: '/b' }],
      'more than one path condition (prefix, exact or regex) is not allowed',
    ],
    ['a relative prefix', [{ prefix: 'a' }], 'path "a" must start with "/"'],
    [
      'an RE2-incompatible regex',
      [{ regex: '/(?=x)' }],
      'regex "/(?=x)" uses lookaround, which RE2 does not support',
    ],
  ])('drops a route with %s and keeps the others', (_name, conditions, reason) => {
    const { resources, diagnostics } = translate([
      ...backends,
      httpProxy('app', {
        virtualhost: { fqdn: 'app.example.com' },
        routes: [
          { conditions, services: [{ name: 'api', port: 8080 }] },
          route('/', [{ name: 'echo', port: 80 }]),
        ],
      }),
    ]);
    expect(
      routesOf(decoded(resources, TypeUrl.RouteConfiguration, 'ingress_http'), 'app.example.com'),
    ).toEqual([{ match: { prefix: '/' }, route: { cluster: ECHO } }]);
    expect(diagnostics.map((d) => d.reason)).toEqual([`spec.routes[0]: ${reason}; route left out`]);
  });

  it('refuses an fqdn claimed by two proxies, as Contour does, and serves the others', () => {
    const proxy = (name: string, fqdn: string) =>
      httpProxy(name, { virtualhost: { fqdn }, routes: [route('/', [{ name: 'echo', port: 80 }])] });
    const { resources, diagnostics } = translate([
      ...backends,
      proxy('a', 'dup.example.com'),
      proxy('b', 'DUP.example.com'),
      proxy('c', 'ok.example.com'),
    ]);
    const rds = decoded(resources, TypeUrl.RouteConfiguration, 'ingress_http');
    expect((rds?.['virtual_hosts'] as { domains: string[] }[]).map((v) => v.domains)).toEqual([
      ['ok.example.com'],
    ]);
    expect(diagnostics.map((d) => `${d.name}: ${d.reason}`)).toEqual([
      'a: fqdn "dup.example.com" is used in multiple HTTPProxies: default/a, default/b',
      'b: fqdn "dup.example.com" is used in multiple HTTPProxies: default/a, default/b',
    ]);
  });

  it('reports proxies it cannot serve yet', () => {
    const { diagnostics } = translate([
      ...backends,
      httpProxy('child', { routes: [route('/', [{ name: 'echo', port: 80 }])] }),
      httpProxy('bad-host', {
        virtualhost: { fqdn: 'under_score.example.com' },
        routes: [route('/', [{ name: 'echo', port: 80 }])],
      }),
      httpProxy('includes', {
        virtualhost: { fqdn: 'inc.example.com' },
        includes: [{ name: 'child' }],
        routes: [route('/', [{ name: 'echo', port: 80 }])],
      }),
      kube({ apiVersion: 'projectcontour.io/v1', kind: 'HTTPProxy', metadata: { name: 'old' }, spec: {} }),
    ]);
    expect(diagnostics.map((d) => `${d.name}: ${d.reason}`)).toEqual([
      'bad-host: Spec.VirtualHost.Fqdn "under_score.example.com" is not a valid host name',
      'child: no spec.virtualhost: this HTTPProxy is not part of a delegation chain from a root HTTPProxy',
      'includes: spec.includes is not supported yet; ignored',
      'old: unsupported apiVersion projectcontour.io/v1 for HTTPProxy, expected projectsesame.io/v1',
    ]);
  });

  it('lets an HTTPProxy and an Ingress share a host, routes merged', () => {
    const { resources } = translate([
      ...backends,
      httpProxy('app', {
        virtualhost: { fqdn: 'app.example.com' },
        routes: [route('/v1', [{ name: 'api', port: 8080 }])],
      }),
      kube({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'web', namespace: 'default' },
        spec: {
          rules: [
            {
              host: 'app.example.com',
              http: {
                paths: [
                  {
                    path: '/',
                    pathType: 'Prefix',
                    backend: { service: { name: 'echo', port: { number: 80 } } },
                  },
                ],
              },
            },
          ],
        },
      }),
    ]);
    expect(
      routesOf(decoded(resources, TypeUrl.RouteConfiguration, 'ingress_http'), 'app.example.com'),
    ).toEqual([
      { match: { prefix: '/v1' }, route: { cluster: API } },
      { match: { prefix: '/' }, route: { cluster: ECHO } },
    ]);
  });
});
