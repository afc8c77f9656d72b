// Contour's projectcontour.io/v1 types that HTTPProxy embeds in several places (apis/projectcontour/v1), as
// schema fragments: conditions, headers, upstream services and their policies, and the status conditions.
import { arr, bool, int, obj, str, stringMap, strings, type Schema } from './schema-builders.js';

/** Go duration with Contour's units; `infinity`/`infinite` disable the timeout (TimeoutPolicy, auth). */
export const TIMEOUT_PATTERN =
  '^(((\\d*(\\.\\d*)?h)|(\\d*(\\.\\d*)?m)|(\\d*(\\.\\d*)?s)|(\\d*(\\.\\d*)?ms)|(\\d*(\\.\\d*)?us)|(\\d*(\\.\\d*)?µs)|(\\d*(\\.\\d*)?ns))+|infinity|infinite)$';
/** A plain Go duration (per-try timeout, JWKS timeout and cache duration, slow-start window). */
export const DURATION_PATTERN =
  '^(((\\d*(\\.\\d*)?h)|(\\d*(\\.\\d*)?m)|(\\d*(\\.\\d*)?s)|(\\d*(\\.\\d*)?ms)|(\\d*(\\.\\d*)?us)|(\\d*(\\.\\d*)?µs)|(\\d*(\\.\\d*)?ns))+)$';
/** A lowercase RFC 1123 DNS name. */
export const DNS_NAME_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';

const port = (description: string): Schema => int(description, { minimum: 1, maximum: 65535 });

/** Matches a request header (route conditions, global rate-limit descriptors). */
export const headerMatchCondition: Schema = obj(
  'Matches a request header.',
  {
    name: str('Name of the header to match; case-insensitive.', { minLength: 1 }),
    present: bool('Matches when the header is present, whatever its value.'),
    notpresent: bool('Matches when the header is absent.'),
    contains: str('Matches when the value contains this string.'),
    notcontains: str('Matches when the value does not contain this string.'),
    exact: str('Matches when the value equals this string.'),
    notexact: str('Matches when the value is not this string.'),
    regex: str('Matches when the value matches this regular expression (RE2).'),
    ignoreCase: bool('Compares values case-insensitively (contains, notcontains, exact, notexact).'),
    treatMissingAsEmpty: bool('Treats a missing header as an empty value for the negative matches.'),
  },
  ['name'],
);

/** Matches a query parameter. */
export const queryParameterMatchCondition: Schema = obj(
  'Matches a query parameter.',
  {
    name: str('Name of the query parameter; case-sensitive.', { minLength: 1 }),
    exact: str('Matches when the value equals this string.'),
    prefix: str('Matches when the value starts with this string.'),
    suffix: str('Matches when the value ends with this string.'),
    regex: str('Matches when the value matches this regular expression (RE2).'),
    contains: str('Matches when the value contains this string.'),
    ignoreCase: bool('Compares exact, prefix, suffix and contains case-insensitively.'),
    present: bool('Matches when the parameter is present, whatever its value.'),
  },
  ['name'],
);

/** One path, header or query-parameter condition; a route or include matches when all of its conditions do. */
export const matchConditions: Schema = arr(
  'Conditions that all must hold for the request to match.',
  obj('One match condition: a path (prefix, exact or regex), a header or a query parameter.', {
    prefix: str('Matches paths that start with this prefix (on segment boundaries).'),
    exact: str('Matches this exact path.'),
    regex: str('Matches paths that match this regular expression (RE2).'),
    header: headerMatchCondition,
    queryParameter: queryParameterMatchCondition,
  }),
);

const headerValue = obj(
  'A header name and value.',
  {
    name: str('Header name.', { minLength: 1 }),
    value: str('Header value.', { minLength: 1 }),
  },
  ['name', 'value'],
);

/** Headers to set or remove on requests or responses. */
export function headersPolicy(description: string): Schema {
  return obj(description, {
    set: arr('Headers to add or replace.', headerValue),
    remove: strings('Names of headers to remove.'),
  });
}

/** Checks the certificate of a TLS upstream (service validation, JWKS fetches). */
export const upstreamValidation: Schema = obj(
  'How to validate the certificate presented by a TLS upstream.',
  {
    caSecret: str('Secret (namespace/name or name) holding the CA bundle under ca.crt.'),
    subjectName: str('Subject alternative name the certificate must carry.'),
    subjectNames: strings(
      'Subject alternative names, any of which the certificate may carry; the first must equal subjectName.',
      {},
      { maxItems: 8 },
    ),
  },
  ['caSecret', 'subjectName'],
);

