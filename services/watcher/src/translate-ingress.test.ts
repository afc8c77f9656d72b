import { TypeUrl } from '@sesame/shared';
import { describe, expect, it } from 'vitest';
import {
  decoded,
  delegation,
  endpointSlice,
  ingress,
  ingressPath,
  resourceNames,
  routesOf,
  service,
  tlsSecret,
} from '../../../test/watcher/fixtures.js';
import { selfSignedPair } from '../../../test/watcher/tls-pair.js';
import { translate } from './translate.js';

const ECHO_CLUSTER = 'default/echo/80/da39a3ee5e';
const echo = [
  service('echo', [{ name: 'http', port: 80, targetPort: 8080 }]),
  endpointSlice('echo', {
    ports: [{ name: 'http', port: 8080 }],
    endpoints: [
      { address: '10.0.0.2' },
      { address: '10.0.0.1', ready: true },
      { address: '10.0.0.3', ready: false },
    ],
  }),
];
const rule = (host: string, ...paths: Record<string, unknown>[]): Record<string, unknown> => ({
  ...(host === '' ? {} : { host }),
  http: { paths },
});

describe('translate: Ingress', () => {
  it('routes a host to a Service port by name, with EDS over ADS and only ready endpoints', () => {
    const { resources, diagnostics } = translate([
      ...echo,
      ingress('web', { rules: [rule('echo.example.com', ingressPath('/', 'Prefix', 'echo', 'http'))] }),
    ]);
    expect(diagnostics).toEqual([]);
    expect(resourceNames(resources)).toEqual({
      lds: ['ingress_http'],
      rds: ['ingress_http'],
      cds: [ECHO_CLUSTER],
      eds: ['default/echo/http'],
      sds: [],
    });
    const rds = decoded(resources, TypeUrl.RouteConfiguration, 'ingress_http');
    expect(rds).toMatchObject({
      ignore_port_in_host_matching: true,
      virtual_hosts: [{ name: 'echo.example.com', domains: ['echo.example.com'] }],
    });
    expect(routesOf(rds, 'echo.example.com')).toEqual([
      { match: { prefix: '/' }, route: { cluster: ECHO_CLUSTER } },
    ]);
    expect(decoded(resources, TypeUrl.Cluster, ECHO_CLUSTER)).toEqual({
      name: ECHO_CLUSTER,
      alt_stat_name: 'default_echo_80',
      type: 'EDS',
      eds_cluster_config: {
        eds_config: { ads: {}, resource_api_version: 'V3' },
        service_name: 'default/echo/http',
      },
      connect_timeout: '2s',
    });
    expect(decoded(resources, TypeUrl.ClusterLoadAssignment, 'default/echo/http')).toEqual({
      cluster_name: 'default/echo/http',
      endpoints: [
        {
          locality: {},
          load_balancing_weight: 1,
          lb_endpoints: [
            { endpoint: { address: { socket_address: { address: '10.0.0.1', port_value: 8080 } } } },
            { endpoint: { address: { socket_address: { address: '10.0.0.2', port_value: 8080 } } } },
          ],
        },
      ],
    });
    const lds = decoded(resources, TypeUrl.Listener, 'ingress_http');
    expect(lds).toMatchObject({
      name: 'ingress_http',
      address: { socket_address: { address: '0.0.0.0', port_value: 8080 } },
      filter_chains: [
        {
          filters: [
            {
              name: 'envoy.filters.network.http_connection_manager',
              typed_config: {
                '@type':
                  'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
                stat_prefix: 'ingress_http',
                rds: {
                  route_config_name: 'ingress_http',
                  config_source: { ads: {}, resource_api_version: 'V3' },
                },
                http_filters: [{ name: 'envoy.filters.http.router' }],
              },
            },
          ],
        },
      ],
    });
  });

  it.each([
    [
      'Prefix trims a trailing slash and matches whole segments',
      '/api/',
      'Prefix',
      { path_separated_prefix: '/api' },
    ],
    ['Prefix / is a plain prefix', '/', 'Prefix', { prefix: '/' }],
    ['Exact', '/healthz', 'Exact', { path: '/healthz' }],
    ['ImplementationSpecific is a string prefix', '/static', 'ImplementationSpecific', { prefix: '/static' }],
    [
      'ImplementationSpecific that looks like a regex',
      '/v[0-9]+/.*',
      'ImplementationSpecific',
      { safe_regex: { regex: '/v[0-9]+/.*' } },
    ],
  ])('path types: %s', (_name, path, pathType, match) => {
    const { resources, diagnostics } = translate([
      ...echo,
      ingress('web', { rules: [rule('echo.example.com', ingressPath(path, pathType, 'echo', 80))] }),
    ]);
    expect(diagnostics).toEqual([]);
    expect(
      routesOf(decoded(resources, TypeUrl.RouteConfiguration, 'ingress_http'), 'echo.example.com'),
    ).toEqual([{ match, route: { cluster: ECHO_CLUSTER } }]);
  });

  it('orders routes most specific first: exact, regex, then longer prefixes', () => {
    const { resources } = translate([
      ...echo,
      ingress('web', {
        rules: [
          rule(
            'echo.example.com',
            ingressPath('/', 'Prefix', 'echo', 80),
            ingressPath('/a', 'ImplementationSpecific', 'echo', 80),
            ingressPath('/a', 'Prefix', 'echo', 80),
            ingressPath('/a/b', 'Prefix', 'echo', 80),
            ingressPath('/x', 'Exact', 'echo', 80),
            ingressPath('^/r+', 'ImplementationSpecific', 'echo', 80),
          ),
        ],
      }),
    ]);
    const matches = routesOf(
      decoded(resources, TypeUrl.RouteConfiguration, 'ingress_http'),
      'echo.example.com',
    ).map((r) => (r as { match: unknown }).match);
    expect(matches).toEqual([
      { path: '/x' },
      { safe_regex: { regex: '^/r+' } },
      { path_separated_prefix: '/a/b' },
      { path_separated_prefix: '/a' },
      { prefix: '/a' },
      { prefix: '/' },
    ]);
  });

  it('serves host-less rules and the default backend on the * virtual host', () => {
    const { resources, diagnostics } = translate([
      ...echo,
      ingress('web', {
        defaultBackend: { service: { name: 'echo', port: { number: 80 } } },
        rules: [rule('', ingressPath('/only', 'Exact', 'echo', 80))],
      }),
    ]);
    expect(diagnostics).toEqual([]);
    const rds = decoded(resources, TypeUrl.RouteConfiguration, 'ingress_http');
    expect(rds).toMatchObject({ virtual_hosts: [{ domains: ['*'] }] });
    expect(routesOf(rds, '*')).toEqual([
      { match: { path: '/only' }, route: { cluster: ECHO_CLUSTER } },
      { match: { prefix: '/' }, route: { cluster: ECHO_CLUSTER } },
    ]);
  });

  it('keeps a wildcard host to one DNS label with an :authority regex', () => {
    const { resources } = translate([
      ...echo,
      ingress('web', { rules: [rule('*.example.com', ingressPath('/', 'Prefix', 'echo', 80))] }),
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
          route: { cluster: ECHO_CLUSTER },
        },
      ],
    );
  });

  it('names the EDS resource of an unnamed Service port by its number, and sends it even with no endpoints', () => {
    const { resources } = translate([
      service('api', [{ port: 8080, targetPort: 9090 }]),
      ingress('web', { rules: [rule('api.example.com', ingressPath('/', 'Prefix', 'api', 8080))] }),
    ]);
    expect(resourceNames(resources).eds).toEqual(['default/api/8080']);
    expect(decoded(resources, TypeUrl.ClusterLoadAssignment, 'default/api/8080')).toEqual({
      cluster_name: 'default/api/8080',
    });
    expect(decoded(resources, TypeUrl.Cluster, 'default/api/8080/da39a3ee5e')).toMatchObject({
      eds_cluster_config: { service_name: 'default/api/8080' },
    });
  });

  it('terminates TLS for spec.tls hosts over SDS and keeps serving them on plaintext', () => {
    const { resources, diagnostics } = translate([
      ...echo,
      tlsSecret('echo-tls', 'echo.example.com'),
      ingress('web', {
        tls: [{ hosts: ['echo.example.com'], secretName: 'echo-tls' }],
        rules: [rule('echo.example.com', ingressPath('/', 'Prefix', 'echo', 80))],
      }),
    ]);
    expect(diagnostics).toEqual([]);
    const names = resourceNames(resources);
    expect(names.lds).toEqual(['ingress_http', 'ingress_https']);
    expect(names.rds).toEqual(['https/echo.example.com', 'ingress_http']);
    expect(names.sds).toHaveLength(1);
    expect(names.sds[0]).toMatch(/^default\/echo-tls\/[0-9a-f]{10}$/);
    const https = decoded(resources, TypeUrl.Listener, 'ingress_https');
    expect(https).toMatchObject({
      address: { socket_address: { address: '0.0.0.0', port_value: 8443 } },
      listener_filters: [{ name: 'envoy.filters.listener.tls_inspector' }],
      filter_chains: [
        {
          filter_chain_match: { server_names: ['echo.example.com'] },
          transport_socket: {
            typed_config: {
              '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
              common_tls_context: {
                alpn_protocols: ['h2', 'http/1.1'],
                tls_certificate_sds_secret_configs: [
                  { name: names.sds[0], sds_config: { ads: {}, resource_api_version: 'V3' } },
                ],
              },
            },
          },
          filters: [
            {
              typed_config: {
                stat_prefix: 'ingress_https',
                rds: { route_config_name: 'https/echo.example.com' },
              },
            },
          ],
        },
      ],
    });
    expect(
      routesOf(decoded(resources, TypeUrl.RouteConfiguration, 'ingress_http'), 'echo.example.com'),
    ).toEqual([{ match: { prefix: '/' }, route: { cluster: ECHO_CLUSTER } }]);
    const secret = decoded(resources, TypeUrl.Secret, names.sds[0] ?? '');
    expect(secret).toMatchObject({ tls_certificate: { certificate_chain: {}, private_key: {} } });
  });

  it.each([
    [
      'force-ssl-redirect redirects plaintext to https',
      { 'ingress.kubernetes.io/force-ssl-redirect': 'true' },
      [{ match: { prefix: '/' }, redirect: { https_redirect: true } }],
    ],
    [
      'allow-http "false" keeps the Ingress off plaintext',
      { 'kubernetes.io/ingress.allow-http': 'false' },
      [],
    ],
  ])('annotations: %s', (_name, annotations, plaintextRoutes) => {
    const { resources } = translate([
      ...echo,
      tlsSecret('echo-tls', 'echo.example.com'),
      ingress(
        'web',
        {
          tls: [{ hosts: ['echo.example.com'], secretName: 'echo-tls' }],
          rules: [rule('echo.example.com', ingressPath('/', 'Prefix', 'echo', 80))],
        },
        { annotations },
      ),
    ]);
    expect(
      routesOf(decoded(resources, TypeUrl.RouteConfiguration, 'ingress_http'), 'echo.example.com'),
    ).toEqual(plaintextRoutes);
    expect(
      routesOf(decoded(resources, TypeUrl.RouteConfiguration, 'https/echo.example.com'), 'echo.example.com'),
    ).toEqual([{ match: { prefix: '/' }, route: { cluster: ECHO_CLUSTER } }]);
  });

  it('drops a path whose Service or port is missing, reports it, and serves the rest', () => {
    const { resources, diagnostics } = translate([
      ...echo,
      ingress('web', {
        rules: [
          rule(
            'echo.example.com',
            ingressPath('/', 'Prefix', 'echo', 80),
            ingressPath('/gone', 'Prefix', 'missing', 80),
            ingressPath('/port', 'Prefix', 'echo', 81),
          ),
        ],
      }),
    ]);
    expect(
      routesOf(decoded(resources, TypeUrl.RouteConfiguration, 'ingress_http'), 'echo.example.com'),
    ).toEqual([{ match: { prefix: '/' }, route: { cluster: ECHO_CLUSTER } }]);
    expect(diagnostics).toEqual([
      {
        kind: 'Ingress',
        namespace: 'default',
        name: 'web',
        reason: 'spec.rules[0].http.paths[1]: service "default/missing" not found; route left out',
      },
      {
        kind: 'Ingress',
        namespace: 'default',
        name: 'web',
        reason:
          'spec.rules[0].http.paths[2]: port "81" on service "default/echo" not matched; route left out',
      },
    ]);
  });

  it('serves TLS hosts over plaintext only when the Secret is missing or not a valid key pair', () => {
    const mismatched = {
      cert: selfSignedPair('a.example.com').cert,
      key: selfSignedPair('b.example.com').key,
    };
    const { resources, diagnostics } = translate([
      ...echo,
      tlsSecret('mismatched', mismatched),
      ingress('web', {
        tls: [
          { hosts: ['a.example.com'], secretName: 'absent' },
          { hosts: ['b.example.com'], secretName: 'mismatched' },
        ],
        rules: [
          rule('a.example.com', ingressPath('/', 'Prefix', 'echo', 80)),
          rule('b.example.com', ingressPath('/', 'Prefix', 'echo', 80)),
        ],
      }),
    ]);
    expect(resourceNames(resources).lds).toEqual(['ingress_http']);
    expect(resourceNames(resources).sds).toEqual([]);
    expect(diagnostics.map((d) => d.reason)).toEqual([
      'spec.tls[0]: secret "default/absent" not found; its hosts are served over plain HTTP only',
      'spec.tls[1]: secret "default/mismatched": tls.key does not match the certificate in tls.crt; its hosts are served over plain HTTP only',
    ]);
  });
});

