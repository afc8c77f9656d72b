import type { Result } from '@sesame/shared';
import type { HeadersPolicy, HealthCheckPolicy, LoadBalancerPolicy, ProxyRoute } from '../kube/kinds.js';
import type { ConditionRecorder } from './conditions.js';
import { parseTimeout, timeoutDuration } from './durations.js';
import type { Duration, HashPolicy, HeaderOps, HealthCheck, LbStrategy, Retry } from './model.js';

/** No headers to change. */
export const NO_HEADERS: HeaderOps = { set: [], remove: [], hostRewrite: '' };

/** Envoy's retry conditions an HTTPProxy may name (Contour's RetryOn enum). */
const RETRY_ON = new Set([
  ...['5xx', 'gateway-error', 'reset', 'connect-failure', 'retriable-4xx', 'refused-stream'],
  ...['retriable-status-codes', 'retriable-headers', 'cancelled', 'deadline-exceeded', 'internal'],
  ...['resource-exhausted', 'unavailable'],
]);

/** Contour's cookie for the Cookie load balancing strategy. */
export const SESSION_COOKIE = 'X-Contour-Session-Affinity';

/**
 * Contour's retryPolicy: retry on 5xx by default; a count of 0 or none is Envoy's default of one retry, -1
 * disables retries.
 */
export function retryPolicy(policy: ProxyRoute['retryPolicy']): Result<Retry | undefined, string> {
  if (policy === undefined) return { ok: true, value: undefined };
  const unknown = policy.retryOn.find((r) => !RETRY_ON.has(r));
  if (unknown !== undefined)
    return { ok: false, errors: `retryOn "${unknown}" is not a retry condition Envoy knows` };
  let perTryTimeout: Duration | undefined;
  if (policy.perTryTimeout !== '') {
    const parsed = parseTimeout(policy.perTryTimeout);
    if (!parsed.ok) return { ok: false, errors: `perTryTimeout: ${parsed.errors}` };
    perTryTimeout = timeoutDuration(parsed.value);
  }
  const count = policy.count === undefined || policy.count === 0 ? 1 : policy.count === -1 ? 0 : policy.count;
  return {
    ok: true,
    value: {
      retryOn: policy.retryOn.length === 0 ? '5xx' : policy.retryOn.join(','),
      count,
      ...(perTryTimeout === undefined ? {} : { perTryTimeout }),
      retriableStatusCodes: policy.retriableStatusCodes,
    },
  };
}

/** The route's timeouts, and the cluster's idle connection timeout. */
export interface Timeouts {
  readonly response?: Duration;
  readonly idle?: Duration;
  readonly idleConnection?: Duration;
}

/** Contour's timeoutPolicy: response and idle timeouts of the route, idleConnection of its clusters. */
export function timeoutPolicy(policy: ProxyRoute['timeoutPolicy']): Result<Timeouts, string> {
  if (policy === undefined) return { ok: true, value: {} };
  const out: { response?: Duration; idle?: Duration; idleConnection?: Duration } = {};
  for (const key of ['response', 'idle', 'idleConnection'] as const) {
    const parsed = parseTimeout(policy[key]);
    if (!parsed.ok) return { ok: false, errors: parsed.errors };
    const d = timeoutDuration(parsed.value);
    if (d !== undefined) out[key] = d;
  }
  return { ok: true, value: out };
}

/** Contour's health check defaults. */
const HC_DEFAULTS = {
  timeoutSeconds: 2,
  intervalSeconds: 10,
  unhealthyThreshold: 3,
  healthyThreshold: 2,
} as const;
/** The Host header of HTTP health checks when the policy names none (Contour's, so backends see the same). */
export const HEALTH_CHECK_HOST = 'contour-envoy-healthcheck';

