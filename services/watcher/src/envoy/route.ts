import type { Cluster, HeaderMatch, PathMatch, Route, VirtualHost } from '../model/model.js';
import { compareStrings } from '../util/order.js';
import { clusterName, virtualHostName } from './names.js';

/** Receives every cluster a rendered route sends traffic to, so only referenced clusters are emitted. */
export type ClusterSink = (cluster: Cluster) => void;

/**
 * A RouteConfiguration. Hosts match on any port (`ignore_port_in_host_matching`, Contour ≥ 1.26), so the Host
 * header reaches backends unchanged. On the plaintext listener (`plaintext: true`), routes that require TLS
 * answer with a redirect to https.
 */
export function routeConfiguration(options: {
  name: string;
  virtualHosts: readonly VirtualHost[];
  plaintext: boolean;
  onCluster: ClusterSink;
}): Record<string, unknown> {
  return {
    name: options.name,
    virtual_hosts: options.virtualHosts.map((vhost) => ({
      name: virtualHostName(vhost.fqdn),
      domains: [vhost.fqdn],
      routes: vhost.routes.map((route) => envoyRoute(route, options.plaintext, options.onCluster)),
    })),
    ignore_port_in_host_matching: true,
  };
}

function envoyRoute(route: Route, plaintext: boolean, onCluster: ClusterSink): Record<string, unknown> {
  const match = {
    ...pathSpecifier(route.match),
    ...(route.headers.length === 0 ? {} : { headers: route.headers.map(headerMatcher) }),
  };
  if (plaintext && route.httpsRedirect) return { match, redirect: { https_redirect: true } };
  switch (route.action.kind) {
    case 'direct':
      return { match, direct_response: { status: route.action.status } };
    case 'forward':
      for (const cluster of route.action.clusters) onCluster(cluster);
      return { match, route: routeAction(route.action.clusters) };
  }
}

function pathSpecifier(match: PathMatch): Record<string, unknown> {
  switch (match.kind) {
    case 'prefix':
      return match.segment ? { path_separated_prefix: match.prefix } : { prefix: match.prefix };
    case 'exact':
      return { path: match.path };
    case 'regex':
      return { safe_regex: { regex: match.regex } };
  }
}

function headerMatcher(header: HeaderMatch): Record<string, unknown> {
  return { name: header.name, string_match: { safe_regex: { regex: header.value } } };
}

/**
 * One cluster is routed to directly; several are weighted (Contour's weightedClusters): when no weight is
 * set at all, traffic is split evenly. Weighted clusters are sorted by name, then weight.
 */
function routeAction(clusters: readonly Cluster[]): Record<string, unknown> {
  const [only] = clusters;
  if (clusters.length === 1 && only !== undefined) return { cluster: clusterName(only) };
  const total = clusters.reduce((sum, c) => sum + c.weight, 0);
  const weighted = clusters
    .map((c) => ({ name: clusterName(c), weight: total === 0 ? 1 : c.weight }))
    .sort((a, b) => compareStrings(a.name, b.name) || a.weight - b.weight);
  // `weight` is a UInt32Value wrapper.
  return {
    weighted_clusters: { clusters: weighted.map((c) => ({ name: c.name, weight: { value: c.weight } })) },
  };
}
