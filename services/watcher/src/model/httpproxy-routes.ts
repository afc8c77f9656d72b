import { nsName, type HTTPProxy, type MatchCondition, type ProxyRoute } from '../kube/kinds.js';
import type { ConditionRecorder, ConditionSink } from './conditions.js';
import { serviceCluster, type ClusterSettings } from './clusters.js';
import { wildcardHostMatch } from './match.js';
import type { Writable } from '../util/memo.js';
import type { Origin, Route, RouteAction, RoutePolicy, WeightedCluster } from './model.js';
import {
  conditionsKey,
  headerConditionsProblem,
  headerMatches,
  includeConditionsProblem,
  mergePathMatch,
  pathConditionsProblem,
  queryConditionsProblem,
  queryMatches,
} from './proxy-conditions.js';
import { expandPrefixMatches } from './prefix-rewrite.js';
import { headersPolicy, healthCheck, loadBalancing, retryPolicy, timeoutPolicy } from './route-policy.js';
import type { World } from './world.js';

/** The proxy a route set is computed for, and what it inherits. */
interface RouteContext {
  readonly world: World;
  readonly sink: ConditionSink;
  /** The root's fqdn (wildcard hosts add an authority match to every route). */
  readonly fqdn: string;
  /** Whether plaintext requests are redirected to https (the root terminates or passes TLS through). */
  readonly enforceTls: boolean;
}

/** The origin of an HTTPProxy. */
export function proxyOrigin(proxy: HTTPProxy): Origin {
  return { kind: 'HTTPProxy', namespace: proxy.meta.namespace, name: proxy.meta.name };
}

/**
 * Contour's computeRoutes: the routes of `proxy` and of everything it includes, under `conditions`. A
 * problem in a route or a fatal unsupported field of `proxy` drops all of `proxy`'s routes (undefined), as
 * in Contour; a missing include answers 502 under its conditions; an unresolved service drops that service
 * and a route left without any answers 503.
 */
export function computeRoutes(
  ctx: RouteContext,
  proxy: HTTPProxy,
  conditions: readonly MatchCondition[],
  visited: readonly HTTPProxy[],
): Route[] | undefined {
  const cond = ctx.sink.for(proxyOrigin(proxy));
  if (visited.some((v) => v.meta.namespace === proxy.meta.namespace && v.meta.name === proxy.meta.name)) {
    const path = [...visited, proxy].map((p) => nsName(p.meta.namespace, p.meta.name)).join(' -> ');
    cond.error('IncludeError', 'IncludeCreatesCycle', `include creates an include cycle: ${path}`);
    return undefined;
  }
  const chain = [...visited, proxy];
  if (visited.length > 0 && !unsupportedFields(proxy, cond)) return undefined;
  const routes: Route[] = [];
  const seen = new Set<string>();
  for (const include of proxy.includes) {
    const namespace = include.namespace === '' ? proxy.meta.namespace : include.namespace;
    const problem = includeConditionsProblem(include.conditions) ?? pathConditionsProblem(include.conditions);
    if (problem !== undefined) {
      cond.error('IncludeError', 'PathMatchConditionsNotValid', `include: ${problem}`);
      continue;
    }
    const headerProblem = headerConditionsProblem(include.conditions);
    if (headerProblem !== undefined) {
      cond.error('RouteError', 'HeaderMatchConditionsNotValid', headerProblem);
      continue;
    }
    const queryProblem = queryConditionsProblem(include.conditions);
    if (queryProblem !== undefined) {
      cond.error('RouteError', 'QueryParameterMatchConditionsNotValid', queryProblem);
      continue;
    }
    const key = conditionsKey(include.conditions);
    if (seen.has(key)) {
      cond.error('IncludeError', 'DuplicateMatchConditions', 'duplicate conditions defined on an include');
      continue;
    }
    seen.add(key);
    const all = [...conditions, ...include.conditions];
    const included = ctx.world.proxy(namespace, include.name);
    if (included === undefined) {
      cond.error('IncludeError', 'IncludeNotFound', `include ${namespace}/${include.name} not found`);
      if (include.conditions.length > 0) routes.push(badGateway(ctx, proxy, all));
      continue;
    }
    if (included.virtualhost !== undefined) {
      cond.error(
        'IncludeError',
        'RootIncludesRoot',
        `root httpproxy cannot include another root httpproxy (${namespace}/${include.name})`,
      );
      if (include.conditions.length > 0) routes.push(badGateway(ctx, proxy, all));
      continue;
    }
    routes.push(...(computeRoutes(ctx, included, all, chain) ?? []));
  }
  for (const [i, route] of proxy.routes.entries()) {
    const built = buildRoute(ctx, proxy, route, [...conditions, ...route.conditions], cond, i);
    if (built === undefined) return undefined;
    routes.push(...built);
  }
  return expandPrefixMatches(routes);
}

