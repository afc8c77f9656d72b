/** One collection the Kubernetes source lists and watches. */
export interface WatchedKind {
  /** The resource's plural name in API paths. */
  readonly plural: string;
  /** API group; '' for the core group. */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly namespaced: boolean;
  /** Server-side filter, so objects Sesame never reads are never sent (or held in memory). */
  readonly fieldSelector?: string;
}

/** Secret types the translation reads: certificates, and CA bundles (`ca.crt`) for client validation. */
export const SECRET_TYPES = ['kubernetes.io/tls', 'Opaque'] as const;

/** `v1` Services: upstreams, and the Envoy Service whose address goes into Ingress status. */
export const SERVICE_KIND: WatchedKind = {
  plural: 'services',
  group: '',
  version: 'v1',
  kind: 'Service',
  namespaced: true,
};

/**
 * Everything the translation reads. Secrets come in one informer per type: an inclusion filter keeps Helm
 * release Secrets (often hundreds of KiB each) out of the process, which an exclusion list only does for the
 * types someone thought of (Contour was OOM-killed by them before its field selector).
 */
export const WATCHED_KINDS: readonly WatchedKind[] = [
  SERVICE_KIND,
  ...SECRET_TYPES.map((type) => ({
    plural: 'secrets',
    group: '',
    version: 'v1',
    kind: 'Secret',
    namespaced: true,
    fieldSelector: `type=${type}`,
  })),
  {
    plural: 'endpointslices',
    group: 'discovery.k8s.io',
    version: 'v1',
    kind: 'EndpointSlice',
    namespaced: true,
  },
  { plural: 'ingresses', group: 'networking.k8s.io', version: 'v1', kind: 'Ingress', namespaced: true },
  {
    plural: 'ingressclasses',
    group: 'networking.k8s.io',
    version: 'v1',
    kind: 'IngressClass',
    namespaced: false,
  },
  { plural: 'httpproxies', group: 'projectsesame.io', version: 'v1', kind: 'HTTPProxy', namespaced: true },
  {
    plural: 'tlscertificatedelegations',
    group: 'projectsesame.io',
    version: 'v1',
    kind: 'TLSCertificateDelegation',
    namespaced: true,
  },
];

/** `v1` or `group/version`. */
export function apiVersionOf(kind: WatchedKind): string {
  return kind.group === '' ? kind.version : `${kind.group}/${kind.version}`;
}

/** The collection's URL path, in one namespace or across all of them. */
export function collectionPath(kind: WatchedKind, namespace?: string): string {
  const base = kind.group === '' ? `/api/${kind.version}` : `/apis/${kind.group}/${kind.version}`;
  const scope = kind.namespaced && namespace !== undefined ? `/namespaces/${namespace}` : '';
  return `${base}${scope}/${kind.plural}`;
}

/** How the kind is named in logs and metric labels: `secrets type=kubernetes.io/tls`. */
export function kindLabel(kind: WatchedKind): string {
  return kind.fieldSelector === undefined ? kind.plural : `${kind.plural} ${kind.fieldSelector}`;
}
