// The API resources the fixture serves, described the way the real API server's registry would: where each lives,
// whether it is namespaced, which subresources and field selectors it has, and the per-kind quirks that matter to
// a client (CRDs list items with their kind, refuse strategic merge, refuse unconditional updates…).

/** A JSON object as it travels on the wire. */
export type JsonObject = Record<string, unknown>;

/** One kind of object the fixture stores, with the API server's behaviour for it. */
export interface ResourceDef {
  /** Plural resource name used in URLs (`ingresses`). */
  readonly plural: string;
  /** API group; '' for the core group served under `/api/v1`. */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly namespaced: boolean;
  /** Has a `status` subresource: updates of the main resource keep the stored status, `/status` writes only status. */
  readonly statusSubresource: boolean;
  /** Tracks `metadata.generation`, bumped when anything outside metadata and status changes. */
  readonly generation: boolean;
  /** Served by a CustomResourceDefinition (list items carry kind and apiVersion, no strategic merge patch). */
  readonly custom: boolean;
  /** Fields beyond `metadata.name` and `metadata.namespace` usable in a field selector. */
  readonly selectableFields: readonly string[];
  /** DELETE answers with the deleted object rather than a `Status` (as the OpenAPI of that kind declares). */
  readonly deleteReturnsObject: boolean;
  /** The `status` a create or update starts from when the kind has a status subresource. */
  readonly emptyStatus?: JsonObject;
}

/** `group/version`, or just `version` for the core group, as it appears in `apiVersion`. */
export function apiVersionOf(def: ResourceDef): string {
  return def.group === '' ? def.version : `${def.group}/${def.version}`;
}

/** `plural.group` as the real server names a resource in messages (`ingresses.networking.k8s.io`). */
export function qualifiedName(def: ResourceDef): string {
  return def.group === '' ? def.plural : `${def.plural}.${def.group}`;
}

function builtin(
  def: Omit<ResourceDef, 'custom' | 'deleteReturnsObject'> & { deleteReturnsObject?: boolean },
): ResourceDef {
  return { deleteReturnsObject: false, ...def, custom: false };
}

function custom(plural: string, kind: string, statusSubresource: boolean): ResourceDef {
  return {
    plural,
    group: 'projectsesame.io',
    version: 'v1',
    kind,
    namespaced: true,
    statusSubresource,
    generation: true,
    custom: true,
    selectableFields: [],
    deleteReturnsObject: true,
  };
}

/** What Sesame reads, writes and elects its leader with. */
export const BUILTIN_RESOURCES: readonly ResourceDef[] = [
  builtin({
    plural: 'services',
    group: '',
    version: 'v1',
    kind: 'Service',
    namespaced: true,
    statusSubresource: true,
    generation: false,
    selectableFields: ['spec.clusterIP', 'spec.type'],
    deleteReturnsObject: true,
    emptyStatus: { loadBalancer: {} },
  }),
  builtin({
    plural: 'secrets',
    group: '',
    version: 'v1',
    kind: 'Secret',
    namespaced: true,
    statusSubresource: false,
    generation: false,
    selectableFields: ['type'],
  }),
  builtin({
    plural: 'namespaces',
    group: '',
    version: 'v1',
    kind: 'Namespace',
    namespaced: false,
    statusSubresource: true,
    generation: false,
    selectableFields: ['status.phase'],
    emptyStatus: { phase: 'Active' },
  }),
  builtin({
    plural: 'endpointslices',
    group: 'discovery.k8s.io',
    version: 'v1',
    kind: 'EndpointSlice',
    namespaced: true,
    statusSubresource: false,
    generation: true,
    selectableFields: [],
  }),
  builtin({
    plural: 'ingresses',
    group: 'networking.k8s.io',
    version: 'v1',
    kind: 'Ingress',
    namespaced: true,
    statusSubresource: true,
    generation: true,
    selectableFields: [],
    emptyStatus: { loadBalancer: {} },
  }),
  builtin({
    plural: 'ingressclasses',
    group: 'networking.k8s.io',
    version: 'v1',
    kind: 'IngressClass',
    namespaced: false,
    statusSubresource: false,
    generation: true,
    selectableFields: [],
  }),
  builtin({
    plural: 'leases',
    group: 'coordination.k8s.io',
    version: 'v1',
    kind: 'Lease',
    namespaced: true,
    statusSubresource: false,
    generation: false,
    selectableFields: [],
  }),
  custom('httpproxies', 'HTTPProxy', true),
  custom('tlscertificatedelegations', 'TLSCertificateDelegation', true),
];

/** Resource definitions indexed by `group/version/plural`, the way requests address them. */
export interface ResourceRegistry {
  readonly all: readonly ResourceDef[];
  find(group: string, version: string, plural: string): ResourceDef | undefined;
  /** By plural alone (plurals are unique among the fixture's resources). */
  byPlural(plural: string): ResourceDef | undefined;
}

/** Indexes `defs`; a later definition with the same plural replaces an earlier one. */
export function createResourceRegistry(defs: readonly ResourceDef[]): ResourceRegistry {
  const byPlural = new Map<string, ResourceDef>();
  for (const def of defs) byPlural.set(def.plural, def);
  const all = [...byPlural.values()];
  return {
    all,
    find: (group, version, plural) => {
      const def = byPlural.get(plural);
      return def !== undefined && def.group === group && def.version === version ? def : undefined;
    },
    byPlural: (plural) => byPlural.get(plural),
  };
}
