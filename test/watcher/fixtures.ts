// Builders for the Kubernetes objects the watcher reads, and helpers to look at the Envoy resources it
// writes. Shared by the watcher's tests and by anyone who needs a realistic snapshot.
import { decodeMessage, TypeUrl, type Resource } from '@sesame/shared';
import type { KubeObject } from '@sesame/watcher';
import { selfSignedPair, type TlsPair } from './tls-pair.js';

type Manifest = Record<string, unknown>;

/** Wraps a manifest as a source would, optionally with its file and line. */
export function kube(manifest: Manifest, origin?: { file: string; line: number }): KubeObject {
  return origin === undefined ? { manifest } : { manifest, origin };
}

function meta(name: string, namespace: string, extra: Manifest = {}): Manifest {
  return { name, namespace, ...extra };
}

/** A `v1` Service. */
export function service(
  name: string,
  ports: readonly { name?: string; port: number; targetPort?: number | string; protocol?: string }[],
  options: { namespace?: string; type?: string } = {},
): KubeObject {
  return kube({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(name, options.namespace ?? 'default'),
    spec: { ...(options.type === undefined ? {} : { type: options.type }), ports },
  });
}

/** A `discovery.k8s.io/v1` EndpointSlice of `serviceName`. Endpoints are ready unless `ready: false`. */
export function endpointSlice(
  serviceName: string,
  options: {
    name?: string;
    namespace?: string;
    addressType?: string;
    ports: readonly { name?: string; port: number; protocol?: string }[];
    endpoints: readonly { address: string; ready?: boolean }[];
  },
): KubeObject {
  return kube({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: meta(options.name ?? `${serviceName}-slice`, options.namespace ?? 'default', {
      labels: { 'kubernetes.io/service-name': serviceName },
    }),
    addressType: options.addressType ?? 'IPv4',
    ports: options.ports,
    endpoints: options.endpoints.map((e) => ({
      addresses: [e.address],
      ...(e.ready === undefined ? {} : { conditions: { ready: e.ready } }),
    })),
  });
}

/** A `kubernetes.io/tls` Secret holding `pair` (a fresh self-signed pair for `host` by default). */
export function tlsSecret(name: string, pair: TlsPair | string, namespace = 'default'): KubeObject {
  const { cert, key } = typeof pair === 'string' ? selfSignedPair(pair) : pair;
  return kube({
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: meta(name, namespace),
    data: { 'tls.crt': Buffer.from(cert).toString('base64'), 'tls.key': Buffer.from(key).toString('base64') },
  });
}

/** A `networking.k8s.io/v1` Ingress with the given spec. */
export function ingress(
  name: string,
  spec: Manifest,
  options: { namespace?: string; annotations?: Record<string, string> } = {},
): KubeObject {
  return kube({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: meta(
      name,
      options.namespace ?? 'default',
      options.annotations === undefined ? {} : { annotations: options.annotations },
    ),
    spec,
  });
}

/** An Ingress rule path to a Service port (`number` or `name`). */
export function ingressPath(
  path: string,
  pathType: string,
  serviceName: string,
  port: number | string,
): Manifest {
  return {
    path,
    pathType,
    backend: {
      service: { name: serviceName, port: typeof port === 'number' ? { number: port } : { name: port } },
    },
  };
}

/** A `projectsesame.io/v1` HTTPProxy with the given spec. */
export function httpProxy(
  name: string,
  spec: Manifest,
  options: { namespace?: string; annotations?: Record<string, string> } = {},
): KubeObject {
  return kube({
    apiVersion: 'projectsesame.io/v1',
    kind: 'HTTPProxy',
    metadata: meta(
      name,
      options.namespace ?? 'default',
      options.annotations === undefined ? {} : { annotations: options.annotations },
    ),
    spec,
  });
}

/** The decoded message of a resource, or undefined when there is none of that type and name. */
export function decoded(
  resources: readonly Resource[],
  typeUrl: TypeUrl,
  name: string,
): Record<string, unknown> | undefined {
  const found = resources.find((r) => r.typeUrl === typeUrl && r.name === name);
  return found === undefined ? undefined : decodeMessage(typeUrl, found.body);
}

/** Names of the resources of each type, sorted, keyed by short type name. */
export function resourceNames(
  resources: readonly Resource[],
): Record<'lds' | 'rds' | 'cds' | 'eds' | 'sds', string[]> {
  const pick = (typeUrl: TypeUrl): string[] =>
    resources
      .filter((r) => r.typeUrl === typeUrl)
      .map((r) => r.name)
      .sort();
  return {
    lds: pick(TypeUrl.Listener),
    rds: pick(TypeUrl.RouteConfiguration),
    cds: pick(TypeUrl.Cluster),
    eds: pick(TypeUrl.ClusterLoadAssignment),
    sds: pick(TypeUrl.Secret),
  };
}

/** The routes of the one virtual host for `fqdn` in a decoded RouteConfiguration. */
export function routesOf(routeConfiguration: Record<string, unknown> | undefined, fqdn: string): unknown[] {
  const vhosts = (routeConfiguration?.['virtual_hosts'] ?? []) as {
    domains?: string[];
    routes?: unknown[];
  }[];
  const vhost = vhosts.find((v) => v.domains?.includes(fqdn));
  return vhost?.routes ?? [];
}

/** A `projectsesame.io/v1` TLSCertificateDelegation from `namespace` of `secretName` to `targets`. */
export function delegation(
  name: string,
  namespace: string,
  secretName: string,
  targets: readonly string[],
): KubeObject {
  return kube({
    apiVersion: 'projectsesame.io/v1',
    kind: 'TLSCertificateDelegation',
    metadata: meta(name, namespace),
    spec: { delegations: [{ secretName, targetNamespaces: targets }] },
  });
}

/** An Opaque Secret holding a CA bundle under `ca.crt` (a fresh self-signed certificate by default). */
export function caSecret(
  name: string,
  pair: TlsPair | string = 'ca.example.com',
  namespace = 'default',
): KubeObject {
  const { cert } = typeof pair === 'string' ? selfSignedPair(pair) : pair;
  return kube({
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: meta(name, namespace),
    data: { 'ca.crt': Buffer.from(cert).toString('base64') },
  });
}

/** A Service with annotations (upstream protocols, circuit breakers) and optional ExternalName. */
export function annotatedService(
  name: string,
  ports: readonly { name?: string; port: number }[],
  annotations: Record<string, string>,
  options: { namespace?: string; externalName?: string } = {},
): KubeObject {
  return kube({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(name, options.namespace ?? 'default', { annotations }),
    spec: {
      ...(options.externalName === undefined
        ? {}
        : { type: 'ExternalName', externalName: options.externalName }),
      ports,
    },
  });
}

/** The one virtual host of a decoded RouteConfiguration for `fqdn`. */
export function virtualHostOf(
  routeConfiguration: Record<string, unknown> | undefined,
  fqdn: string,
): Record<string, unknown> | undefined {
  const vhosts = (routeConfiguration?.['virtual_hosts'] ?? []) as ({ domains?: string[] } & Record<
    string,
    unknown
  >)[];
  return vhosts.find((v) => v.domains?.includes(fqdn));
}
