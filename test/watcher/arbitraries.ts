// fast-check arbitraries of the objects the watcher reads: small pools of names so that references
// (services, secrets, includes, delegations) often resolve and sometimes do not, and every feature of the
// translation shows up, valid or not.
import fc from 'fast-check';
import type { KubeObject } from '@sesame/watcher';
import {
  caSecret,
  delegation,
  endpointSlice,
  httpProxy,
  ingress,
  kube,
  service,
  tlsSecret,
} from './fixtures.js';
import { selfSignedPair } from './tls-pair.js';

const NAMESPACES = ['default', 'team'] as const;
const SERVICES = ['echo', 'api', 'grpc'] as const;
const HOSTS = ['a.example.com', 'b.example.com', '*.example.com', 'A.example.com'] as const;
const PROXIES = ['root-a', 'root-b', 'child', 'grandchild'] as const;

/** Mostly `valid`, now and then `invalid`: every object is worth translating, and errors still show up. */
function mostly<T>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return fc.oneof({ arbitrary: valid, weight: 12 }, { arbitrary: invalid, weight: 1 });
}

const ns = fc.constantFrom(...NAMESPACES);
const serviceName = mostly(fc.constantFrom(...SERVICES), fc.constant('missing'));
const port = mostly(fc.constantFrom(80, 8080, 50051), fc.constant(9));
const path = mostly(fc.constantFrom('/', '/api', '/api/', '/v1/items'), fc.constantFrom('relative', '/x?y'));

const services = fc
  .tuple(fc.constantFrom(...SERVICES), ns, fc.boolean(), fc.boolean())
  .map(([name, namespace, h2c, breakers]) =>
    kube({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name,
        namespace,
        annotations: {
          ...(h2c ? { 'projectsesame.io/upstream-protocol.h2c': 'grpc' } : {}),
          ...(breakers ? { 'projectsesame.io/max-connections': '9' } : {}),
        },
      },
      spec: { ports: [{ name: 'http', port: 80 }, { name: 'grpc', port: 50051 }, { port: 8080 }] },
    }),
  );

const slices = fc
  .tuple(fc.constantFrom(...SERVICES), ns, fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 40 }))
  .map(([name, namespace, count, base]) =>
    endpointSlice(name, {
      namespace,
      ports: [
        { name: 'http', port: 8080 },
        { name: 'grpc', port: 50051 },
      ],
      endpoints: Array.from({ length: count }, (_, i) => ({
        address: `10.1.${base}.${i + 1}`,
        ready: i !== 2,
      })),
    }),
  );

/** TLS secrets: valid pairs, a key from another pair, and an Opaque CA bundle. */
const secrets = fc
  .tuple(fc.constantFrom('tls-a', 'tls-b', 'wild', 'bad', 'ca'), ns)
  .map(([name, namespace]) => {
    if (name === 'ca') return caSecret('ca', 'ca.example.com', namespace);
    if (name === 'bad') {
      const { cert } = selfSignedPair('a.example.com');
      const { key } = selfSignedPair('b.example.com');
      return tlsSecret('bad', { cert, key }, namespace);
    }
    return tlsSecret(name, name === 'wild' ? '*.example.com' : `${name.slice(4)}.example.com`, namespace);
  });

const delegations = fc
  .tuple(fc.constantFrom('wild', 'tls-a'), ns, fc.constantFrom(['*'], ['team'], ['default']))
  .map(([secret, namespace, targets]) => delegation(`d-${secret}`, namespace, secret, targets));

const pathCondition = fc.oneof(
  { arbitrary: path.map((prefix) => ({ prefix })), weight: 4 },
  path.map((exact) => ({ exact })),
  mostly(fc.constant('/r[0-9]+'), fc.constant('/(?=x)')).map((regex) => ({ regex })),
);
const requestCondition = fc.oneof(
  fc
    .constantFrom(
      { present: true },
      { notpresent: true },
      { exact: 'v' },
      { contains: 'c', ignoreCase: true },
      { regex: 'a.*' },
    )
    .map((m) => ({ header: { name: 'x-h', ...m } })),
  mostly(
    fc.constantFrom({ exact: '1' }, { present: true }, { prefix: 'p', ignoreCase: true }),
    fc.constant({}),
  ).map((m) => ({
    queryParameter: { name: 'q', ...m },
  })),
);
/** Route conditions: a path condition, a header or query condition, both or none (rarely several paths). */
const condition = fc.oneof(pathCondition, requestCondition);
const conditions = mostly(
  fc.tuple(fc.option(pathCondition), fc.option(requestCondition)).map((cs) => cs.filter((c) => c !== null)),
  fc.array(condition, { maxLength: 3 }),
);

