// The openAPIV3Schema of projectsesame.io/v1 HTTPProxy: Contour's HTTPProxy (apis/projectcontour/v1/httpproxy.go)
// with the group renamed. Field names, enums, ranges and patterns follow Contour's kubebuilder markers.
import {
  authorizationPolicy,
  cookieRewritePolicies,
  DNS_NAME_PATTERN,
  DURATION_PATTERN,
  detailedConditions,
  headersPolicy,
  httpHealthCheckPolicy,
  ipFilters,
  loadBalancerPolicy,
  matchConditions,
  rateLimitPolicy,
  service,
  tcpHealthCheckPolicy,
  TIMEOUT_PATTERN,
  upstreamValidation,
} from './contour-types.js';
import { arr, bool, describe, int, obj, str, strings, type Schema } from './schema-builders.js';

const FQDN_PATTERN = '^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
const CORS_HEADER = { pattern: "^[a-zA-Z0-9!#$%&'*+.^_`|~-]+$" };

const tls = obj('TLS termination (or passthrough) for the virtual host.', {
  secretName: str(
    'Secret (name, or namespace/name with a TLSCertificateDelegation) holding the certificate.',
  ),
  minimumProtocolVersion: str('Lowest TLS version accepted, e.g. "1.2" (default) or "1.3".'),
  maximumProtocolVersion: str('Highest TLS version accepted, e.g. "1.3" (default).'),
  passthrough: bool('Passes the TLS stream through to the upstream (tcpproxy) instead of terminating it.'),
  clientValidation: obj('Requires and checks client certificates.', {
    caSecret: str('Secret holding the CA bundle (ca.crt) that client certificates must chain to.'),
    crlSecret: str('Secret holding certificate revocation lists (crl.pem).'),
    crlOnlyVerifyLeafCert: bool('Checks revocation of the leaf certificate only.'),
    skipClientCertValidation: bool('Requests a client certificate but does not verify it.'),
    optionalClientCertificate: bool('Accepts clients that present no certificate.'),
    forwardClientCertificate: obj('Forwards details of the client certificate in X-Forwarded-Client-Cert.', {
      subject: bool('Forward the subject.'),
      cert: bool('Forward the PEM certificate.'),
      chain: bool('Forward the PEM chain.'),
      dns: bool('Forward the DNS SANs.'),
      uri: bool('Forward the URI SANs.'),
    }),
  }),
  enableFallbackCertificate: bool('Serves the fallback certificate to clients that send no SNI.'),
});

const authorization = obj('External authorization for the virtual host.', {
  extensionRef: obj('The ExtensionService that answers authorization checks.', {
    apiVersion: str('API version of the referenced object.'),
    namespace: str('Namespace of the ExtensionService (default: this namespace).'),
    name: str('Name of the ExtensionService.'),
  }),
  authPolicy: describe(authorizationPolicy, 'Default authorization settings of the routes.'),
  responseTimeout: str('How long to wait for the authorization server.', { pattern: TIMEOUT_PATTERN }),
  failOpen: bool('Allows requests when the authorization server fails.'),
  withRequestBody: obj('Sends the request body to the authorization server.', {
    maxRequestBytes: int('Largest body sent.', { minimum: 1, default: 1024 }, 'int32'),
    allowPartialMessage: bool('Sends the first maxRequestBytes of longer bodies.'),
    packAsBytes: bool('Sends the body as raw bytes.'),
  }),
});

const corsPolicy = obj(
  'Cross-origin resource sharing.',
  {
    allowCredentials: bool('Allows credentialed requests.'),
    allowPrivateNetwork: bool('Answers private-network preflight requests.'),
    allowOrigin: strings('Origins allowed; "*" for any.', {}, { minItems: 1 }),
    allowMethods: strings('Methods allowed.', CORS_HEADER, { minItems: 1 }),
    allowHeaders: strings('Request headers allowed.', CORS_HEADER),
    exposeHeaders: strings('Response headers exposed.', CORS_HEADER),
    maxAge: str('How long preflight responses may be cached.', {
      pattern:
        '^(((\\d*(\\.\\d*)?h)|(\\d*(\\.\\d*)?m)|(\\d*(\\.\\d*)?s)|(\\d*(\\.\\d*)?ms)|(\\d*(\\.\\d*)?us)|(\\d*(\\.\\d*)?µs)|(\\d*(\\.\\d*)?ns))+|0)$',
    }),
  },
  ['allowOrigin', 'allowMethods'],
);

