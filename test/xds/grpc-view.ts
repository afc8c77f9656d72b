// Hand-built resources of the gRPC view (audience 'grpc'), as a proxyless gRPC client (@grpc/grpc-js-xds)
// expects them: an API listener named by the service's fqdn whose HTTP connection manager takes its routes
// from RDS over ADS with only the router filter, a route configuration, EDS clusters and their endpoints
// (each locality with a load-balancing weight, which gRPC requires).
import { encodeResource, TypeUrl, type HostPort, type Resource } from '@sesame/shared';

const ADS = { ads: {}, resource_api_version: 'V3' };
const HCM =
  'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';

/** A route of the virtual host: a header to match (else every request) and where it goes. */
export interface GrpcRoute {
  readonly header?: { readonly name: string; readonly exact: string };
  /** One cluster, or clusters with weights. */
  readonly to: string | ReadonlyArray<{ readonly cluster: string; readonly weight: number }>;
}

/** The API listener `fqdn` (the target a client dials as `xds:///fqdn`), routed by RDS `routeConfig`. */
export function apiListener(fqdn: string, routeConfig: string): Resource {
  return encodeResource({
    typeUrl: TypeUrl.Listener,
    name: fqdn,
    audience: 'grpc',
    message: {
      name: fqdn,
      api_listener: {
        api_listener: {
          '@type': HCM,
          stat_prefix: fqdn,
          rds: { config_source: ADS, route_config_name: routeConfig },
          http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER } }],
        },
      },
    },
  });
}

/** A route configuration with one virtual host for `domain`. */
export function grpcRouteConfig(name: string, domain: string, routes: readonly GrpcRoute[]): Resource {
  return encodeResource({
    typeUrl: TypeUrl.RouteConfiguration,
    name,
    audience: 'grpc',
    message: {
      name,
      virtual_hosts: [
        {
          name: domain,
          domains: [domain],
          routes: routes.map((r) => ({
            match: {
              prefix: '',
              ...(r.header === undefined
                ? {}
                : { headers: [{ name: r.header.name, exact_match: r.header.exact }] }),
            },
            route:
              typeof r.to === 'string'
                ? { cluster: r.to }
                : {
                    weighted_clusters: {
                      clusters: r.to.map((w) => ({ name: w.cluster, weight: { value: w.weight } })),
                    },
                  },
          })),
        },
      ],
    },
  });
}

/** A round-robin EDS cluster over ADS and its endpoints (one locality, weight 1). */
export function grpcBackend(name: string, endpoints: readonly HostPort[]): Resource[] {
  return [
    encodeResource({
      typeUrl: TypeUrl.Cluster,
      name,
      audience: 'grpc',
      message: {
        name,
        type: 'EDS',
        lb_policy: 'ROUND_ROBIN',
        connect_timeout: { seconds: 2 },
        eds_cluster_config: { eds_config: ADS, service_name: name },
      },
    }),
    encodeResource({
      typeUrl: TypeUrl.ClusterLoadAssignment,
      name,
      audience: 'grpc',
      message: {
        cluster_name: name,
        endpoints: [
          {
            locality: { region: 'test' },
            load_balancing_weight: { value: 1 },
            lb_endpoints: endpoints.map((e) => ({
              endpoint: { address: { socket_address: { address: e.host, port_value: e.port } } },
            })),
          },
        ],
      },
    }),
  ];
}