const proxyService = fc
  .record(
    {
      name: serviceName,
      port,
      weight: fc.integer({ min: 0, max: 100 }),
      mirror: fc.boolean(),
      protocol: mostly(fc.constantFrom('h2', 'h2c', 'tls'), fc.constant('bogus')),
      requestHeadersPolicy: fc.constantFrom(
        { set: [{ name: 'x-a', value: '%CONTOUR_SERVICE_NAME% 100%' }] },
        { set: [{ name: 'Host', value: 'internal' }] },
        { remove: ['x-b'] },
      ),
    },
    { requiredKeys: ['name', 'port'] },
  )
  .map((svc) =>
    Math.abs(svc.port % 7) === 1 ? svc : { ...svc, protocol: undefined, mirror: (svc.weight ?? 0) % 5 === 0 },
  );

const routeSpec = fc
  .record(
    {
      conditions,
      services: fc.array(proxyService, { maxLength: 3 }),
      permitInsecure: fc.boolean(),
      enableWebsockets: fc.boolean(),
      retryPolicy: fc.record(
        {
          count: fc.integer({ min: -1, max: 3 }),
          perTryTimeout: mostly(fc.constantFrom('1s', '250ms'), fc.constant('nope')),
        },
        { requiredKeys: [] },
      ),
      timeoutPolicy: fc.record(
        {
          response: mostly(fc.constantFrom('10s', 'infinity'), fc.constant('x')),
          idleConnection: fc.constantFrom('1m', ''),
        },
        { requiredKeys: [] },
      ),
      healthCheckPolicy: fc.record(
        {
          path: mostly(fc.constant('/healthz'), fc.constant('bad')),
          intervalSeconds: fc.integer({ min: 0, max: 30 }),
        },
        { requiredKeys: ['path'] },
      ),
      loadBalancerPolicy: fc.constantFrom(
        { strategy: 'Random' },
        { strategy: 'Cookie' },
        {
          strategy: 'RequestHash',
          requestHashPolicies: [{ headerHashOptions: { headerName: 'x-user' } }, { hashSourceIP: true }],
        },
      ),
      pathRewritePolicy: fc.constantFrom(
        { replacePrefix: [{ replacement: '/v2' }] },
        { replacePrefix: [{ prefix: '/api', replacement: '/' }] },
      ),
      responseHeadersPolicy: mostly<Record<string, unknown>>(
        fc.constant({ set: [{ name: 'x-r', value: '1' }] }),
        fc.constant({ set: [{ name: 'Host', value: 'x' }] }),
      ),
    },
    { requiredKeys: ['services'] },
  )
  .map((r) => {
    // Keep routes to a few features each, as real ones are: one invalid field rejects the whole proxy.
    const { conditions = [], services, ...rest } = r;
    const picked = Object.entries(rest).filter((_, i) => (services.length + conditions.length + i) % 3 === 0);
    return {
      conditions,
      services: services.length === 0 ? [{ name: 'echo', port: 80 }] : services,
      ...Object.fromEntries(picked),
    };
  });

const tls = fc.oneof(
  {
    arbitrary: fc
      .constantFrom('tls-a', 'tls-b', 'wild', 'bad', 'absent', 'default/wild')
      .map((secretName) => ({ secretName })),
    weight: 4,
  },
  fc.constant({ passthrough: true }),
  fc.constantFrom(
    { secretName: 'tls-a', clientValidation: { caSecret: 'ca' } },
    { secretName: 'tls-a', minimumProtocolVersion: '1.3' },
  ),
);

const proxies = fc
  .record(
    {
      name: fc.constantFrom(...PROXIES),
      namespace: ns,
      fqdn: mostly(fc.constant(''), fc.constantFrom(...HOSTS)),
      root: mostly(fc.constant(true), fc.constant(false)),
      tls: fc.option(tls, { nil: undefined, freq: 2 }),
      routes: mostly<Record<string, unknown>[]>(
        fc.array(routeSpec, { minLength: 1, maxLength: 3 }),
        fc.constant([]),
      ),
      includes: mostly<Record<string, unknown>[]>(
        fc.constant([]),
        fc.array(
          fc.record({
            name: fc.constantFrom(...PROXIES),
            namespace: fc.constantFrom('', ...NAMESPACES),
            conditions: fc.array(condition, { maxLength: 1 }),
          }),
          { maxLength: 2 },
        ),
      ),
      tcpproxy: mostly(
        fc.constant(undefined),
        fc.oneof(
          fc.record({ services: fc.array(proxyService, { minLength: 1, maxLength: 2 }) }),
          fc.constant({ include: { name: 'child' } }),
        ),
      ),
      className: mostly(fc.constantFrom(undefined, 'sesame'), fc.constant('other')),
      unsupported: mostly(fc.constant(false), fc.constant(true)),
    },
    { requiredKeys: ['name', 'namespace', 'fqdn', 'root', 'routes', 'includes'] },
  )
  .map((p) =>
    httpProxy(
      p.name,
      {
        ...(p.className === undefined ? {} : { ingressClassName: p.className }),
        ...(p.root
          ? {
              virtualhost: {
                // Usually a host of its own, as in a real cluster; sometimes a shared or wildcard one.
                fqdn: p.fqdn === '' ? `${p.name}.${p.namespace}.example.com` : p.fqdn,
                ...(p.tls === undefined ? {} : { tls: p.tls }),
                ...(p.unsupported ? { corsPolicy: {} } : {}),
              },
            }
          : {}),
        routes: p.routes,
        includes: p.includes,
        ...(p.tcpproxy === undefined ? {} : { tcpproxy: p.tcpproxy }),
      },
      { namespace: p.namespace },
    ),
  );

