import type {
  HashPolicy,
  HeaderMatch,
  HeaderOps,
  PathMatch,
  QueryMatch,
  Route,
  RoutePolicy,
  WeightedCluster,
} from '../model/model.js';
import { compareStrings } from '../util/order.js';
import { encodedConstant } from './config-source.js';
import { clusterName, virtualHostName } from './names.js';

/** Which listener a route is rendered for: plaintext routes may redirect, TLS routes never do. */
export type RouteView = 'http' | 'https';

/**
 * A virtual host without its routes (they are encoded one by one and spliced in). Contour stamps every
 * request with `x-request-start` for upstream latency tracking.
 */
export function virtualHostShell(fqdn: string, domains: readonly string[] = [fqdn]): Record<string, unknown> {
  return {
    name: virtualHostName(fqdn),
    domains,
    request_headers_to_add: [requestStart()],
  };
}

const requestStart = encodedConstant('envoy.config.core.v3.HeaderValueOption', {
  header: { key: 'x-request-start', value: 't=%START_TIME(%s.%3f)%' },
  append_action: 'APPEND_IF_EXISTS_OR_ADD',
});

/**
 * A route configuration without its virtual hosts. Hosts match on any port (`ignore_port_in_host_matching`,
 * Contour ≥ 1.26), so the Host header reaches backends unchanged.
 */
export function routeConfigurationShell(name: string): Record<string, unknown> {
  return { name, ignore_port_in_host_matching: true };
}

/** One Envoy route. On the plaintext listener, a route that requires TLS answers with a redirect. */
export function envoyRoute(route: Route, view: RouteView): Record<string, unknown> {
  const match = routeMatch(route.match, route.headers, route.queryParams);
  if (view === 'http' && route.httpsRedirect) return { match, redirect: { https_redirect: true } };
  const action = route.action;
  if (action.kind === 'direct') return { match, direct_response: { status: action.status } };
  const [only] = action.clusters;
  const single = action.clusters.length === 1 && only !== undefined ? only : undefined;
  // A single destination's header policies apply to the whole route (Contour does the same).
  const requestHeaders =
    single === undefined
      ? action.policy.requestHeaders
      : mergeOps(action.policy.requestHeaders, single.requestHeaders);
  const responseHeaders =
    single === undefined
      ? action.policy.responseHeaders
      : mergeOps(action.policy.responseHeaders, single.responseHeaders);
  // Built by assignment rather than spreads: this runs for every route of every host.
  const routeAction: Record<string, unknown> =
    single === undefined
      ? { weighted_clusters: weightedClusters(action.clusters) }
      : { cluster: clusterName(single.cluster) };
  routePolicy(action.policy, routeAction);
  if (requestHeaders.hostRewrite !== '') routeAction['host_rewrite_literal'] = requestHeaders.hostRewrite;
  if (action.mirror !== undefined) {
    routeAction['request_mirror_policies'] = [
      {
        cluster: clusterName(action.mirror.cluster),
        runtime_fraction: {
          default_value: { numerator: action.mirror.percent, denominator: 'HUNDRED' },
        },
      },
    ];
  }
  const out: Record<string, unknown> = { match, route: routeAction };
  headerOps('request', requestHeaders, out);
  headerOps('response', responseHeaders, out);
  return out;
}

