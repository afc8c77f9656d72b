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
    request_headers_to_add: [
      {
        header: { key: 'x-request-start', value: 't=%START_TIME(%s.%3f)%' },
        append_action: 'APPEND_IF_EXISTS_OR_ADD',
      },
    ],
  };
}

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
  return {
    match,
    route: {
      ...(single === undefined
        ? { weighted_clusters: weightedClusters(action.clusters) }
        : { cluster: clusterName(single.cluster) }),
      ...routePolicy(action.policy),
      ...(requestHeaders.hostRewrite === '' ? {} : { host_rewrite_literal: requestHeaders.hostRewrite }),
      ...(action.mirror === undefined
        ? {}
        : {
            request_mirror_policies: [
              {
                cluster: clusterName(action.mirror.cluster),
                runtime_fraction: {
                  default_value: { numerator: action.mirror.percent, denominator: 'HUNDRED' },
                },
              },
            ],
          }),
    },
    ...headerOps('request', requestHeaders),
    ...headerOps('response', responseHeaders),
  };
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

function routePolicy(policy: RoutePolicy): Record<string, unknown> {
  const retry = policy.retry;
  return {
    ...(policy.timeout === undefined ? {} : { timeout: policy.timeout }),
    ...(policy.idleTimeout === undefined ? {} : { idle_timeout: policy.idleTimeout }),
    ...(retry === undefined
      ? {}
      : {
          retry_policy: {
            retry_on: retry.retryOn,
            num_retries: { value: retry.count },
            ...(retry.perTryTimeout === undefined ? {} : { per_try_timeout: retry.perTryTimeout }),
            ...(retry.retriableStatusCodes.length === 0
              ? {}
              : { retriable_status_codes: retry.retriableStatusCodes }),
          },
        }),
    ...(policy.websocket ? { upgrade_configs: [{ upgrade_type: 'websocket' }] } : {}),
    ...(policy.prefixRewrite === undefined ? {} : { prefix_rewrite: policy.prefixRewrite }),
    ...(policy.hashPolicies.length === 0 ? {} : { hash_policy: policy.hashPolicies.map(hashPolicy) }),
  };
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

function mergeOps(route: HeaderOps, service: HeaderOps): HeaderOps {
  const set = new Map(route.set.map((h) => [h.name, h.value]));
  for (const h of service.set) set.set(h.name, h.value);
  return {
    set: [...set].sort(([a], [b]) => compareStrings(a, b)).map(([name, value]) => ({ name, value })),
    remove: [...new Set([...route.remove, ...service.remove])].sort(compareStrings),
    hostRewrite: service.hostRewrite || route.hostRewrite,
  };
}

function headerOps(direction: 'request' | 'response', ops: HeaderOps): Record<string, unknown> {
  return {
    ...(ops.set.length === 0
      ? {}
      : {
          [`${direction}_headers_to_add`]: ops.set.map((h) => ({
            header: { key: h.name, value: h.value },
            append_action: 'OVERWRITE_IF_EXISTS_OR_ADD',
          })),
        }),
    ...(ops.remove.length === 0 ? {} : { [`${direction}_headers_to_remove`]: ops.remove }),
  };
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
    clusters: entries.map(({ c, name, weight }) => ({
      name,
      weight: { value: weight },
      ...headerOps('request', c.requestHeaders),
      ...headerOps('response', c.responseHeaders),
      ...(c.requestHeaders.hostRewrite === '' ? {} : { host_rewrite_literal: c.requestHeaders.hostRewrite }),
    })),
  };
}