const jwtProvider = obj(
  'A JWT issuer whose tokens the virtual host verifies.',
  {
    name: str('Unique name of the provider.', { minLength: 1 }),
    default: bool('Verifies tokens with this provider on every route unless a route says otherwise.'),
    issuer: str('Required iss claim.'),
    audiences: strings('Accepted aud claims.'),
    remoteJWKS: obj(
      'Where to fetch the signing keys.',
      {
        uri: str('HTTP(S) URI of the JWKS.'),
        timeout: str('How long to wait for the JWKS.', { pattern: DURATION_PATTERN }),
        cacheDuration: str('How long to cache the JWKS.', { pattern: DURATION_PATTERN }),
        dnsLookupFamily: str('Address family to resolve the JWKS host with.', {
          enum: ['auto', 'v4', 'v6', 'all'],
        }),
        validation: upstreamValidation,
      },
      ['uri'],
    ),
    forwardJWT: bool('Keeps the token in the request sent upstream.'),
  },
  ['name', 'remoteJWKS'],
);

const virtualhost = obj(
  'The host name this root HTTPProxy serves; only root proxies have one.',
  {
    fqdn: str('Fully qualified domain name, optionally starting with "*." for a wildcard.', {
      pattern: FQDN_PATTERN,
      minLength: 1,
      maxLength: 253,
    }),
    tls,
    authorization,
    corsPolicy,
    rateLimitPolicy,
    jwtProviders: arr('JWT providers of the virtual host.', jwtProvider),
    ...ipFilters,
  },
  ['fqdn'],
);

const route = obj('A set of conditions and what to do with the requests that match them.', {
  conditions: matchConditions,
  services: arr('Services to send the requests to.', service),
  enableWebsockets: bool('Allows websocket upgrades.'),
  permitInsecure: bool('Serves the route over plain HTTP too, instead of redirecting to HTTPS.'),
  authPolicy: describe(authorizationPolicy, 'External authorization settings of the route.'),
  timeoutPolicy: obj('Timeouts of the route.', {
    response: str('Time to wait for a full response.', { pattern: TIMEOUT_PATTERN }),
    idle: str('Time a stream may stay idle.', { pattern: TIMEOUT_PATTERN }),
    idleConnection: str('Time an upstream connection may stay idle.', { pattern: TIMEOUT_PATTERN }),
  }),
  retryPolicy: obj('Retries of failed requests.', {
    count: int('Retries allowed; -1 disables retries, 0 means the default of 1.', {
      minimum: -1,
      default: 1,
    }),
    perTryTimeout: str('Timeout of each try.', { pattern: DURATION_PATTERN }),
    retryOn: strings('Conditions that trigger a retry (default 5xx).', {
      enum: [
        '5xx',
        'gateway-error',
        'reset',
        'connect-failure',
        'retriable-4xx',
        'refused-stream',
        'retriable-status-codes',
        'retriable-headers',
        'cancelled',
        'deadline-exceeded',
        'internal',
        'resource-exhausted',
        'unavailable',
      ],
    }),
    retriableStatusCodes: arr('Status codes retried with retriable-status-codes.', {
      type: 'integer',
      format: 'int32',
      minimum: 100,
      maximum: 599,
    }),
  }),
  healthCheckPolicy: httpHealthCheckPolicy,
  loadBalancerPolicy,
  pathRewritePolicy: obj('Rewrites the request path.', {
    replacePrefix: arr(
      'Prefix replacements.',
      obj(
        'Replaces a matched prefix.',
        {
          prefix: str('Prefix to replace (default: the route prefix).', { minLength: 1 }),
          replacement: str('Replacement.', { minLength: 1 }),
        },
        ['replacement'],
      ),
    ),
  }),
  requestHeadersPolicy: headersPolicy('Headers changed on requests.'),
  responseHeadersPolicy: headersPolicy('Headers changed on responses.'),
  cookieRewritePolicies,
  rateLimitPolicy,
  requestRedirectPolicy: obj('Redirects instead of proxying.', {
    scheme: str('Scheme of the redirect.', { enum: ['http', 'https'] }),
    hostname: str('Host of the redirect.', { pattern: DNS_NAME_PATTERN, minLength: 1, maxLength: 253 }),
    port: int('Port of the redirect.', { minimum: 1, maximum: 65535 }, 'int32'),
    statusCode: int('Redirect status.', { enum: [301, 302], default: 302 }),
    path: str('Replaces the whole path.'),
    prefix: str('Replaces the matched prefix.'),
  }),
  directResponsePolicy: obj(
    'Answers directly instead of proxying.',
    {
      statusCode: int('Status of the response.', { minimum: 200, maximum: 599 }),
      body: str('Body of the response.'),
    },
    ['statusCode'],
  ),
  internalRedirectPolicy: obj('Follows upstream redirects inside Envoy.', {
    maxInternalRedirects: int('Redirects followed per request.', { minimum: 0 }, 'int32'),
    redirectResponseCodes: arr('Status codes treated as redirects (default 302).', {
      type: 'integer',
      format: 'int32',
      enum: [301, 302, 303, 307, 308],
    }),
    allowCrossSchemeRedirect: str('Whether to follow redirects that change the scheme.', {
      enum: ['Always', 'Never', 'SafeOnly'],
      default: 'Never',
    }),
    denyRepeatedRouteRedirect: bool('Stops a redirect that would come back to the same route.'),
  }),
  jwtVerificationPolicy: obj('JWT verification of the route.', {
    require: str('Provider whose tokens the route requires.'),
    disabled: bool('Turns JWT verification off for this route.'),
  }),
  ...ipFilters,
});