/** The match of a route: path specifier, header and query parameter matchers. */
export function routeMatch(
  path: PathMatch,
  headers: readonly HeaderMatch[],
  queryParams: readonly QueryMatch[],
): Record<string, unknown> {
  return {
    ...pathSpecifier(path),
    ...(headers.length === 0 ? {} : { headers: headers.map(headerMatcher) }),
    ...(queryParams.length === 0 ? {} : { query_parameters: queryParams.map(queryMatcher) }),
  };
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

/** An Envoy HeaderMatcher. */
export function headerMatcher(header: HeaderMatch): Record<string, unknown> {
  const flags = {
    ...(header.invert ? { invert_match: true } : {}),
    ...(header.treatMissingAsEmpty ? { treat_missing_header_as_empty: true } : {}),
  };
  if (header.kind === 'present') return { name: header.name, present_match: true, ...flags };
  const ignoreCase = header.ignoreCase ? { ignore_case: true } : {};
  const stringMatch =
    header.kind === 'regex'
      ? { safe_regex: { regex: header.value } }
      : { [header.kind]: header.value, ...ignoreCase };
  return { name: header.name, string_match: stringMatch, ...flags };
}

function queryMatcher(query: QueryMatch): Record<string, unknown> {
  if (query.kind === 'present') return { name: query.name, present_match: true };
  const stringMatch =
    query.kind === 'regex'
      ? { safe_regex: { regex: query.value } }
      : { [query.kind]: query.value, ...(query.ignoreCase ? { ignore_case: true } : {}) };
  return { name: query.name, string_match: stringMatch };
}

/** Adds the route policy's fields to a RouteAction. */
function routePolicy(policy: RoutePolicy, out: Record<string, unknown>): void {
  const retry = policy.retry;
  if (policy.timeout !== undefined) out['timeout'] = policy.timeout;
  if (policy.idleTimeout !== undefined) out['idle_timeout'] = policy.idleTimeout;
  if (retry !== undefined) {
    const retryPolicy: Record<string, unknown> = {
      retry_on: retry.retryOn,
      num_retries: { value: retry.count },
    };
    if (retry.perTryTimeout !== undefined) retryPolicy['per_try_timeout'] = retry.perTryTimeout;
    if (retry.retriableStatusCodes.length > 0)
      retryPolicy['retriable_status_codes'] = retry.retriableStatusCodes;
    out['retry_policy'] = retryPolicy;
  }
  if (policy.websocket) out['upgrade_configs'] = [{ upgrade_type: 'websocket' }];
  if (policy.prefixRewrite !== undefined) out['prefix_rewrite'] = policy.prefixRewrite;
  if (policy.hashPolicies.length > 0) out['hash_policy'] = policy.hashPolicies.map(hashPolicy);
}

function hashPolicy(policy: HashPolicy): Record<string, unknown> {
  const terminal = policy.terminal ? { terminal: true } : {};
  switch (policy.kind) {
    case 'cookie':
      return { cookie: { name: policy.name, ttl: { seconds: 0 }, path: '/' }, ...terminal };
    case 'header':
      return { header: { header_name: policy.name }, ...terminal };
    case 'query':
      return { query_parameter: { name: policy.name }, ...terminal };
    case 'sourceIp':
      return { connection_properties: { source_ip: true }, ...terminal };
  }
}

const NO_STRINGS: readonly string[] = [];

function mergeOps(route: HeaderOps, service: HeaderOps): HeaderOps {
  // The usual case, nothing to merge, keeps the route's own (already sorted) lists.
  if (service.set.length === 0 && service.remove.length === 0 && service.hostRewrite === '') {
    if (route.set.length === 0 && route.remove.length === 0) return route;
  }
  const set = new Map(route.set.map((h) => [h.name, h.value]));
  for (const h of service.set) set.set(h.name, h.value);
  return {
    set: [...set].sort(([a], [b]) => compareStrings(a, b)).map(([name, value]) => ({ name, value })),
    remove:
      route.remove.length + service.remove.length === 0
        ? NO_STRINGS
        : [...new Set([...route.remove, ...service.remove])].sort(compareStrings),
    hostRewrite: service.hostRewrite || route.hostRewrite,
  };
}

/** Adds the header additions and removals of one direction to `out`. */
function headerOps(direction: 'request' | 'response', ops: HeaderOps, out: Record<string, unknown>): void {
  if (ops.set.length > 0) {
    out[`${direction}_headers_to_add`] = ops.set.map((h) => ({
      header: { key: h.name, value: h.value },
      append_action: 'OVERWRITE_IF_EXISTS_OR_ADD',
    }));
  }
  if (ops.remove.length > 0) out[`${direction}_headers_to_remove`] = ops.remove;
}

/**
 * Several destinations are weighted (Contour's weightedClusters): when no weight is set at all, traffic
 * is split evenly. Sorted by name, then weight.
 */
export function weightedClusters(clusters: readonly WeightedCluster[]): Record<string, unknown> {
  const total = clusters.reduce((sum, c) => sum + c.weight, 0);
  const entries = clusters
    .map((c) => ({ c, name: clusterName(c.cluster), weight: total === 0 ? 1 : c.weight }))
    .sort((a, b) => compareStrings(a.name, b.name) || a.weight - b.weight);
  return {
    clusters: entries.map(({ c, name, weight }) => {
      const entry: Record<string, unknown> = { name, weight: { value: weight } };
      headerOps('request', c.requestHeaders, entry);
      headerOps('response', c.responseHeaders, entry);
      if (c.requestHeaders.hostRewrite !== '') entry['host_rewrite_literal'] = c.requestHeaders.hostRewrite;
      return entry;
    }),
  };
}
