import { encodeResource, TypeUrl, type Audience, type Resource } from '@sesame/shared';
import type { Cluster, Model, TlsSecret, Upstream } from '../model/model.js';
import { compareStrings } from '../util/order.js';
import { envoyCluster } from './cluster.js';
import { clusterLoadAssignment } from './endpoint.js';
import { httpListener, httpsListener } from './listener.js';
import {
  clusterName,
  edsServiceName,
  LISTENER_HTTP,
  LISTENER_HTTPS,
  ROUTE_CONFIG_HTTP,
  secretName,
  secureRouteConfigName,
} from './names.js';
import { routeConfiguration } from './route.js';
import { tlsCertificateSecret } from './secret.js';

/**
 * Turns the model into encoded Envoy resources (Contour's xdscache): listeners, route configurations, and
 * exactly the clusters, endpoints and secrets those reference, so the set is consistent by construction.
 * `ingress_http` and its route configuration always exist; `ingress_https` only with a secure virtual host.
 * Listeners and secrets are for Envoy only: proxyless gRPC clients never see sockets or keys.
 */
export function envoyResources(model: Model): Resource[] {
  const clusters = new Map<string, Cluster>();
  const upstreams = new Map<string, Upstream>();
  const onCluster = (cluster: Cluster): void => {
    clusters.set(clusterName(cluster), cluster);
    upstreams.set(edsServiceName(cluster.upstream), cluster.upstream);
  };
  const resources: Resource[] = [];
  const add = (
    typeUrl: TypeUrl,
    name: string,
    message: Record<string, unknown>,
    audience: Audience = 'all',
  ): void => {
    resources.push(encodeResource({ typeUrl, name, message, audience }));
  };

  add(TypeUrl.Listener, LISTENER_HTTP, httpListener(), 'envoy');
  add(
    TypeUrl.RouteConfiguration,
    ROUTE_CONFIG_HTTP,
    routeConfiguration({
      name: ROUTE_CONFIG_HTTP,
      virtualHosts: model.virtualHosts,
      plaintext: true,
      onCluster,
    }),
  );
  const secrets = new Map<string, TlsSecret>();
  for (const vhost of model.secureVirtualHosts) {
    const name = secureRouteConfigName(vhost.fqdn);
    add(
      TypeUrl.RouteConfiguration,
      name,
      routeConfiguration({ name, virtualHosts: [vhost], plaintext: false, onCluster }),
    );
    secrets.set(secretName(vhost.secret), vhost.secret);
  }
  if (model.secureVirtualHosts.length > 0) {
    add(TypeUrl.Listener, LISTENER_HTTPS, httpsListener(model.secureVirtualHosts), 'envoy');
  }
  for (const [name, cluster] of sorted(clusters)) add(TypeUrl.Cluster, name, envoyCluster(cluster));
  for (const [name, upstream] of sorted(upstreams)) {
    add(TypeUrl.ClusterLoadAssignment, name, clusterLoadAssignment(upstream));
  }
  for (const [name, secret] of sorted(secrets))
    add(TypeUrl.Secret, name, tlsCertificateSecret(secret), 'envoy');
  return resources;
}

function sorted<T>(map: ReadonlyMap<string, T>): [string, T][] {
  return [...map].sort(([a], [b]) => compareStrings(a, b));
}
