import type {
  HeadersPolicy,
  HealthCheckPolicy,
  LoadBalancerPolicy,
  MatchCondition,
  ProxyService,
  UnsupportedField,
} from './kinds.js';
import type { FieldReader, Fields } from './read.js';

/** Collects the Contour fields an HTTPProxy uses that Sesame does not implement. */
export type UnsupportedSink = (field: UnsupportedField) => void;

/**
 * Reports the fields of `obj` outside `known`: those in `fatal` make the proxy invalid, because ignoring
 * them would open or reroute traffic (authorization, IP filters, redirects…); the rest are ignored.
 */
export function reportExtra(
  r: FieldReader,
  obj: Fields,
  path: string,
  known: ReadonlySet<string>,
  fatal: ReadonlySet<string>,
  sink: UnsupportedSink,
): void {
  for (const key of r.extraKeys(obj, known)) {
    sink({ path: path === '' ? key : `${path}.${key}`, fatal: fatal.has(key) });
  }
}

const PORTS = { min: 1, max: 65535 } as const;
const HEADER_KEYS = new Set([
  'name',
  'present',
  'notpresent',
  'contains',
  'notcontains',
  'exact',
  'notexact',
  'regex',
  'ignoreCase',
  'treatMissingAsEmpty',
]);
const QUERY_KEYS = new Set([
  'name',
  'exact',
  'prefix',
  'suffix',
  'regex',
  'contains',
  'present',
  'ignoreCase',
]);
const CONDITION_KEYS = new Set(['prefix', 'exact', 'regex', 'header', 'queryParameter']);
const NONE: ReadonlySet<string> = new Set();

/** Reads a list of match conditions (route or include). */
export function decodeConditions(
  r: FieldReader,
  obj: Fields,
  path: string,
  sink: UnsupportedSink,
): MatchCondition[] {
  return r.list(obj, 'conditions', path, (value, p): MatchCondition | undefined => {
    const item = r.item(value, p);
    if (item === undefined) return undefined;
    reportExtra(r, item, p, CONDITION_KEYS, NONE, sink);
    const headerFields = r.fields(item, 'header', p);
    const queryFields = r.fields(item, 'queryParameter', p);
    const header =
      headerFields === undefined ? undefined : decodeHeader(r, headerFields, `${p}.header`, sink);
    const queryParameter =
      queryFields === undefined ? undefined : decodeQuery(r, queryFields, `${p}.queryParameter`, sink);
    return {
      prefix: r.string(item, 'prefix', p) ?? '',
      exact: r.string(item, 'exact', p) ?? '',
      regex: r.string(item, 'regex', p) ?? '',
      ...(header === undefined ? {} : { header }),
      ...(queryParameter === undefined ? {} : { queryParameter }),
    };
  });
}

function decodeHeader(
  r: FieldReader,
  h: Fields,
  path: string,
  sink: UnsupportedSink,
): MatchCondition['header'] {
  reportExtra(r, h, path, HEADER_KEYS, NONE, sink);
  return {
    name: r.string(h, 'name', path, true) ?? '',
    present: r.bool(h, 'present', path) ?? false,
    notpresent: r.bool(h, 'notpresent', path) ?? false,
    contains: r.string(h, 'contains', path) ?? '',
    notcontains: r.string(h, 'notcontains', path) ?? '',
    exact: r.string(h, 'exact', path) ?? '',
    notexact: r.string(h, 'notexact', path) ?? '',
    regex: r.string(h, 'regex', path) ?? '',
    ignoreCase: r.bool(h, 'ignoreCase', path) ?? false,
    treatMissingAsEmpty: r.bool(h, 'treatMissingAsEmpty', path) ?? false,
  };
}

function decodeQuery(
  r: FieldReader,
  q: Fields,
  path: string,
  sink: UnsupportedSink,
): MatchCondition['queryParameter'] {
  reportExtra(r, q, path, QUERY_KEYS, NONE, sink);
  return {
    name: r.string(q, 'name', path, true) ?? '',
    exact: r.string(q, 'exact', path) ?? '',
    prefix: r.string(q, 'prefix', path) ?? '',
    suffix: r.string(q, 'suffix', path) ?? '',
    regex: r.string(q, 'regex', path) ?? '',
    contains: r.string(q, 'contains', path) ?? '',
    present: r.bool(q, 'present', path) ?? false,
    ignoreCase: r.bool(q, 'ignoreCase', path) ?? false,
  };
}

const HEADERS_POLICY_KEYS = new Set(['set', 'remove']);

/** Reads a request or response headers policy. */
export function decodeHeadersPolicy(
  r: FieldReader,
  obj: Fields,
  key: string,
  path: string,
  sink: UnsupportedSink,
): HeadersPolicy | undefined {
  const policy = r.fields(obj, key, path);
  if (policy === undefined) return undefined;
  const p = `${path}.${key}`;
  reportExtra(r, policy, p, HEADERS_POLICY_KEYS, NONE, sink);
  const set = r.list(policy, 'set', p, (value, at) => {
    const item = r.item(value, at);
    if (item === undefined) return undefined;
    const name = r.string(item, 'name', at, true);
    const v = r.string(item, 'value', at) ?? '';
    return name === undefined ? undefined : { name, value: v };
  });
  return { set, remove: r.strings(policy, 'remove', p) };
}