const FATAL_MESSAGE = 'is not supported by Sesame';

/** Reports a proxy's unsupported fields; false when one of them is fatal (the proxy's routes are dropped). */
export function unsupportedFields(proxy: HTTPProxy, cond: ConditionRecorder): boolean {
  let ok = true;
  for (const field of proxy.unsupported) {
    if (field.fatal) {
      cond.error('SpecError', 'NotSupported', `${field.path} ${FATAL_MESSAGE}; the HTTPProxy is not served`);
      ok = false;
    } else {
      cond.warning('SpecError', 'IgnoredField', `ignoring field ${field.path}: not supported by Sesame`);
    }
  }
  return ok;
}

function badGateway(ctx: RouteContext, proxy: HTTPProxy, conditions: readonly MatchCondition[]): Route {
  return {
    match: mergePathMatch(conditions),
    headers: withAuthority(ctx, headerMatches(conditions)),
    queryParams: queryMatches(conditions),
    action: { kind: 'direct', status: 502 },
    httpsRedirect: false,
    origin: proxyOrigin(proxy),
  };
}

function withAuthority(ctx: RouteContext, headers: Route['headers']): Route['headers'] {
  return ctx.fqdn.startsWith('*.') ? [...headers, wildcardHostMatch(ctx.fqdn)] : headers;
}