/** An HTTP or TCP health check with Contour's defaults filled in. */
export function healthCheck(
  policy: HealthCheckPolicy | undefined,
  kind: 'http' | 'tcp',
): Result<HealthCheck | undefined, string> {
  if (policy === undefined) return { ok: true, value: undefined };
  if (kind === 'http' && !policy.path.startsWith('/')) {
    return { ok: false, errors: `healthCheckPolicy.path "${policy.path}" must be an absolute path` };
  }
  for (const range of policy.expectedStatuses) {
    if (range.start >= range.end) {
      return {
        ok: false,
        errors: `healthCheckPolicy.expectedStatuses: start ${range.start} must be below end ${range.end}`,
      };
    }
  }
  const positive = (v: number | undefined, fallback: number): number =>
    v === undefined || v === 0 ? fallback : v;
  return {
    ok: true,
    value: {
      kind,
      path: kind === 'http' ? policy.path : '',
      host: kind === 'http' ? (policy.host === '' ? HEALTH_CHECK_HOST : policy.host) : '',
      expectedStatuses: kind === 'http' ? policy.expectedStatuses : [],
      intervalSeconds: positive(policy.intervalSeconds, HC_DEFAULTS.intervalSeconds),
      timeoutSeconds: positive(policy.timeoutSeconds, HC_DEFAULTS.timeoutSeconds),
      unhealthyThreshold: positive(policy.unhealthyThresholdCount, HC_DEFAULTS.unhealthyThreshold),
      healthyThreshold: positive(policy.healthyThresholdCount, HC_DEFAULTS.healthyThreshold),
    },
  };
}

const STRATEGIES: ReadonlySet<string> = new Set([
  'RoundRobin',
  'WeightedLeastRequest',
  'Random',
  'Cookie',
  'RequestHash',
]);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Contour's loadBalancerPolicy and loadBalancerRequestHashPolicies: an unknown strategy is RoundRobin;
 * Cookie hashes on Contour's session cookie; RequestHash keeps its valid hash policies (warning about the
 * others) and falls back to RoundRobin when none is left.
 */
export function loadBalancing(
  policy: LoadBalancerPolicy | undefined,
  cond: ConditionRecorder,
): { strategy: LbStrategy; hashPolicies: HashPolicy[] } {
  const strategy =
    policy !== undefined && STRATEGIES.has(policy.strategy) ? (policy.strategy as LbStrategy) : 'RoundRobin';
  if (strategy === 'Cookie')
    return { strategy, hashPolicies: [{ kind: 'cookie', name: SESSION_COOKIE, terminal: false }] };
  if (strategy !== 'RequestHash' || policy === undefined) return { strategy, hashPolicies: [] };
  const hashPolicies: HashPolicy[] = [];
  for (const p of policy.requestHashPolicies) {
    const options = [p.headerName !== '', p.queryParameterName !== '', p.hashSourceIP].filter(Boolean).length;
    if (options !== 1) {
      cond.warning(
        'SpecError',
        'IgnoredField',
        'ignoring invalid request hash policy, exactly one hash option must be set',
      );
      continue;
    }
    if (p.headerName !== '') {
      if (!TOKEN.test(p.headerName)) {
        cond.warning(
          'SpecError',
          'IgnoredField',
          `ignoring invalid header hash policy options with invalid header name "${p.headerName}"`,
        );
        continue;
      }
      hashPolicies.push({ kind: 'header', name: p.headerName, terminal: p.terminal });
    } else if (p.queryParameterName !== '') {
      hashPolicies.push({ kind: 'query', name: p.queryParameterName, terminal: p.terminal });
    } else {
      hashPolicies.push({ kind: 'sourceIp', terminal: p.terminal });
    }
  }
  if (hashPolicies.length === 0) {
    cond.warning(
      'SpecError',
      'IgnoredField',
      'ignoring field "Spec.Routes.LoadBalancerPolicy"; RequestHash strategy requires at least one valid request hash policy',
    );
    return { strategy: 'RoundRobin', hashPolicies };
  }
  return { strategy, hashPolicies };
}