describe('translate: ingress class', () => {
  const withClass = (
    name: string,
    className: string | undefined,
    annotation?: string,
  ): ReturnType<typeof ingress> =>
    ingress(
      name,
      {
        ...(className === undefined ? {} : { ingressClassName: className }),
        rules: [rule(`${name}.example.com`, ingressPath('/', 'Prefix', 'echo', 80))],
      },
      annotation === undefined ? {} : { annotations: { 'kubernetes.io/ingress.class': annotation } },
    );
  const objects = [
    ...echo,
    withClass('none', undefined),
    withClass('sesame', 'sesame'),
    withClass('other', 'other'),
    withClass('annotated', 'other', 'sesame'),
  ];
  const served = (ingressClass?: string): string[] => {
    const options = ingressClass === undefined ? {} : { ingressClass };
    const rds = decoded(translate(objects, options).resources, TypeUrl.RouteConfiguration, 'ingress_http');
    return ((rds?.['virtual_hosts'] ?? []) as { domains: string[] }[]).map((v) => v.domains[0] ?? '');
  };

  it.each([
    [
      'no class configured: classless and the default class',
      undefined,
      ['annotated.example.com', 'none.example.com', 'sesame.example.com'],
    ],
    [
      'class sesame configured: exactly that class',
      'sesame',
      ['annotated.example.com', 'sesame.example.com'],
    ],
    ['class other configured: the annotation beats the spec field', 'other', ['other.example.com']],
  ])('%s', (_name, ingressClass, hosts) => {
    expect(served(ingressClass)).toEqual(hosts);
  });
});

