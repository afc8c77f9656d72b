import { internCluster } from '../model/clusters.js';
import { escapeRegex } from '../model/match.js';
import type { Cluster, Route } from '../model/model.js';

const grpcClusters = new WeakMap<Cluster, Cluster | null>();

/**
 * The cluster proxyless gRPC clients use in place of `cluster`, or undefined when they cannot use one.
 * grpc-js-xds accepts EDS clusters with ROUND_ROBIN or RING_HASH and refuses upstream TLS without its own
 * certificate providers, so: TLS and ExternalName upstreams are left out, and every strategy becomes round
 * robin (Contour's hash policies mean nothing to a gRPC channel). A cluster that already qualifies is shared.
 */
export function grpcCluster(cluster: Cluster): Cluster | undefined {
  let found = grpcClusters.get(cluster);
  if (found === undefined) {
    if (cluster.upstream.externalName !== '' || cluster.protocol === 'tls' || cluster.protocol === 'h2')
      found = null;
    else if (cluster.lbStrategy === 'RoundRobin') found = cluster;
    else {
      const { upstream, ...settings } = cluster;
      found = internCluster(upstream, { ...settings, lbStrategy: 'RoundRobin' });
    }
    grpcClusters.set(cluster, found);
  }
  return found ?? undefined;
}

const grpcRoutes = new WeakMap<Route, Route | null>();

/**
 * A route as proxyless gRPC clients get it, or undefined when they cannot follow it. grpc-js-xds refuses
 * redirects, direct responses and segment prefixes, and never sees query strings; it honours path, header
 * and weight matching, timeouts and retries (of at least one attempt).
 */
export function grpcRoute(route: Route): Route | undefined {
  let found = grpcRoutes.get(route);
  if (found === undefined) {
    found = convert(route) ?? null;
    grpcRoutes.set(route, found);
  }
  return found ?? undefined;
}

function convert(route: Route): Route | undefined {
  const action = route.action;
  if (action.kind !== 'forward' || route.queryParams.length > 0) return undefined;
  const mapped = action.clusters.map((wc) => grpcCluster(wc.cluster));
  // Most clusters qualify as they are: then the route's own list serves, and no copy is made.
  const sameClusters = mapped.every((cluster, i) => cluster === action.clusters[i]?.cluster);
  const clusters = sameClusters
    ? action.clusters
    : action.clusters.flatMap((wc, i) => {
        const cluster = mapped[i];
        return cluster === undefined ? [] : [{ ...wc, cluster }];
      });
  if (clusters.length === 0) return undefined;
  const segment = route.match.kind === 'prefix' && route.match.segment;
  const { retry, ...policy } = action.policy;
  // A redirecting route is still shared: the gRPC view is rendered as the TLS listener's, which never
  // redirects, so its encoding is the one the TLS listener already has.
  const unchanged =
    !segment &&
    action.mirror === undefined &&
    action.policy.hashPolicies.length === 0 &&
    (retry === undefined || retry.count > 0) &&
    sameClusters;
  // Most routes need no change: sharing the object shares its encoding with Envoy's view.
  if (unchanged) return route;
  const match = segment
    ? {
        kind: 'regex' as const,
        regex: `${escapeRegex(route.match.kind === 'prefix' ? route.match.prefix : '')}(/.*)?`,
      }
    : route.match;
  return {
    ...route,
    match,
    action: {
      kind: 'forward',
      clusters,
      policy: { ...policy, ...(retry === undefined || retry.count === 0 ? {} : { retry }), hashPolicies: [] },
    },
    httpsRedirect: false,
  };
}

/** Domains of a gRPC virtual host: clients match their target authority, which may carry a port. */
export function grpcDomains(fqdn: string): string[] {
  return [fqdn, `${fqdn}:*`];
}