const ingresses = fc
  .record({
    name: fc.constantFrom('web', 'api'),
    namespace: ns,
    host: fc.constantFrom('', ...HOSTS),
    path,
    pathType: fc.constantFrom('Prefix', 'Exact', 'ImplementationSpecific'),
    service: serviceName,
    port: fc.constantFrom<number | string>(80, 'http', 8080),
    tlsSecret: fc.option(fc.constantFrom('tls-a', 'absent', 'bad'), { nil: undefined }),
    annotations: fc.constantFrom<Record<string, string>>(
      {},
      { 'ingress.kubernetes.io/force-ssl-redirect': 'true' },
      { 'kubernetes.io/ingress.allow-http': 'false' },
      {
        'projectsesame.io/retry-on': '5xx',
        'projectsesame.io/num-retries': '3',
        'projectsesame.io/response-timeout': '5s',
      },
      { 'projectsesame.io/websocket-routes': '/', 'projectsesame.io/tls-minimum-protocol-version': '1.3' },
    ),
  })
  .map((i) =>
    ingress(
      i.name,
      {
        ...(i.tlsSecret === undefined
          ? {}
          : { tls: [{ hosts: [i.host === '' ? 'a.example.com' : i.host], secretName: i.tlsSecret }] }),
        rules: [
          {
            ...(i.host === '' ? {} : { host: i.host }),
            http: {
              paths: [
                {
                  path: i.path,
                  pathType: i.pathType,
                  backend: {
                    service: {
                      name: i.service,
                      port: typeof i.port === 'number' ? { number: i.port } : { name: i.port },
                    },
                  },
                },
              ],
            },
          },
        ],
      },
      { namespace: i.namespace, annotations: i.annotations },
    ),
  );

/** Any object the watcher reads, and now and then one it cannot. */
export const kubeObject: fc.Arbitrary<KubeObject> = fc.oneof(
  { arbitrary: services, weight: 5 },
  { arbitrary: slices, weight: 3 },
  { arbitrary: secrets, weight: 2 },
  { arbitrary: delegations, weight: 1 },
  { arbitrary: proxies, weight: 5 },
  { arbitrary: ingresses, weight: 3 },
  {
    arbitrary: fc.constantFrom(
      kube({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo' }, spec: { ports: 'none' } }),
      kube({
        apiVersion: 'projectsesame.io/v1',
        kind: 'HTTPProxy',
        metadata: { name: 'child' },
        spec: { routes: [{ services: [{ name: 'x', port: 'y' }] }] },
      }),
      service('echo', [{ port: 80 }], { type: 'ExternalName' }),
    ),
    weight: 1,
  },
);

/**
 * Services, endpoints, certificates and a delegation that routes usually need, so that random objects on
 * top of them are mostly served (random objects alone are mostly invalid, which tests little).
 */
export const baseObjects: readonly KubeObject[] = NAMESPACES.flatMap((namespace) => [
  ...SERVICES.map((name) =>
    service(name, [{ name: 'http', port: 80 }, { name: 'grpc', port: 50051 }, { port: 8080 }], { namespace }),
  ),
  ...SERVICES.map((name) =>
    endpointSlice(name, {
      namespace,
      ports: [
        { name: 'http', port: 8080 },
        { name: 'grpc', port: 50051 },
      ],
      endpoints: [{ address: '10.9.0.1' }],
    }),
  ),
  tlsSecret('tls-a', 'a.example.com', namespace),
  tlsSecret('wild', '*.example.com', namespace),
  caSecret('ca', 'ca.example.com', namespace),
  delegation('share', namespace, 'wild', ['*']),
]);

/** `Kind namespace/name` of an object, as the translator keys it. */
export function keyOf(object: KubeObject): string {
  const m = object.manifest as { kind?: string; metadata?: { name?: string; namespace?: string } };
  return `${m.kind ?? ''} ${m.metadata?.namespace ?? 'default'}/${m.metadata?.name ?? ''}`;
}
