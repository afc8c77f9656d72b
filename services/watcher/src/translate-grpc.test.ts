import { TypeUrl } from '@sesame/shared';
import { describe, expect, it } from 'vitest';
import {
  decoded,
  endpointSlice,
  httpProxy,
  ingress,
  ingressPath,
  resourceNames,
  routesOf,
  service,
  tlsSecret,
  virtualHostOf,
} from '../../../test/watcher/fixtures.js';
import { grpcRejections, grpcView } from '../../../test/watcher/grpc-view.js';
import { danglingReferences } from './envoy/resources.js';
import { translate } from './translate.js';

const ECHO = 'default/echo/80/da39a3ee5e';
const backends = [
  service('echo', [{ name: 'http', port: 80 }]),
  endpointSlice('echo', {
    ports: [{ name: 'http', port: 8080 }],
    endpoints: [{ address: '10.0.1.1' }, { address: '10.0.1.2' }],
  }),
  service('grpc', [{ name: 'grpc', port: 50051 }]),
  endpointSlice('grpc', { ports: [{ name: 'grpc', port: 50051 }], endpoints: [{ address: '10.0.3.1' }] }),
];

describe('translate: proxyless gRPC view', () => {
  const t = translate([
    ...backends,
    tlsSecret('app-tls', 'app.example.com'),
    httpProxy('app', {
      virtualhost: { fqdn: 'app.example.com', tls: { secretName: 'app-tls' } },
      routes: [
        {
          conditions: [{ prefix: '/helloworld.Greeter/' }, { header: { name: 'x-canary', exact: 'yes' } }],
          services: [
            { name: 'grpc', port: 50051, weight: 1 },
            { name: 'echo', port: 80, weight: 3 },
          ],
          timeoutPolicy: { response: '5s' },
          retryPolicy: { count: 2, retryOn: ['unavailable', 'cancelled'] },
        },
        { services: [{ name: 'grpc', port: 50051 }] },
      ],
    }),
  ]);

  it('publishes each HTTPProxy host as an API listener with RDS over ADS and only the router filter', () => {
    expect(decoded(t.resources, TypeUrl.Listener, 'app.example.com')).toEqual({
      name: 'app.example.com',
      api_listener: {
        api_listener: {
          '@type':
            'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
          stat_prefix: 'app.example.com',
          rds: {
            route_config_name: 'grpc/app.example.com',
            config_source: { ads: {}, resource_api_version: 'V3' },
          },
          http_filters: [
            {
              name: 'envoy.filters.http.router',
              typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' },
            },
          ],
        },
      },
    });
  });

  it('routes gRPC clients like Envoy behind TLS: same matches, weights, timeouts and retries, no redirects', () => {
    const grpc = decoded(t.resources, TypeUrl.RouteConfiguration, 'grpc/app.example.com');
    expect(virtualHostOf(grpc, 'app.example.com')?.['domains']).toEqual([
      'app.example.com',
      'app.example.com:*',
    ]);
    expect(routesOf(grpc, 'app.example.com')).toEqual(
      routesOf(decoded(t.resources, TypeUrl.RouteConfiguration, 'https/app.example.com'), 'app.example.com'),
    );
    expect(
      routesOf(decoded(t.resources, TypeUrl.RouteConfiguration, 'ingress_http'), 'app.example.com'),
    ).toEqual([
      { match: expect.anything() as unknown, redirect: { https_redirect: true } },
      { match: { prefix: '/' }, redirect: { https_redirect: true } },
    ]);
  });

  it('keeps the views apart: Envoys never see API listeners, gRPC clients never see sockets or keys', () => {
    const envoy = t.resources.filter((r) => r.audience === 'all' || r.audience === 'envoy');
    expect(envoy.filter((r) => r.typeUrl === TypeUrl.Listener).map((r) => r.name)).toEqual([
      'ingress_http',
      'ingress_https',
    ]);
    const grpc = grpcView(t.resources);
    expect(grpc.filter((r) => r.typeUrl === TypeUrl.Listener).map((r) => r.name)).toEqual([
      'app.example.com',
    ]);
    expect(grpc.map((r) => `${r.typeUrl.split('.').pop() ?? ''} ${r.name}`).sort()).toEqual([
      'Cluster default/echo/80/da39a3ee5e',
      'Cluster default/grpc/50051/da39a3ee5e',
      'ClusterLoadAssignment default/echo/http',
      'ClusterLoadAssignment default/grpc/grpc',
      'Listener app.example.com',
      'RouteConfiguration grpc/app.example.com',
    ]);
    // Shared pieces are shared: the clusters and endpoints are the same resources for both.
    expect(t.resources.filter((r) => r.typeUrl === TypeUrl.Cluster).map((r) => r.audience)).toEqual([
      'all',
      'all',
    ]);
    expect(danglingReferences(t.resources)).toEqual([]);
  });

  it('gives endpoints a weighted locality, which grpc-js-xds requires', () => {
    expect(decoded(t.resources, TypeUrl.ClusterLoadAssignment, 'default/grpc/grpc')).toMatchObject({
      endpoints: [{ locality: {}, load_balancing_weight: 1 }],
    });
  });

  it('passes grpc-js-xds validation', () => {
    expect(grpcRejections(t.resources)).toEqual([]);
  });

  it('leaves out of the gRPC view what grpc-js-xds refuses, and nothing else', () => {
    const rich = translate(
      [
        ...backends,
        service('tls-backend', [{ port: 443 }]),
        service('ext', [{ port: 443 }], { type: 'ExternalName' }),
        httpProxy('rich', {
          virtualhost: { fqdn: 'rich.example.com' },
          routes: [
            { conditions: [{ prefix: '/missing' }], services: [{ name: 'nowhere', port: 1 }] },
            {
              conditions: [{ prefix: '/q' }, { queryParameter: { name: 'v', exact: '1' } }],
              services: [{ name: 'echo', port: 80 }],
            },
            {
              conditions: [{ prefix: '/tls' }],
              services: [{ name: 'tls-backend', port: 443, protocol: 'tls' }],
            },
            {
              conditions: [{ prefix: '/lb' }],
              services: [{ name: 'echo', port: 80 }],
              loadBalancerPolicy: { strategy: 'Cookie' },
            },
            {
              conditions: [{ prefix: '/no-retry' }],
              services: [{ name: 'echo', port: 80 }],
              retryPolicy: { count: -1 },
            },
            {
              conditions: [{ prefix: '/mirror' }],
              services: [
                { name: 'echo', port: 80 },
                { name: 'grpc', port: 50051, mirror: true },
              ],
            },
          ],
        }),
        ingress('web', {
          rules: [
            { host: 'rich.example.com', http: { paths: [ingressPath('/segment', 'Prefix', 'echo', 80)] } },
          ],
        }),
      ],
      { enableExternalNameService: true },
    );
    expect(grpcRejections(rich.resources)).toEqual([]);
    expect(danglingReferences(rich.resources)).toEqual([]);
    const routes = routesOf(
      decoded(rich.resources, TypeUrl.RouteConfiguration, 'grpc/rich.example.com'),
      'rich.example.com',
    ) as {
      match: Record<string, unknown>;
      route: Record<string, unknown>;
    }[];
    expect(routes.map((r) => r.match)).toEqual([
      { safe_regex: { regex: '/segment(/.*)?' } },
      { prefix: '/no-retry' },
      { prefix: '/mirror' },
      { prefix: '/lb' },
    ]);
    expect(routes.map((r) => r.route)).toEqual([
      { cluster: ECHO },
      { cluster: ECHO },
      { cluster: ECHO },
      { cluster: ECHO },
    ]);
  });

  it('publishes no gRPC listener for an Ingress-only host, nor for a host without usable routes', () => {
    const only = translate([
      ...backends,
      ingress('web', {
        rules: [{ host: 'web.example.com', http: { paths: [ingressPath('/', 'Prefix', 'echo', 80)] } }],
      }),
    ]);
    expect(resourceNames(only.resources).lds).toEqual(['ingress_http']);
    const tcp = translate([
      ...backends,
      tlsSecret('app-tls', 'app.example.com'),
      httpProxy('tcp', {
        virtualhost: { fqdn: 'app.example.com', tls: { secretName: 'app-tls' } },
        tcpproxy: { services: [{ name: 'echo', port: 80 }] },
      }),
    ]);
    expect(resourceNames(tcp.resources).lds).toEqual(['ingress_http', 'ingress_https']);
  });
});
