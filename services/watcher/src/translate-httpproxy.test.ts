import { TypeUrl } from '@sesame/shared';
import { describe, expect, it } from 'vitest';
import {
  decoded,
  httpProxy,
  ingress,
  ingressPath,
  kube,
  resourceNames,
  routesOf,
} from '../../../test/watcher/fixtures.js';
import { API, backends, ECHO, plainRoutes, proxy, route } from '../../../test/watcher/app-proxy.js';
import { translate } from './translate.js';

describe('translate: HTTPProxy routing', () => {
  it('routes prefixes to weighted services, and publishes the host to gRPC clients too', () => {
    const { resources, diagnostics, statuses } = translate([
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
    expect(statuses.httpProxies.get('default/app')?.currentStatus).toBe('valid');
    expect(resourceNames(resources)).toEqual({
      lds: ['app.example.com', 'ingress_http'],
      rds: ['grpc/app.example.com', 'ingress_http'],
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
    expect(
      plainRoutes([
        ...backends,
        proxy([
          route(undefined, [
            { name: 'echo', port: 80 },
            { name: 'api', port: 8080 },
          ]),
        ]),
      ]),
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

  it('answers 503 for a route whose services all fail to resolve, and drops an unresolved one from a split', () => {
    const { resources, statuses } = translate([
      ...backends,
      proxy([
        route('/partial', [
          { name: 'echo', port: 80 },
          { name: 'missing', port: 80 },
        ]),
        route('/none', [{ name: 'missing', port: 80 }]),
      ]),
    ]);
    expect(
      routesOf(decoded(resources, TypeUrl.RouteConfiguration, 'ingress_http'), 'app.example.com'),
    ).toEqual([
      { match: { prefix: '/partial' }, route: { cluster: ECHO } },
      { match: { prefix: '/none' }, direct_response: { status: 503 } },
    ]);
    expect(statuses.httpProxies.get('default/app')).toMatchObject({
      currentStatus: 'invalid',
      description: 'At least one error present, see Errors for details',
      conditions: [
        {
          type: 'Valid',
          status: 'False',
          reason: 'ErrorPresent',
          errors: [
            {
              type: 'ServiceError',
              reason: 'ServiceUnresolvedReference',
              message: 'Spec.Routes unresolved service reference: service "default/missing" not found',
            },
            {
              type: 'ServiceError',
              reason: 'ServiceUnresolvedReference',
              message: 'Spec.Routes unresolved service reference: service "default/missing" not found',
            },
          ],
        },
      ],
    });
  });

  it.each([
    ['prefix', [{ prefix: '/x' }], { prefix: '/x' }],
    ['exact', [{ exact: '/x' }], { path: '/x' }],
    ['regex', [{ regex: '/items/[0-9]+' }], { safe_regex: { regex: '/items/[0-9]+' } }],
    [
      'header present, notpresent and exact',
      [
        { header: { name: 'x-a', present: true } },
        { header: { name: 'x-b', notpresent: true } },
        { header: { name: 'x-c', exact: 'v', ignoreCase: true } },
      ],
      {
        prefix: '/',
        headers: [
          { name: 'x-a', present_match: true },
          { name: 'x-b', present_match: true, invert_match: true },
          { name: 'x-c', string_match: { exact: 'v', ignore_case: true } },
        ],
      },
    ],
    [
      'header notcontains (missing as empty), notexact and regex',
      [
        { header: { name: 'x-a', notcontains: 'bot', treatMissingAsEmpty: true } },
        { header: { name: 'x-b', notexact: 'no' } },
        { header: { name: 'x-c', regex: 'v[0-9]' } },
      ],
      {
        prefix: '/',
        headers: [
          {
            name: 'x-a',
            string_match: { contains: 'bot' },
            invert_match: true,
            treat_missing_header_as_empty: true,
          },
          { name: 'x-b', string_match: { exact: 'no' }, invert_match: true },
          { name: 'x-c', string_match: { safe_regex: { regex: 'v[0-9]' } } },
        ],
      },
    ],
    [
      'query parameters',
      [
        { queryParameter: { name: 'debug', present: true } },
        { queryParameter: { name: 'v', prefix: '2', ignoreCase: true } },
      ],
      {
        prefix: '/',
        query_parameters: [
          { name: 'debug', present_match: true },
          { name: 'v', string_match: { prefix: '2', ignore_case: true } },
        ],
      },
    ],
  ])('matches on %s', (_name, conditions, match) => {
    expect(
      plainRoutes([...backends, proxy([{ conditions, services: [{ name: 'echo', port: 80 }] }])]),
    ).toEqual([{ match, route: { cluster: ECHO } }]);
  });

  it.each([
    [
      'two path conditions',
      [{ prefix: '/a' }, { prefix: '/b' }],
      'PathMatchConditionsNotValid',
      'route: more than one prefix, exact or regex is not allowed in a condition block',
    ],
    [
      'a relative prefix',
      [{ prefix: 'a' }],
      'PathMatchConditionsNotValid',
      'route: prefix conditions must start with /, a was supplied',
    ],
    [
      'an RE2-incompatible regex',
      [{ regex: '/(?=x)' }],
      'PathMatchConditionsNotValid',
      'route: supplied regex: /(?=x) invalid. error: regex "/(?=x)" uses lookaround, which RE2 does not support',
    ],
    [
      'contradictory header conditions',
      [{ header: { name: 'x', present: true } }, { header: { name: 'x', notpresent: true } }],
      'HeaderMatchConditionsNotValid',
      "cannot specify contradictory 'present' and 'notpresent' conditions for the same route and header",
    ],
    [
      'an empty query condition',
      [{ queryParameter: { name: 'q' } }],
      'QueryParameterMatchConditionsNotValid',
      'must specify at least one query parameter condition',
    ],
  ])('invalidates all routes of a proxy with %s, as Contour does', (_name, conditions, reason, message) => {
    const { resources, statuses } = translate([
      ...backends,
      proxy([
        { conditions, services: [{ name: 'api', port: 8080 }] },
        route('/', [{ name: 'echo', port: 80 }]),
      ]),
    ]);
    expect(
      routesOf(decoded(resources, TypeUrl.RouteConfiguration, 'ingress_http'), 'app.example.com'),
    ).toEqual([]);
    expect(statuses.httpProxies.get('default/app')?.conditions[0].errors).toEqual([
      { type: 'RouteError', status: 'True', reason, message },
    ]);
  });

  it('orders routes most specific first, whatever the manifest order', () => {
    const routes = plainRoutes([
      ...backends,
      proxy([
        route('/', [{ name: 'echo', port: 80 }]),
        route('/a', [{ name: 'echo', port: 80 }]),
        {
          conditions: [{ prefix: '/a' }, { header: { name: 'x', present: true } }],
          services: [{ name: 'api', port: 8080 }],
        },
        { conditions: [{ exact: '/a/b' }], services: [{ name: 'api', port: 8080 }] },
        { conditions: [{ regex: '/r.*' }], services: [{ name: 'api', port: 8080 }] },
      ]),
    ]) as { match: Record<string, unknown> }[];
    expect(routes.map((r) => r.match)).toEqual([
      { path: '/a/b' },
      { safe_regex: { regex: '/r.*' } },
      { prefix: '/a', headers: [{ name: 'x', present_match: true }] },
      { prefix: '/a' },
      { prefix: '/' },
    ]);
  });
});

describe('translate: HTTPProxy hosts', () => {
  it('lets an HTTPProxy and an Ingress share a host, routes merged', () => {
    expect(
      plainRoutes([
        ...backends,
        proxy([route('/v1', [{ name: 'api', port: 8080 }])]),
        ingress('web', {
          rules: [{ host: 'app.example.com', http: { paths: [ingressPath('/', 'Prefix', 'echo', 80)] } }],
        }),
      ]),
    ).toEqual([
      { match: { prefix: '/v1' }, route: { cluster: API } },
      { match: { prefix: '/' }, route: { cluster: ECHO } },
    ]);
  });

  it('keeps a wildcard host to one DNS label, and gives it no gRPC listener', () => {
    const { resources } = translate([
      ...backends,
      httpProxy('wild', {
        virtualhost: { fqdn: '*.example.com' },
        routes: [route('/', [{ name: 'echo', port: 80 }])],
      }),
    ]);
    expect(routesOf(decoded(resources, TypeUrl.RouteConfiguration, 'ingress_http'), '*.example.com')).toEqual(
      [
        {
          match: {
            prefix: '/',
            headers: [
              {
                name: ':authority',
                string_match: {
                  safe_regex: { regex: '[a-z0-9]([-a-z0-9]*[a-z0-9])?\\.example\\.com(:[0-9]+)?' },
                },
              },
            ],
          },
          route: { cluster: ECHO },
        },
      ],
    );
    expect(resourceNames(resources).lds).toEqual(['ingress_http']);
  });

  it('refuses an fqdn claimed by two proxies, as Contour does, and serves the others', () => {
    const named = (name: string, fqdn: string) =>
      httpProxy(name, { virtualhost: { fqdn }, routes: [route('/', [{ name: 'echo', port: 80 }])] });
    const { resources, statuses } = translate([
      ...backends,
      named('a', 'dup.example.com'),
      named('b', 'DUP.example.com'),
      named('c', 'ok.example.com'),
    ]);
    const rds = decoded(resources, TypeUrl.RouteConfiguration, 'ingress_http');
    expect((rds?.['virtual_hosts'] as { domains: string[] }[]).map((v) => v.domains)).toEqual([
      ['ok.example.com'],
    ]);
    for (const name of ['a', 'b']) {
      expect(statuses.httpProxies.get(`default/${name}`)?.conditions[0].errors).toEqual([
        {
          type: 'VirtualHostError',
          status: 'True',
          reason: 'DuplicateVhost',
          message: 'fqdn "dup.example.com" is used in multiple HTTPProxies: default/a, default/b',
        },
      ]);
    }
    expect(statuses.httpProxies.get('default/c')?.currentStatus).toBe('valid');
  });

  it('reports an invalid host name and a proxy with nothing to serve', () => {
    const { statuses, diagnostics } = translate([
      ...backends,
      httpProxy('bad-host', {
        virtualhost: { fqdn: 'under_score.example.com' },
        routes: [route('/', [{ name: 'echo', port: 80 }])],
      }),
      httpProxy('empty', { virtualhost: { fqdn: 'empty.example.com' } }),
      kube({ apiVersion: 'projectcontour.io/v1', kind: 'HTTPProxy', metadata: { name: 'old' }, spec: {} }),
    ]);
    expect(statuses.httpProxies.get('default/bad-host')?.conditions[0].errors[0]).toMatchObject({
      type: 'VirtualHostError',
      reason: 'FQDNInvalid',
    });
    expect(statuses.httpProxies.get('default/empty')?.conditions[0].errors[0]).toMatchObject({
      type: 'SpecError',
      reason: 'NothingDefined',
      message: 'HTTPProxy.Spec must have at least one Route, Include, or a TCPProxy',
    });
    expect(diagnostics.map((d) => `${d.name}: ${d.reason}`)).toEqual([
      'bad-host: Spec.VirtualHost.Fqdn "under_score.example.com" is not a valid host name',
      'empty: HTTPProxy.Spec must have at least one Route, Include, or a TCPProxy',
      'old: unsupported apiVersion projectcontour.io/v1 for HTTPProxy, expected projectsesame.io/v1',
    ]);
  });
});