/** One route (two when a prefix rewrite needs both slash forms); undefined invalidates the route set. */
function buildRoute(
  ctx: RouteContext,
  proxy: HTTPProxy,
  route: ProxyRoute,
  conditions: readonly MatchCondition[],
  cond: ConditionRecorder,
  index: number,
): Route[] | undefined {
  if (route.services.length === 0) {
    cond.error(
      'RouteError',
      'RouteActionCountNotValid',
      `route ${index}: must set at least one of route.services`,
    );
    return undefined;
  }
  const pathProblem = pathConditionsProblem(route.conditions);
  if (pathProblem !== undefined) {
    cond.error('RouteError', 'PathMatchConditionsNotValid', `route: ${pathProblem}`);
    return undefined;
  }
  const headerProblem = headerConditionsProblem(conditions);
  if (headerProblem !== undefined) {
    cond.error('RouteError', 'HeaderMatchConditionsNotValid', headerProblem);
    return undefined;
  }
  const queryProblem = queryConditionsProblem(conditions);
  if (queryProblem !== undefined) {
    cond.error('RouteError', 'QueryParameterMatchConditionsNotValid', queryProblem);
    return undefined;
  }
  const variables = { CONTOUR_NAMESPACE: proxy.meta.namespace };
  const requestHeaders = headersPolicy(route.requestHeadersPolicy, true, variables);
  if (!requestHeaders.ok) {
    cond.error('RouteError', 'RequestHeadersPolicyInvalid', `${requestHeaders.errors} on request headers`);
    return undefined;
  }
  const responseHeaders = headersPolicy(route.responseHeadersPolicy, false, variables);
  if (!responseHeaders.ok) {
    cond.error('RouteError', 'ResponseHeaderPolicyInvalid', `${responseHeaders.errors} on response headers`);
    return undefined;
  }
  const timeouts = timeoutPolicy(route.timeoutPolicy);
  if (!timeouts.ok) {
    cond.error(
      'RouteError',
      'TimeoutPolicyNotValid',
      `route.timeoutPolicy failed to parse: ${timeouts.errors}`,
    );
    return undefined;
  }
  const retry = retryPolicy(route.retryPolicy);
  if (!retry.ok) {
    cond.error('RouteError', 'RetryPolicyNotValid', `route.retryPolicy is invalid: ${retry.errors}`);
    return undefined;
  }
  const lb = loadBalancing(route.loadBalancerPolicy, cond);
  const match = mergePathMatch(conditions);
  let prefixRewrite: string | undefined;
  const replacements = route.pathRewritePolicy?.replacePrefix ?? [];
  if (replacements.length > 0) {
    if (match.kind !== 'prefix') {
      cond.error(
        'PrefixReplaceError',
        'MustHavePrefix',
        'cannot specify prefix replacements without a prefix condition',
      );
      return undefined;
    }
    const seen = new Set<string>();
    for (const r of replacements) {
      if (seen.has(r.prefix)) {
        const [reason, message] =
          r.prefix === ''
            ? ['AmbiguousReplacement', 'ambiguous prefix replacement']
            : ['DuplicateReplacement', `duplicate replacement prefix '${r.prefix}'`];
        cond.error('PrefixReplaceError', reason, message);
        return undefined;
      }
      seen.add(r.prefix);
    }
    prefixRewrite =
      replacements.find((r) => r.prefix !== '' && r.prefix === match.prefix)?.replacement ??
      replacements.find((r) => r.prefix === '')?.replacement;
  }
  const health = healthCheck(route.healthCheckPolicy, 'http');
  if (!health.ok) {
    cond.error('RouteError', 'HealthCheckPolicyInvalid', health.errors);
    return undefined;
  }
  // Built by assignment rather than conditional spreads: this runs for every route of every proxy.
  const settings: Writable<ClusterSettings> = { lbStrategy: lb.strategy, routeHeaders: requestHeaders.value };
  if (health.value !== undefined) settings.healthCheck = health.value;
  if (timeouts.value.idleConnection !== undefined)
    settings.idleConnectionTimeout = timeouts.value.idleConnection;
  const clusters: WeightedCluster[] = [];
  let mirror: { cluster: WeightedCluster['cluster']; percent: number } | undefined;
  for (const service of route.services) {
    const wc = serviceCluster(ctx.world, proxy.meta.namespace, service, settings, cond, {
      errorType: 'ServiceError',
      field: 'Spec.Routes',
    });
    if (wc === 'fatal') return undefined;
    if (wc === 'skip') continue;
    if (service.mirror) {
      if (mirror !== undefined) {
        cond.error('ServiceError', 'OnlyOneMirror', 'only one service per route may be nominated as mirror');
        return undefined;
      }
      // Contour: an omitted (or zero) weight mirrors everything.
      mirror = {
        cluster: wc.cluster,
        percent: service.weight === undefined || service.weight === 0 ? 100 : Math.min(service.weight, 100),
      };
    } else {
      clusters.push(wc);
    }
  }
  const policy: Writable<RoutePolicy> = {
    websocket: route.enableWebsockets,
    hashPolicies: lb.hashPolicies,
    requestHeaders: requestHeaders.value,
    responseHeaders: responseHeaders.value,
  };
  if (timeouts.value.response !== undefined) policy.timeout = timeouts.value.response;
  if (timeouts.value.idle !== undefined) policy.idleTimeout = timeouts.value.idle;
  if (retry.value !== undefined) policy.retry = retry.value;
  if (prefixRewrite !== undefined) policy.prefixRewrite = prefixRewrite;
  let action: RouteAction = { kind: 'direct', status: 503 };
  if (clusters.length > 0)
    action =
      mirror === undefined
        ? { kind: 'forward', clusters, policy }
        : { kind: 'forward', clusters, mirror, policy };
  const permitInsecure = route.permitInsecure && ctx.world.options.disablePermitInsecure !== true;
  return [
    {
      match,
      headers: withAuthority(ctx, headerMatches(conditions)),
      queryParams: queryMatches(conditions),
      action,
      httpsRedirect: ctx.enforceTls && !permitInsecure,
      origin: proxyOrigin(proxy),
    },
  ];
}
