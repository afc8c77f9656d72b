import { TypeUrl } from '@sesame/shared';
import { describe, expect, it } from 'vitest';
import {
  annotatedService,
  decoded,
  kube,
  resourceNames,
  routesOf,
  service,
} from '../../../test/watcher/fixtures.js';
import { API, backends, ECHO, plainRoutes, proxy, route } from '../../../test/watcher/app-proxy.js';
import { translate } from './translate.js';

const cluster = (objects: Parameters<typeof translate>[0], name: string) =>
  decoded(translate(objects).resources, TypeUrl.Cluster, name);

describe('translate: HTTPProxy route policies', () => {
  it('sets retries, timeouts and websockets on the route', () => {
    expect(
      plainRoutes([
        ...backends,
        proxy([
          route('/', [{ name: 'echo', port: 80 }], {
            retryPolicy: {
              count: 3,
              perTryTimeout: '150ms',
              retryOn: ['5xx', 'reset'],
              retriableStatusCodes: [503],
            },
            timeoutPolicy: { response: '1m30s', idle: 'infinity' },
            enableWebsockets: true,
          }),
        ]),
      ]),
    ).toEqual([
      {
        match: { prefix: '/' },
        route: {
          cluster: ECHO,
          timeout: '90s',
          idle_timeout: '0s',
          retry_policy: {
            retry_on: '5xx,reset',
            num_retries: 3,
            per_try_timeout: '0.15s',
            retriable_status_codes: [503],
          },
          upgrade_configs: [{ upgrade_type: 'websocket' }],
        },
      },
    ]);
  });

  it('retries once on 5xx by default, and never with a count of -1', () => {
    const retry = (count?: number) =>
      (
        plainRoutes([
          ...backends,
          proxy([
            route('/', [{ name: 'echo', port: 80 }], { retryPolicy: count === undefined ? {} : { count } }),
          ]),
        ])[0] as {
          route: { retry_policy: unknown };
        }
      ).route.retry_policy;
    expect(retry()).toEqual({ retry_on: '5xx', num_retries: 1 });
    expect(retry(-1)).toEqual({ retry_on: '5xx', num_retries: 0 });
  });

  it('invalidates a proxy whose timeout does not parse', () => {
    const { statuses } = translate([
      ...backends,
      proxy([route('/', [{ name: 'echo', port: 80 }], { timeoutPolicy: { response: 'soon' } })]),
    ]);
    expect(statuses.httpProxies.get('default/app')?.conditions[0].errors).toEqual([
      {
        type: 'RouteError',
        status: 'True',
        reason: 'TimeoutPolicyNotValid',
        message: 'route.timeoutPolicy failed to parse: error parsing timeout: invalid duration "soon"',
      },
    ]);
  });

  it('sets and removes headers on requests and responses, per route and per service, rewriting Host', () => {
    const routes = plainRoutes([
      ...backends,
      proxy([
        route(
          '/',
          [
            {
              name: 'echo',
              port: 80,
              requestHeadersPolicy: {
                set: [{ name: 'x-svc', value: '%CONTOUR_SERVICE_NAME%:%CONTOUR_SERVICE_PORT% 100%' }],
              },
              responseHeadersPolicy: { remove: ['server'] },
            },
          ],
          {
            requestHeadersPolicy: {
              set: [
                { name: 'host', value: 'internal.example.com' },
                { name: 'x-ns', value: '%CONTOUR_NAMESPACE%' },
              ],
              remove: ['x-drop'],
            },
            responseHeadersPolicy: { set: [{ name: 'x-served-by', value: 'sesame' }] },
          },
        ),
      ]),
    ]);
    expect(routes).toEqual([
      {
        match: { prefix: '/' },
        route: { cluster: ECHO, host_rewrite_literal: 'internal.example.com' },
        request_headers_to_add: [
          { header: { key: 'X-Ns', value: 'default' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
          { header: { key: 'X-Svc', value: 'echo:80 100%%' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
        ],
        request_headers_to_remove: ['X-Drop'],
        response_headers_to_add: [
          { header: { key: 'X-Served-By', value: 'sesame' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
        ],
        response_headers_to_remove: ['Server'],
      },
    ]);
  });

  it('refuses a Host rewrite on responses and duplicate headers', () => {
    const errors = (policy: Record<string, unknown>) =>
      translate([...backends, proxy([route('/', [{ name: 'echo', port: 80 }], policy)])])
        .statuses.httpProxies.get('default/app')
        ?.conditions[0].errors.map((e) => e.message);
    expect(errors({ responseHeadersPolicy: { set: [{ name: 'Host', value: 'x' }] } })).toEqual([
      'rewriting "Host" header is not supported on response headers',
    ]);
    expect(
      errors({
        requestHeadersPolicy: {
          set: [
            { name: 'x-a', value: '1' },
            { name: 'X-A', value: '2' },
          ],
        },
      }),
    ).toEqual(['duplicate header addition: "X-A" on request headers']);
  });

  it('rewrites path prefixes with both slash forms, as Contour does', () => {
    const routes = plainRoutes([
      ...backends,
      proxy([
        route('/api', [{ name: 'echo', port: 80 }], {
          pathRewritePolicy: { replacePrefix: [{ replacement: '/v2' }] },
        }),
      ]),
    ]) as { match: unknown; route: { prefix_rewrite: string } }[];
    expect(routes.map((r) => [r.match, r.route.prefix_rewrite])).toEqual([
      [{ prefix: '/api/' }, '/v2/'],
      [{ prefix: '/api' }, '/v2'],
    ]);
  });

  it('mirrors a share of the traffic to a mirror service', () => {
    expect(
      plainRoutes([
        ...backends,
        proxy([
          route('/', [
            { name: 'echo', port: 80 },
            { name: 'api', port: 8080, mirror: true, weight: 25 },
          ]),
        ]),
      ]),
    ).toEqual([
      {
        match: { prefix: '/' },
        route: {
          cluster: ECHO,
          request_mirror_policies: [
            { cluster: API, runtime_fraction: { default_value: { numerator: 25, denominator: 'HUNDRED' } } },
          ],
        },
      },
    ]);
  });

  it.each([
    ['WeightedLeastRequest', 'LEAST_REQUEST', undefined],
    ['Random', 'RANDOM', undefined],
    ['Cookie', 'RING_HASH', [{ cookie: { name: 'X-Contour-Session-Affinity', ttl: '0s', path: '/' } }]],
  ])(
    'balances with the %s strategy (gRPC clients get a round-robin twin)',
    (strategy, lbPolicy, hashPolicy) => {
      const { resources } = translate([
        ...backends,
        proxy([route('/', [{ name: 'echo', port: 80 }], { loadBalancerPolicy: { strategy } })]),
      ]);
      const clusters = resources
        .filter((r) => r.typeUrl === TypeUrl.Cluster)
        .map((r) => [r.name, r.audience]);
      const envoyName = clusters.find(([, audience]) => audience === 'envoy')?.[0] ?? '';
      expect(clusters).toEqual(
        expect.arrayContaining([
          [ECHO, 'grpc'],
          [envoyName, 'envoy'],
        ]),
      );
      expect(envoyName).not.toBe(ECHO);
      expect(decoded(resources, TypeUrl.Cluster, envoyName)).toMatchObject({ lb_policy: lbPolicy });
      const routes = routesOf(
        decoded(resources, TypeUrl.RouteConfiguration, 'ingress_http'),
        'app.example.com',
      ) as { route: Record<string, unknown> }[];
      expect(routes[0]?.route['hash_policy']).toEqual(hashPolicy);
      expect(routes[0]?.route['cluster']).toBe(envoyName);
    },
  );

  it('hashes requests by header, query parameter and source address, warning about invalid hash policies', () => {
    const { resources, statuses } = translate([
      ...backends,
      proxy([
        route('/', [{ name: 'echo', port: 80 }], {
          loadBalancerPolicy: {
            strategy: 'RequestHash',
            requestHashPolicies: [
              { headerHashOptions: { headerName: 'x-user' }, terminal: true },
              { queryParameterHashOptions: { parameterName: 'id' } },
              { hashSourceIP: true },
              { headerHashOptions: { headerName: 'bad name' } },
            ],
          },
        }),
      ]),
    ]);
    const routes = routesOf(
      decoded(resources, TypeUrl.RouteConfiguration, 'ingress_http'),
      'app.example.com',
    ) as { route: Record<string, unknown> }[];
    expect(routes[0]?.route['hash_policy']).toEqual([
      { header: { header_name: 'x-user' }, terminal: true },
      { query_parameter: { name: 'id' } },
      { connection_properties: { source_ip: true } },
    ]);
    expect(statuses.httpProxies.get('default/app')).toMatchObject({
      currentStatus: 'valid',
      conditions: [
        {
          warnings: [
            {
              type: 'SpecError',
              reason: 'IgnoredField',
              message: 'ignoring invalid header hash policy options with invalid header name "bad name"',
            },
          ],
        },
      ],
    });
  });

  it('health checks the endpoints with Contour defaults', () => {
    const { resources } = translate([
      ...backends,
      proxy([
        route('/', [{ name: 'echo', port: 80 }], {
          healthCheckPolicy: {
            path: '/healthz',
            intervalSeconds: 5,
            expectedStatuses: [{ start: 200, end: 300 }],
          },
        }),
      ]),
    ]);
    const [name] = resourceNames(resources).cds;
    expect(decoded(resources, TypeUrl.Cluster, name ?? '')).toMatchObject({
      health_checks: [
        {
          timeout: '2s',
          interval: '5s',
          unhealthy_threshold: 3,
          healthy_threshold: 2,
          http_health_check: {
            host: 'contour-envoy-healthcheck',
            path: '/healthz',
            expected_statuses: [{ start: '200', end: '300' }],
          },
        },
      ],
    });
  });

  it('speaks HTTP/2, cleartext HTTP/2 or TLS to the upstream, by service protocol or Service annotation', () => {
    const objects = [
      ...backends,
      annotatedService('grpc', [{ name: 'grpc', port: 50051 }], {
        'projectsesame.io/upstream-protocol.h2c': 'grpc',
      }),
      proxy([
        route('/h2', [{ name: 'echo', port: 80, protocol: 'h2' }]),
        route('/tls', [{ name: 'api', port: 8080, protocol: 'tls' }]),
        route('/h2c', [{ name: 'grpc', port: 50051 }]),
      ]),
    ];
    const { resources } = translate(objects);
    const clusters = resourceNames(resources).cds.map(
      (name) => decoded(resources, TypeUrl.Cluster, name) ?? {},
    );
    const byService = (service: string) =>
      clusters.find((c) => String(c['name']).startsWith(`default/${service}/`)) ?? {};
    const http2 = {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        explicit_http_config: { http2_protocol_options: {} },
      },
    };
    expect(byService('echo')).toMatchObject({
      typed_extension_protocol_options: http2,
      transport_socket: {
        name: 'envoy.transport_sockets.tls',
        typed_config: { common_tls_context: { alpn_protocols: ['h2'] } },
      },
    });
    expect(byService('api')).toMatchObject({ transport_socket: { name: 'envoy.transport_sockets.tls' } });
    expect(byService('api')['typed_extension_protocol_options']).toBeUndefined();
    expect(byService('grpc')).toMatchObject({ typed_extension_protocol_options: http2 });
    expect(byService('grpc')['transport_socket']).toBeUndefined();
  });

  it('invalidates a proxy naming an unknown upstream protocol', () => {
    const { statuses } = translate([
      ...backends,
      proxy([route('/', [{ name: 'echo', port: 80, protocol: 'h3' }])]),
    ]);
    expect(statuses.httpProxies.get('default/app')?.conditions[0].errors).toEqual([
      {
        type: 'ServiceError',
        status: 'True',
        reason: 'UnsupportedProtocol',
        message: 'unsupported protocol: h3',
      },
    ]);
  });

  it('applies circuit breaker annotations of the Service', () => {
    expect(
      cluster(
        [
          annotatedService('echo', [{ name: 'http', port: 80 }], {
            'projectsesame.io/max-connections': '100',
            'projectcontour.io/max-requests': '200',
            'projectsesame.io/per-host-max-connections': '7',
            'projectsesame.io/max-retries': 'many',
          }),
          proxy([route('/', [{ name: 'echo', port: 80 }])]),
        ],
        ECHO,
      ),
    ).toMatchObject({
      circuit_breakers: {
        thresholds: [{ max_connections: 100, max_requests: 200 }],
        per_host_thresholds: [{ max_connections: 7 }],
      },
    });
  });

  it('routes to an ExternalName Service only when enabled, over DNS', () => {
    const objects = [
      service('ext', [{ port: 443 }], { type: 'ExternalName' }),
      kube({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'ext', namespace: 'default' },
        spec: { type: 'ExternalName', externalName: 'api.partner.example', ports: [{ port: 443 }] },
      }),
      proxy([route('/', [{ name: 'ext', port: 443, protocol: 'tls' }])]),
    ].slice(1);
    const off = translate(objects);
    expect(off.statuses.httpProxies.get('default/app')?.conditions[0].errors[0]?.message).toBe(
      'Spec.Routes unresolved service reference: service "default/ext" is an ExternalName service, which Sesame serves only with enableExternalNameService set',
    );
    const on = translate(objects, { enableExternalNameService: true });
    const [name] = resourceNames(on.resources).cds;
    expect(resourceNames(on.resources).eds).toEqual([]);
    expect(decoded(on.resources, TypeUrl.Cluster, name ?? '')).toMatchObject({
      type: 'STRICT_DNS',
      load_assignment: {
        endpoints: [
          {
            lb_endpoints: [
              {
                endpoint: {
                  address: { socket_address: { address: 'api.partner.example', port_value: 443 } },
                },
              },
            ],
          },
        ],
      },
      transport_socket: { typed_config: { sni: 'api.partner.example' } },
    });
  });
});