const SERVICE_KEYS = new Set([
  'name',
  'port',
  'weight',
  'mirror',
  'protocol',
  'requestHeadersPolicy',
  'responseHeadersPolicy',
]);
const SERVICE_FATAL = new Set(['upstreamValidation']);

/** Reads the services of a route or of a tcpproxy. */
export function decodeServices(
  r: FieldReader,
  obj: Fields,
  path: string,
  sink: UnsupportedSink,
): ProxyService[] {
  return r.list(obj, 'services', path, (value, p): ProxyService | undefined => {
    const item = r.item(value, p);
    if (item === undefined) return undefined;
    reportExtra(r, item, p, SERVICE_KEYS, SERVICE_FATAL, sink);
    const name = r.string(item, 'name', p, true);
    const port = r.int(item, 'port', p, { ...PORTS, required: true });
    const weight = r.int(item, 'weight', p, { min: 0, max: 2 ** 32 - 1 });
    const requestHeadersPolicy = decodeHeadersPolicy(r, item, 'requestHeadersPolicy', p, sink);
    const responseHeadersPolicy = decodeHeadersPolicy(r, item, 'responseHeadersPolicy', p, sink);
    if (name === undefined || port === undefined) return undefined;
    return {
      name,
      port,
      ...(weight === undefined ? {} : { weight }),
      mirror: r.bool(item, 'mirror', p) ?? false,
      protocol: r.string(item, 'protocol', p) ?? '',
      ...(requestHeadersPolicy === undefined ? {} : { requestHeadersPolicy }),
      ...(responseHeadersPolicy === undefined ? {} : { responseHeadersPolicy }),
    };
  });
}

const HEALTH_KEYS = new Set([
  'path',
  'host',
  'intervalSeconds',
  'timeoutSeconds',
  'unhealthyThresholdCount',
  'healthyThresholdCount',
  'expectedStatuses',
]);
const COUNT = { min: 0, max: 2 ** 31 - 1 } as const;

/** Reads an HTTP or TCP health check policy. */
export function decodeHealthCheck(
  r: FieldReader,
  obj: Fields,
  path: string,
  sink: UnsupportedSink,
): HealthCheckPolicy | undefined {
  const hc = r.fields(obj, 'healthCheckPolicy', path);
  if (hc === undefined) return undefined;
  const p = `${path}.healthCheckPolicy`;
  reportExtra(r, hc, p, HEALTH_KEYS, NONE, sink);
  const num = (key: string): { [k: string]: number } => {
    const v = r.int(hc, key, p, COUNT);
    return v === undefined ? {} : { [key]: v };
  };
  const expectedStatuses = r.list(hc, 'expectedStatuses', p, (value, at) => {
    const item = r.item(value, at);
    if (item === undefined) return undefined;
    const start = r.int(item, 'start', at, { min: 100, max: 599, required: true });
    const end = r.int(item, 'end', at, { min: 101, max: 600, required: true });
    return start === undefined || end === undefined ? undefined : { start, end };
  });
  return {
    path: r.string(hc, 'path', p) ?? '',
    host: r.string(hc, 'host', p) ?? '',
    ...num('intervalSeconds'),
    ...num('timeoutSeconds'),
    ...num('unhealthyThresholdCount'),
    ...num('healthyThresholdCount'),
    expectedStatuses,
  };
}

const LB_KEYS = new Set(['strategy', 'requestHashPolicies']);
const HASH_KEYS = new Set(['headerHashOptions', 'queryParameterHashOptions', 'hashSourceIP', 'terminal']);

/** Reads a load balancer policy. */
export function decodeLoadBalancer(
  r: FieldReader,
  obj: Fields,
  path: string,
  sink: UnsupportedSink,
): LoadBalancerPolicy | undefined {
  const lb = r.fields(obj, 'loadBalancerPolicy', path);
  if (lb === undefined) return undefined;
  const p = `${path}.loadBalancerPolicy`;
  reportExtra(r, lb, p, LB_KEYS, NONE, sink);
  const requestHashPolicies = r.list(lb, 'requestHashPolicies', p, (value, at) => {
    const item = r.item(value, at);
    if (item === undefined) return undefined;
    reportExtra(r, item, at, HASH_KEYS, NONE, sink);
    const header = r.fields(item, 'headerHashOptions', at);
    const query = r.fields(item, 'queryParameterHashOptions', at);
    return {
      headerName:
        header === undefined ? '' : (r.string(header, 'headerName', `${at}.headerHashOptions`) ?? ''),
      queryParameterName:
        query === undefined
          ? ''
          : (r.string(query, 'parameterName', `${at}.queryParameterHashOptions`) ?? ''),
      hashSourceIP: r.bool(item, 'hashSourceIP', at) ?? false,
      terminal: r.bool(item, 'terminal', at) ?? false,
    };
  });
  return { strategy: r.string(lb, 'strategy', p) ?? '', requestHashPolicies };
}