const cookieRewritePolicy = obj(
  'Rewrites attributes of a Set-Cookie header.',
  {
    name: str('Name of the cookie to rewrite.', {
      minLength: 1,
      maxLength: 4096,
      pattern: '^[^()<>@,;:\\\\"\\/[\\]?={} \\t\\x7f\\x00-\\x1f]+$',
    }),
    pathRewrite: obj(
      'Replaces the Path attribute.',
      { value: str('New Path.', { minLength: 1, maxLength: 4096, pattern: '^[^;\\x7f\\x00-\\x1f]+$' }) },
      ['value'],
    ),
    domainRewrite: obj(
      'Replaces the Domain attribute.',
      { value: str('New Domain.', { pattern: DNS_NAME_PATTERN, minLength: 1, maxLength: 253 }) },
      ['value'],
    ),
    secure: bool('Sets or clears the Secure attribute.'),
    sameSite: str('Sets the SameSite attribute.', { enum: ['Strict', 'Lax', 'None'] }),
  },
  ['name'],
);

/** Cookie rewrites, per route or per service. */
export const cookieRewritePolicies: Schema = arr('Set-Cookie rewrites.', cookieRewritePolicy);

/** An upstream Kubernetes Service of a route or TCP proxy. */
export const service: Schema = obj(
  'A Kubernetes Service to send traffic to.',
  {
    name: str('Name of the Service, in the HTTPProxy namespace.', { minLength: 1 }),
    port: port('Port of the Service (spec.ports[].port).'),
    healthPort: port('Port to run health checks against, if not the traffic port.'),
    protocol: str('Protocol to speak to the upstream; HTTP/1.1 when unset.', {
      enum: ['h2', 'h2c', 'tls'],
    }),
    weight: int('Share of the traffic relative to the other services of the route.', { minimum: 0 }),
    validation: upstreamValidation,
    mirror: bool('Receives a copy of the traffic; responses are discarded.'),
    requestHeadersPolicy: headersPolicy('Headers changed on requests to this service.'),
    responseHeadersPolicy: headersPolicy('Headers changed on responses from this service.'),
    cookieRewritePolicies,
    slowStartPolicy: obj(
      'Ramps traffic up to new endpoints progressively.',
      {
        window: str('How long the ramp lasts.', { pattern: DURATION_PATTERN }),
        aggression: str('How fast the ramp rises (1.0 is linear).', {
          pattern: '^([0-9]+([.][0-9]+)?|[.][0-9]+)$',
          default: '1.0',
        }),
        minWeightPercent: int('Lowest share of its weight a new endpoint gets.', {
          minimum: 0,
          maximum: 100,
        }),
      },
      ['window'],
    ),
  },
  ['name', 'port'],
);

const healthCheckCounts: Record<string, Schema> = {
  intervalSeconds: int('Seconds between checks.'),
  timeoutSeconds: int('Seconds to wait for a check to answer.'),
  unhealthyThresholdCount: int('Failed checks before an endpoint is unhealthy.'),
  healthyThresholdCount: int('Passed checks before an endpoint is healthy again.'),
};

/** Active HTTP health checks of a route's services. */
export const httpHealthCheckPolicy: Schema = obj(
  'Active HTTP health checks of the upstream endpoints.',
  {
    path: str('Path to request.', { minLength: 1 }),
    host: str('Host header of the check (default contour-envoy-healthcheck).'),
    ...healthCheckCounts,
    expectedStatuses: arr(
      'Status ranges that count as healthy (default 200-299).',
      obj(
        'A half-open range of HTTP status codes.',
        {
          start: int('First status of the range.', { minimum: 100, maximum: 599 }),
          end: int('Status after the last of the range.', { minimum: 101, maximum: 600 }),
        },
        ['start', 'end'],
      ),
    ),
  },
  ['path'],
);

/** Active TCP health checks of a TCP proxy's services. */
export const tcpHealthCheckPolicy: Schema = obj('Active TCP health checks.', healthCheckCounts);

/** How requests are spread over the endpoints of a service. */
export const loadBalancerPolicy: Schema = obj('How to spread requests over endpoints.', {
  strategy: str('Load-balancing strategy (default RoundRobin).', {
    enum: ['RoundRobin', 'WeightedLeastRequest', 'Random', 'Cookie', 'RequestHash'],
  }),
  requestHashPolicies: arr(
    'What to hash for the RequestHash strategy.',
    obj('One request attribute to hash.', {
      terminal: bool('Stops hashing further attributes once this one produced a hash.'),
      headerHashOptions: obj('Hash a request header.', {
        headerName: str('Header to hash.', { minLength: 1 }),
      }),
      queryParameterHashOptions: obj('Hash a query parameter.', {
        parameterName: str('Query parameter to hash.', { minLength: 1 }),
      }),
      hashSourceIP: bool('Hash the client address.'),
    }),
  ),
});

