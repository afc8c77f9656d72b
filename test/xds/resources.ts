// Real Envoy v3 resources for tests, encoded with the shared codec: a listener routing through RDS over ADS,
// route configurations, EDS clusters, their endpoints and TLS secrets. Every builder takes a knob that changes
// the encoded bytes, so a test can make "the same resource, changed".
import {
  createSnapshot,
  diffSnapshots,
  encodeResource,
  fullChange,
  TypeUrl,
  type Audience,
  type Resource,
  type Snapshot,
  type SnapshotUpdate,
} from '@sesame/shared';

const ADS_SOURCE = { ads: {}, resource_api_version: 'V3' };

/**
 * A listener on `port` whose HTTP connection manager takes route configuration `routeConfig` from RDS, or with
 * the given `filterChains` (proto field names) instead.
 */
export function listener(
  name: string,
  options: { port?: number; routeConfig?: string; audience?: Audience; filterChains?: unknown[] } = {},
): Resource {
  return encodeResource({
    typeUrl: TypeUrl.Listener,
    name,
    audience: options.audience,
    message: {
      name,
      address: { socket_address: { address: '0.0.0.0', port_value: options.port ?? 8080 } },
      filter_chains: options.filterChains ?? [
        {
          filters: [
            {
              name: 'envoy.filters.network.http_connection_manager',
              typed_config: {
                '@type':
                  'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
                stat_prefix: name,
                rds: { config_source: ADS_SOURCE, route_config_name: options.routeConfig ?? name },
                http_filters: [
                  {
                    name: 'envoy.filters.http.router',
                    typed_config: {
                      '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router',
                    },
                  },
                ],
              },
            },
          ],
        },
      ],
    },
  });
}

/** A route configuration sending `prefix` on every host to `cluster`. */
export function routeConfig(
  name: string,
  options: { cluster?: string; prefix?: string; audience?: Audience } = {},
): Resource {
  return encodeResource({
    typeUrl: TypeUrl.RouteConfiguration,
    name,
    audience: options.audience,
    message: {
      name,
      ignore_port_in_host_matching: true,
      virtual_hosts: [
        {
          name: `${name}/vhost`,
          domains: ['*'],
          routes: [
            { match: { prefix: options.prefix ?? '/' }, route: { cluster: options.cluster ?? 'default' } },
          ],
        },
      ],
    },
  });
}

/** An EDS cluster over ADS; its endpoints are the ClusterLoadAssignment named `serviceName` (or `name`). */
export function cluster(
  name: string,
  options: { serviceName?: string; connectTimeoutSeconds?: number; audience?: Audience } = {},
): Resource {
  return encodeResource({
    typeUrl: TypeUrl.Cluster,
    name,
    audience: options.audience,
    message: {
      name,
      type: 'EDS',
      connect_timeout: { seconds: options.connectTimeoutSeconds ?? 5 },
      eds_cluster_config: {
        eds_config: ADS_SOURCE,
        ...(options.serviceName === undefined ? {} : { service_name: options.serviceName }),
      },
    },
  });
}

/** A ClusterLoadAssignment with one endpoint per port on 127.0.0.1. */
export function endpoints(
  name: string,
  options: { ports?: readonly number[]; host?: string; audience?: Audience } = {},
): Resource {
  return encodeResource({
    typeUrl: TypeUrl.ClusterLoadAssignment,
    name,
    audience: options.audience,
    message: {
      cluster_name: name,
      endpoints: [
        {
          lb_endpoints: (options.ports ?? [9000]).map((port) => ({
            endpoint: {
              address: { socket_address: { address: options.host ?? '127.0.0.1', port_value: port } },
            },
          })),
        },
      ],
    },
  });
}

/** A TLS certificate secret (placeholder PEM text: the edge never looks inside). */
export function secret(name: string, options: { serial?: number; audience?: Audience } = {}): Resource {
  const pem = (label: string): string =>
    `-----BEGIN ${label}-----\n${name}:${options.serial ?? 1}\n-----END ${label}-----\n`;
  return encodeResource({
    typeUrl: TypeUrl.Secret,
    name,
    audience: options.audience,
    message: {
      name,
      tls_certificate: {
        certificate_chain: { inline_string: pem('CERTIFICATE') },
        private_key: { inline_string: pem('PRIVATE KEY') },
      },
    },
  });
}

/** A snapshot of the given resources; throws on duplicates (a test bug). */
export function snapshotOf(resources: Iterable<Resource>): Snapshot {
  const result = createSnapshot(resources);
  if (!result.ok) throw new Error(`invalid test snapshot: ${result.errors.join('; ')}`);
  return result.value;
}

/** Turns successive resource sets into what a bus subscriber receives: a full state first, then diffs. */
export function updateSequence(): (resources: Iterable<Resource>) => SnapshotUpdate {
  let previous: Snapshot | undefined;
  return (resources) => {
    const snapshot = snapshotOf(resources);
    const change = previous === undefined ? fullChange(snapshot) : diffSnapshots(previous, snapshot);
    previous = snapshot;
    return { snapshot, change };
  };
}

/** A small consistent configuration: listener → route → cluster → endpoints, plus one secret. */
export function basicResources(): Resource[] {
  return [
    listener('ingress_http', { routeConfig: 'ingress_http' }),
    routeConfig('ingress_http', { cluster: 'default/echo/80/da39a3ee5e' }),
    cluster('default/echo/80/da39a3ee5e', { serviceName: 'default/echo/http' }),
    endpoints('default/echo/http', { ports: [9000] }),
    secret('default/tls/0123456789'),
  ];
}
