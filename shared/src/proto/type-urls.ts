/** The xDS v3 resource types Sesame serves, by their `type.googleapis.com` URL. */
export const TypeUrl = {
  Listener: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  RouteConfiguration: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
  Cluster: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  ClusterLoadAssignment: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
  Secret: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret',
} as const;

/** One of the served resource type URLs. */
export type TypeUrl = (typeof TypeUrl)[keyof typeof TypeUrl];

/** Every served type, in make-before-break order (clusters, endpoints, listeners, routes, secrets last). */
export const TYPE_URLS: readonly TypeUrl[] = [
  TypeUrl.Cluster,
  TypeUrl.ClusterLoadAssignment,
  TypeUrl.Listener,
  TypeUrl.RouteConfiguration,
  TypeUrl.Secret,
];

/** Short names used by the CLI and in logs and metrics. */
export const TYPE_SHORT_NAMES: Readonly<Record<TypeUrl, 'lds' | 'rds' | 'cds' | 'eds' | 'sds'>> = {
  [TypeUrl.Listener]: 'lds',
  [TypeUrl.RouteConfiguration]: 'rds',
  [TypeUrl.Cluster]: 'cds',
  [TypeUrl.ClusterLoadAssignment]: 'eds',
  [TypeUrl.Secret]: 'sds',
};

const TYPE_URL_SET: ReadonlySet<string> = new Set(TYPE_URLS);

/** True when `value` is a v3 type URL that Sesame serves. */
export function isTypeUrl(value: string): value is TypeUrl {
  return TYPE_URL_SET.has(value);
}

/** The fully qualified protobuf message name behind a type URL. */
export function messageName(typeUrl: string): string {
  const slash = typeUrl.lastIndexOf('/');
  return slash === -1 ? typeUrl : typeUrl.slice(slash + 1);
}