describe('translate: Ingress annotations and status', () => {
  const web = (annotations: Record<string, string>, spec: Record<string, unknown> = {}) =>
    ingress(
      'web',
      {
        rules: [
          rule(
            'echo.example.com',
            ingressPath('/', 'Prefix', 'echo', 'http'),
            ingressPath('/ws', 'Exact', 'echo', 80),
          ),
        ],
        ...spec,
      },
      { annotations },
    );
  const plain = (t: ReturnType<typeof translate>) =>
    routesOf(decoded(t.resources, TypeUrl.RouteConfiguration, 'ingress_http'), 'echo.example.com');

  it('sets retries, the response timeout and websocket routes from Contour annotations', () => {
    const t = translate([
      ...echo,
      web({
        'projectsesame.io/retry-on': 'gateway-error',
        'projectsesame.io/num-retries': '4',
        'projectsesame.io/per-try-timeout': '2s',
        'projectcontour.io/response-timeout': 'infinity',
        'projectsesame.io/websocket-routes': '/ws, /other',
      }),
    ]);
    const policy = {
      timeout: '0s',
      retry_policy: { retry_on: 'gateway-error', num_retries: 4, per_try_timeout: '2s' },
    };
    expect(plain(t)).toEqual([
      {
        match: { path: '/ws' },
        route: { cluster: ECHO_CLUSTER, ...policy, upgrade_configs: [{ upgrade_type: 'websocket' }] },
      },
      { match: { prefix: '/' }, route: { cluster: ECHO_CLUSTER, ...policy } },
    ]);
  });

  it('warns about a timeout annotation that does not parse, and serves with the default', () => {
    const t = translate([...echo, web({ 'projectsesame.io/response-timeout': 'later' })]);
    expect(t.statuses.ingresses.get('default/web')).toEqual({
      accepted: true,
      description: 'Valid Ingress',
      errors: [],
      warnings: [
        {
          type: 'RouteError',
          status: 'True',
          reason: 'AnnotationIgnored',
          message: 'response-timeout: error parsing timeout: invalid duration "later"; ignored',
        },
      ],
    });
    expect((plain(t)[0] as { route: Record<string, unknown> }).route['timeout']).toBeUndefined();
  });

  it('bounds TLS versions by annotation', () => {
    const t = translate([
      ...echo,
      tlsSecret('echo-tls', 'echo.example.com'),
      web(
        { 'projectsesame.io/tls-minimum-protocol-version': '1.3' },
        { tls: [{ hosts: ['echo.example.com'], secretName: 'echo-tls' }] },
      ),
    ]);
    expect(decoded(t.resources, TypeUrl.Listener, 'ingress_https')).toMatchObject({
      filter_chains: [
        {
          transport_socket: {
            typed_config: { common_tls_context: { tls_params: { tls_minimum_protocol_version: 'TLSv1_3' } } },
          },
        },
      ],
    });
  });

  it('takes its certificate from the tls-cert-namespace annotation, when delegated', () => {
    const objects = [
      ...echo,
      tlsSecret('shared', 'echo.example.com', 'certs'),
      web(
        { 'projectsesame.io/tls-cert-namespace': 'certs' },
        { tls: [{ hosts: ['echo.example.com'], secretName: 'shared' }] },
      ),
    ];
    expect(
      translate(objects)
        .statuses.ingresses.get('default/web')
        ?.errors.map((e) => e.message),
    ).toEqual([
      'spec.tls[0]: secret "certs/shared": certificate delegation not permitted; its hosts are served over plain HTTP only',
    ]);
    const delegated = translate([...objects, delegation('d', 'certs', 'shared', ['default'])]);
    expect(delegated.statuses.ingresses.get('default/web')?.errors).toEqual([]);
    expect(resourceNames(delegated.resources).sds).toEqual([
      expect.stringMatching(/^certs\/shared\//) as string,
    ]);
  });

  it('reports Ingresses of another class as not accepted, and serves nothing of them', () => {
    const t = translate([
      ...echo,
      ingress('other', {
        ingressClassName: 'nginx',
        rules: [rule('x.example.com', ingressPath('/', 'Prefix', 'echo', 80))],
      }),
    ]);
    expect(t.statuses.ingresses.get('default/other')).toMatchObject({ accepted: false });
    expect(resourceNames(t.resources).cds).toEqual([]);
  });
});