const tcpproxy = obj('Proxies the TLS (or plain TCP) stream to services or to an included HTTPProxy.', {
  loadBalancerPolicy,
  services: arr('Services to send the stream to.', service),
  include: obj(
    'Another HTTPProxy whose tcpproxy serves this one.',
    {
      name: str('Name of the included HTTPProxy.', { minLength: 1 }),
      namespace: str('Namespace of the included HTTPProxy (default: this namespace).'),
    },
    ['name'],
  ),
  healthCheckPolicy: tcpHealthCheckPolicy,
});

const include = obj(
  'Delegates the requests that match its conditions to another HTTPProxy.',
  {
    name: str('Name of the included HTTPProxy.', { minLength: 1 }),
    namespace: str('Namespace of the included HTTPProxy (default: this namespace).'),
    conditions: matchConditions,
  },
  ['name'],
);

const loadBalancerStatus = obj('Addresses of the load balancer that serves the proxy.', {
  ingress: arr(
    'Load-balancer ingress points.',
    obj('One ingress point.', {
      ip: str('IP address.'),
      hostname: str('DNS name.'),
      ipMode: str('How the load balancer forwards traffic to the IP (VIP or Proxy).'),
      ports: arr(
        'Ports of the ingress point.',
        obj(
          'A port and its status.',
          {
            port: int('Port number.', {}, 'int32'),
            protocol: str('Protocol.', { enum: ['TCP', 'UDP', 'SCTP'], default: 'TCP' }),
            error: str('Problem with this port, if any.', { maxLength: 316 }),
          },
          ['port', 'protocol'],
        ),
        { 'x-kubernetes-list-type': 'atomic' },
      ),
    }),
    { 'x-kubernetes-list-type': 'atomic' },
  ),
});

/** `openAPIV3Schema` of HTTPProxy. */
export const httpProxySchema: Schema = obj(
  'HTTPProxy is an Ingress resource with routing features beyond what Ingress offers.',
  {
    apiVersion: str('Version of the schema of this object.'),
    kind: str('Kind of this object.'),
    metadata: { type: 'object' },
    spec: obj('What the proxy serves.', {
      virtualhost,
      routes: arr('Routes of the proxy.', route),
      tcpproxy,
      includes: arr('HTTPProxies this one delegates to.', include),
      ingressClassName: str('Ingress class of the controller that should serve this proxy.'),
    }),
    status: obj('What the controller found when it processed the proxy.', {
      currentStatus: str('valid, invalid or orphaned.'),
      description: str('Explanation of currentStatus.'),
      loadBalancer: loadBalancerStatus,
      conditions: detailedConditions,
    }),
  },
  ['metadata', 'spec'],
);

/** `openAPIV3Schema` of TLSCertificateDelegation. */
export const tlsCertificateDelegationSchema: Schema = obj(
  'TLSCertificateDelegation lets HTTPProxies in other namespaces use Secrets of this namespace.',
  {
    apiVersion: str('Version of the schema of this object.'),
    kind: str('Kind of this object.'),
    metadata: { type: 'object' },
    spec: obj(
      'The delegated Secrets.',
      {
        delegations: arr(
          'One entry per delegated Secret.',
          obj(
            'A Secret and the namespaces that may use it.',
            {
              secretName: str('Name of a Secret in this namespace.', { minLength: 1 }),
              targetNamespaces: strings(
                'Namespaces that may use the Secret; "*" for all.',
                {},
                { minItems: 1 },
              ),
            },
            ['secretName', 'targetNamespaces'],
          ),
        ),
      },
      ['delegations'],
    ),
    status: obj('What the controller found.', { conditions: detailedConditions }),
  },
  ['metadata', 'spec'],
);