/** Envoy variables Contour lets through header values unescaped. */
const ENVOY_VARIABLES = [
  ...['DOWNSTREAM_REMOTE_ADDRESS', 'DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT', 'DOWNSTREAM_LOCAL_ADDRESS'],
  ...['DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT', 'DOWNSTREAM_LOCAL_PORT', 'DOWNSTREAM_LOCAL_URI_SAN'],
  ...[
    'DOWNSTREAM_PEER_URI_SAN',
    'DOWNSTREAM_LOCAL_SUBJECT',
    'DOWNSTREAM_PEER_SUBJECT',
    'DOWNSTREAM_PEER_ISSUER',
  ],
  ...['DOWNSTREAM_TLS_SESSION_ID', 'DOWNSTREAM_TLS_CIPHER', 'DOWNSTREAM_TLS_VERSION'],
  ...['DOWNSTREAM_PEER_FINGERPRINT_256', 'DOWNSTREAM_PEER_FINGERPRINT_1', 'DOWNSTREAM_PEER_SERIAL'],
  ...['DOWNSTREAM_PEER_CERT', 'DOWNSTREAM_PEER_CERT_V_START', 'DOWNSTREAM_PEER_CERT_V_END', 'HOSTNAME'],
  ...['PROTOCOL', 'UPSTREAM_REMOTE_ADDRESS', 'RESPONSE_FLAGS', 'RESPONSE_CODE_DETAILS'],
];

/**
 * Contour's escapeHeaderValue: a literal `%` would start an Envoy command (and an unknown one is a NACK), so
 * every `%` is doubled except around the object variables (`%CONTOUR_NAMESPACE%`…), a known set of Envoy
 * variables and `%REQ(header)%`.
 */
export function escapeHeaderValue(value: string, variables: Readonly<Record<string, string>>): string {
  if (!value.includes('%')) return value;
  let escaped = value.replaceAll('%', '%%');
  for (const [name, replacement] of Object.entries(variables)) {
    escaped = escaped.replaceAll(`%%${name}%%`, replacement);
  }
  for (const name of ENVOY_VARIABLES) escaped = escaped.replaceAll(`%%${name}%%`, `%${name}%`);
  return escaped.replace(/%(%REQ\(:?[\w-]+\)%)%/g, '$1');
}

/** Go's http.CanonicalHeaderKey: `x-foo` → `X-Foo`. */
export function canonicalHeaderKey(name: string): string {
  if (!TOKEN.test(name)) return name;
  return name
    .toLowerCase()
    .split('-')
    .map((part) => (part === '' ? part : `${part[0]?.toUpperCase() ?? ''}${part.slice(1)}`))
    .join('-');
}

/**
 * Contour's headersPolicy: canonical names, no duplicates, `Host` only on requests (as a host rewrite),
 * values escaped for Envoy. Returns the operations or why the policy is invalid.
 */
export function headersPolicy(
  policy: HeadersPolicy | undefined,
  allowHostRewrite: boolean,
  variables: Readonly<Record<string, string>>,
): Result<HeaderOps, string> {
  if (policy === undefined) return { ok: true, value: NO_HEADERS };
  const set = new Map<string, string>();
  let hostRewrite = '';
  for (const entry of policy.set) {
    const key = canonicalHeaderKey(entry.name);
    if (set.has(key) || (key === 'Host' && hostRewrite !== ''))
      return { ok: false, errors: `duplicate header addition: "${key}"` };
    if (key === 'Host') {
      if (!allowHostRewrite) return { ok: false, errors: `rewriting "${key}" header is not supported` };
      hostRewrite = entry.value;
      continue;
    }
    if (!TOKEN.test(key))
      return { ok: false, errors: `invalid set header "${key}": not a valid HTTP header name` };
    set.set(key, escapeHeaderValue(entry.value, variables));
  }
  const remove = new Set<string>();
  for (const entry of policy.remove) {
    const key = canonicalHeaderKey(entry);
    if (remove.has(key)) return { ok: false, errors: `duplicate header removal: "${key}"` };
    if (!TOKEN.test(key))
      return { ok: false, errors: `invalid remove header "${key}": not a valid HTTP header name` };
    remove.add(key);
  }
  const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return {
    ok: true,
    value: {
      set: [...set].sort(([a], [b]) => byName(a, b)).map(([name, value]) => ({ name, value })),
      remove: [...remove].sort(byName),
      hostRewrite,
    },
  };
}
