// HTTPProxies and TLSCertificateDelegations written the way Contour's documentation writes them, with the group
// renamed: together they use every part of the API. crd.test.ts checks that the CRDs accept them all.

const meta = (name: string): Record<string, unknown> => ({ name, namespace: 'default' });

/** An HTTPProxy with the given spec. */
export function httpProxy(
  name: string,
  spec: Record<string, unknown>,
  status?: unknown,
): Record<string, unknown> {
  return {
    apiVersion: 'projectsesame.io/v1',
    kind: 'HTTPProxy',
    metadata: meta(name),
    spec,
    ...(status === undefined ? {} : { status }),
  };
}

/** The smallest useful root proxy; malformed variants start from it. */
export function basicProxy(): Record<string, unknown> {
  return httpProxy('basic', {
    virtualhost: { fqdn: 'app.example.com' },
    routes: [{ conditions: [{ prefix: '/' }], services: [{ name: 'app', port: 80 }] }],
  });
}

/** Valid HTTPProxies, by what they show. */
export const VALID_PROXIES: Readonly<Record<string, Record<string, unknown>>> = {
  basic: basicProxy(),
  'TLS with client certificates': httpProxy('tls', {
    ingressClassName: 'sesame',
    virtualhost: {
      fqdn: 'secure.example.com',
      tls: {
        secretName: 'shared/wildcard',
        minimumProtocolVersion: '1.2',
        maximumProtocolVersion: '1.3',
        enableFallbackCertificate: false,
        clientValidation: {
          caSecret: 'client-ca',
          crlSecret: 'client-crl',
          optionalClientCertificate: true,
          forwardClientCertificate: { subject: true, cert: true, chain: false, dns: true, uri: false },
        },
      },
    },
    routes: [
      {
        services: [
          { name: 'app', port: 8443, protocol: 'tls', validation: { caSecret: 'ca', subjectName: 'app' } },
        ],
      },
    ],
  }),
  'wildcard host and delegation': httpProxy('root', {
    virtualhost: { fqdn: '*.example.com' },
    includes: [
      { name: 'blog', namespace: 'marketing', conditions: [{ prefix: '/blog' }] },
      { name: 'api', conditions: [{ header: { name: 'x-api', present: true } }] },
    ],
  }),
  'route features': httpProxy('features', {
    virtualhost: { fqdn: 'features.example.com' },
    routes: [
      {
        conditions: [
          { prefix: '/api' },
          { header: { name: 'x-env', exact: 'canary', ignoreCase: true } },
          { header: { name: 'x-debug', notpresent: true } },
          { queryParameter: { name: 'version', regex: '^v[0-9]+$' } },
        ],
        services: [
          { name: 'api-v1', port: 80, weight: 90 },
          {
            name: 'api-v2',
            port: 80,
            weight: 10,
            slowStartPolicy: { window: '10s', aggression: '1.5', minWeightPercent: 10 },
          },
          { name: 'shadow', port: 80, mirror: true },
          { name: 'grpc', port: 9000, protocol: 'h2c', healthPort: 9001 },
        ],
        enableWebsockets: true,
        permitInsecure: true,
        timeoutPolicy: { response: '30s', idle: 'infinity', idleConnection: '1m30s' },
        retryPolicy: {
          count: 3,
          perTryTimeout: '150ms',
          retryOn: ['5xx', 'reset'],
          retriableStatusCodes: [503],
        },
        healthCheckPolicy: {
          path: '/healthz',
          intervalSeconds: 5,
          timeoutSeconds: 2,
          unhealthyThresholdCount: 3,
          healthyThresholdCount: 5,
          expectedStatuses: [{ start: 200, end: 300 }],
        },
        loadBalancerPolicy: {
          strategy: 'RequestHash',
          requestHashPolicies: [
            { headerHashOptions: { headerName: 'x-user' }, terminal: true },
            { queryParameterHashOptions: { parameterName: 'session' } },
            { hashSourceIP: true },
          ],
        },
        pathRewritePolicy: { replacePrefix: [{ prefix: '/api', replacement: '/' }] },
        requestHeadersPolicy: { set: [{ name: 'x-forwarded-by', value: 'sesame' }], remove: ['x-internal'] },
        responseHeadersPolicy: { set: [{ name: 'cache-control', value: 'no-store' }] },
        cookieRewritePolicies: [
          {
            name: 'session',
            pathRewrite: { value: '/api' },
            domainRewrite: { value: 'example.com' },
            secure: true,
            sameSite: 'Lax',
          },
        ],
      },
    ],
  }),
  'redirects and direct responses': httpProxy('redirects', {
    virtualhost: { fqdn: 'old.example.com' },
    routes: [
      {
        conditions: [{ exact: '/old' }],
        requestRedirectPolicy: {
          scheme: 'https',
          hostname: 'new.example.com',
          port: 443,
          statusCode: 301,
          path: '/new',
        },
      },
      { conditions: [{ regex: '/gone/.*' }], directResponsePolicy: { statusCode: 410, body: 'gone' } },
      {
        conditions: [{ prefix: '/follow' }],
        services: [{ name: 'app', port: 80 }],
        internalRedirectPolicy: {
          maxInternalRedirects: 2,
          redirectResponseCodes: [302, 307],
          allowCrossSchemeRedirect: 'SafeOnly',
        },
      },
    ],
  }),
  'policies on the virtual host': httpProxy('policies', {
    virtualhost: {
      fqdn: 'policies.example.com',
      tls: { secretName: 'policies-tls' },
      corsPolicy: {
        allowCredentials: true,
        allowOrigin: ['*'],
        allowMethods: ['GET', 'POST'],
        allowHeaders: ['authorization'],
        maxAge: '10m',
      },
      rateLimitPolicy: {
        local: {
          requests: 100,
          unit: 'minute',
          burst: 20,
          responseStatusCode: 429,
          responseHeadersToAdd: [{ name: 'x-limited', value: 'yes' }],
        },
        global: {
          descriptors: [
            { entries: [{ remoteAddress: {} }] },
            {
              entries: [
                { genericKey: { value: 'api' } },
                { requestHeader: { headerName: 'x-user', descriptorKey: 'user' } },
              ],
            },
            {
              entries: [
                { requestHeaderValueMatch: { headers: [{ name: 'x-plan', exact: 'free' }], value: 'free' } },
              ],
            },
          ],
        },
      },
      authorization: {
        extensionRef: { name: 'authz', namespace: 'auth' },
        responseTimeout: '500ms',
        failOpen: false,
        authPolicy: { context: { tenant: 'a' } },
        withRequestBody: { maxRequestBytes: 4096, allowPartialMessage: true },
      },
      jwtProviders: [
        {
          name: 'idp',
          default: true,
          issuer: 'https://idp.example.com',
          audiences: ['app'],
          remoteJWKS: {
            uri: 'https://idp.example.com/jwks',
            timeout: '1s',
            cacheDuration: '5m',
            dnsLookupFamily: 'v4',
          },
        },
      ],
      ipAllowPolicy: [{ source: 'Peer', cidr: '10.0.0.0/8' }],
      ipDenyPolicy: [{ source: 'Remote', cidr: '192.168.1.1' }],
    },
    routes: [
      {
        services: [{ name: 'app', port: 80 }],
        authPolicy: { disabled: true },
        jwtVerificationPolicy: { disabled: true },
        rateLimitPolicy: { global: { disabled: true } },
      },
    ],
  }),
  'TLS passthrough to a TCP proxy': httpProxy('passthrough', {
    virtualhost: { fqdn: 'tcp.example.com', tls: { passthrough: true } },
    tcpproxy: {
      loadBalancerPolicy: { strategy: 'WeightedLeastRequest' },
      services: [{ name: 'db', port: 5432, weight: 1 }],
      healthCheckPolicy: {
        intervalSeconds: 10,
        timeoutSeconds: 2,
        unhealthyThresholdCount: 3,
        healthyThresholdCount: 2,
      },
    },
  }),
  'TCP proxy include': httpProxy('tcp-include', {
    virtualhost: { fqdn: 'tcp2.example.com', tls: { secretName: 'tcp2' } },
    tcpproxy: { include: { name: 'backend', namespace: 'db' } },
  }),
  'status as the watcher writes it': httpProxy(
    'with-status',
    basicProxy()['spec'] as Record<string, unknown>,
    {
      currentStatus: 'invalid',
      description: 'At least one error present, see Errors for details',
      loadBalancer: {
        ingress: [
          { ip: '203.0.113.10' },
          { hostname: 'lb.example.com', ports: [{ port: 443, protocol: 'TCP' }] },
        ],
      },
      conditions: [
        {
          type: 'Valid',
          status: 'False',
          observedGeneration: 2,
          lastTransitionTime: '2024-05-01T10:00:00Z',
          reason: 'ErrorPresent',
          message: 'At least one error present, see Errors for details',
          errors: [
            {
              type: 'ServiceError',
              reason: 'ServiceUnresolvedReference',
              message: 'Service "app" not found',
              status: 'True',
            },
          ],
          warnings: [],
        },
      ],
    },
  ),
};

/** A TLSCertificateDelegation for the given delegations. */
export function delegation(spec: unknown): Record<string, unknown> {
  return {
    apiVersion: 'projectsesame.io/v1',
    kind: 'TLSCertificateDelegation',
    metadata: meta('certs'),
    spec,
  };
}