/** Enables or disables external authorization and passes context to the server. */
export const authorizationPolicy: Schema = obj('External authorization settings.', {
  disabled: bool('Turns external authorization off (for a route) or off by default (for a virtual host).'),
  context: stringMap('Key-value pairs sent to the authorization server.'),
});

const ipFilterPolicy = arr(
  'IP address filters; a request matching any entry is allowed (allow) or rejected (deny).',
  obj(
    'One IP filter rule.',
    {
      source: str('Which address to check: the TCP peer or the remote client (X-Forwarded-For).', {
        enum: ['Peer', 'Remote'],
      }),
      cidr: str('Address or CIDR block.'),
    },
    ['source', 'cidr'],
  ),
);

/** Allow and deny lists (virtual host and route). */
export const ipFilters: Record<string, Schema> = {
  ipAllowPolicy: ipFilterPolicy,
  ipDenyPolicy: ipFilterPolicy,
};

const descriptorEntry = obj(
  'One entry of a rate-limit descriptor; exactly one field is set.',
  {
    genericKey: obj('A static key and value.', {
      key: str('Key (default generic_key).'),
      value: str('Value.', { minLength: 1 }),
    }),
    requestHeader: obj('The value of a request header.', {
      headerName: str('Header to read.', { minLength: 1 }),
      descriptorKey: str('Key to store the value under.', { minLength: 1 }),
    }),
    requestHeaderValueMatch: obj('A value set when request headers match.', {
      headers: arr('Header conditions that all must hold.', headerMatchCondition, { minItems: 1 }),
      expectPresent: bool('Whether the headers must match (true) or must not.', { default: true }),
      value: str('Value of the entry.', { minLength: 1 }),
    }),
    remoteAddress: obj('The client address.', {}),
  },
  [],
  { minProperties: 1, maxProperties: 1 },
);

/** Local (per Envoy) and global (rate-limit service) limits. */
export const rateLimitPolicy: Schema = obj('Rate limits.', {
  local: obj(
    'A token bucket in each Envoy.',
    {
      requests: int('Requests allowed per unit.', { minimum: 1 }, 'int32'),
      unit: str('Period of the limit.', { enum: ['second', 'minute', 'hour'] }),
      burst: int('Extra requests allowed in a burst.', { minimum: 0 }, 'int32'),
      responseStatusCode: int(
        'Status returned when limited (default 429).',
        { minimum: 400, maximum: 599 },
        'int32',
      ),
      responseHeadersToAdd: arr('Headers added to limited responses.', headerValue),
    },
    ['requests', 'unit'],
  ),
  global: obj('Descriptors sent to the global rate-limit service.', {
    disabled: bool('Turns off the virtual host policy for this route.'),
    descriptors: arr(
      'Descriptors to send.',
      obj('One descriptor.', {
        entries: arr('Entries of the descriptor.', descriptorEntry, { minItems: 1 }),
      }),
    ),
  }),
});

const subCondition = obj(
  'A problem or warning found while processing the object.',
  {
    type: str('Kind of problem, e.g. ServiceError, TLSError, IncludeError.', { minLength: 1 }),
    reason: str('Machine-readable reason in CamelCase.', { minLength: 1 }),
    message: str('Human-readable details.'),
    status: str('Whether the problem is present.', { enum: ['True', 'False', 'Unknown'] }),
  },
  ['type', 'reason', 'message', 'status'],
);

/** Contour's DetailedCondition: a metav1.Condition with lists of errors and warnings. */
export const detailedConditions: Schema = arr(
  'Conditions of the object; Valid is the one the controller sets.',
  obj(
    'A condition with the detailed errors and warnings behind it.',
    {
      type: str('Type of the condition, e.g. Valid.', {
        maxLength: 316,
        pattern:
          '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
      }),
      status: str('Status of the condition.', { enum: ['True', 'False', 'Unknown'] }),
      observedGeneration: int('metadata.generation the condition was computed from.', { minimum: 0 }),
      lastTransitionTime: str('When the status last changed.', { format: 'date-time' }),
      reason: str('Machine-readable reason in CamelCase.', {
        minLength: 1,
        maxLength: 1024,
        pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
      }),
      message: str('Human-readable details.', { maxLength: 32768 }),
      errors: arr('Problems that make the object invalid.', subCondition),
      warnings: arr('Problems that do not make the object invalid.', subCondition),
    },
    ['type', 'status', 'lastTransitionTime', 'reason', 'message'],
  ),
  { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] },
);
