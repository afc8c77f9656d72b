// URL layout of the Kubernetes API: `/api/v1/...` for the core group, `/apis/<group>/<version>/...` for the
// others, with `namespaces/<ns>/` before namespaced resources, plus the discovery documents clients fetch.
import type { JsonObject, ResourceDef, ResourceRegistry } from './resources.js';
import { apiVersionOf } from './resources.js';

/** A request for a resource, a collection of them, or a subresource. */
export interface ResourceRoute {
  readonly type: 'resource';
  readonly def: ResourceDef;
  /** The namespace in the path, if any. */
  readonly namespace?: string;
  readonly name?: string;
  readonly subresource?: string;
}

/** A discovery or health document answered as is. */
export interface DocumentRoute {
  readonly type: 'document';
  readonly body: JsonObject | string;
}

/** Where a path leads; undefined when nothing is served there. */
export type Route = ResourceRoute | DocumentRoute | undefined;

function resourceRoute(
  registry: ResourceRegistry,
  group: string,
  version: string,
  rest: readonly string[],
): Route {
  const [first, second, third, fourth, fifth] = rest;
  if (first === undefined || rest.length > 5) return undefined;
  const inNamespace =
    first === 'namespaces' && third !== undefined ? registry.find(group, version, third) : undefined;
  if (inNamespace !== undefined) {
    if (!inNamespace.namespaced || second === undefined) return undefined;
    return { type: 'resource', def: inNamespace, namespace: second, ...named(fourth, fifth) };
  }
  const def = registry.find(group, version, first);
  if (def === undefined || rest.length > 3) return undefined;
  // A namespaced kind is reachable without a namespace only as a collection (list or watch across namespaces).
  if (def.namespaced && second !== undefined) return undefined;
  return { type: 'resource', def, ...named(second, third) };
}

function named(
  name: string | undefined,
  subresource: string | undefined,
): { name?: string; subresource?: string } {
  return {
    ...(name === undefined ? {} : { name }),
    ...(subresource === undefined ? {} : { subresource }),
  };
}

function resourceList(registry: ResourceRegistry, group: string, version: string): JsonObject | undefined {
  const defs = registry.all.filter((def) => def.group === group && def.version === version);
  if (defs.length === 0) return undefined;
  const verbs = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
  const resources = defs.flatMap((def) => [
    {
      name: def.plural,
      singularName: def.kind.toLowerCase(),
      namespaced: def.namespaced,
      kind: def.kind,
      verbs,
    },
    ...(def.statusSubresource
      ? [
          {
            name: `${def.plural}/status`,
            singularName: '',
            namespaced: def.namespaced,
            kind: def.kind,
            verbs: ['get', 'patch', 'update'],
          },
        ]
      : []),
  ]);
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: apiVersionOf(defs[0] as ResourceDef),
    resources,
  };
}

function groupList(registry: ResourceRegistry): JsonObject {
  const groups = new Map<string, string>();
  for (const def of registry.all) if (def.group !== '') groups.set(def.group, def.version);
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...groups].map(([name, version]) => {
      const gv = { groupVersion: `${name}/${version}`, version };
      return { name, versions: [gv], preferredVersion: gv };
    }),
  };
}

/** Maps a URL path to what serves it. */
export function parseRoute(registry: ResourceRegistry, pathname: string): Route {
  const segments = pathname
    .split('/')
    .filter((s) => s !== '')
    .map(decodeURIComponent);
  const [root, a, b, ...rest] = segments;
  if (root === 'healthz' || root === 'readyz' || root === 'livez') return { type: 'document', body: 'ok' };
  if (root === 'version' && a === undefined) {
    return {
      type: 'document',
      body: {
        major: '1',
        minor: '31',
        gitVersion: 'v1.31.0-sesame-fixture',
        platform: `${process.platform}/${process.arch}`,
      },
    };
  }
  if (root === 'api') {
    if (a === undefined)
      return {
        type: 'document',
        body: { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] },
      };
    if (b === undefined) {
      const list = resourceList(registry, '', a);
      return list === undefined ? undefined : { type: 'document', body: list };
    }
    return resourceRoute(registry, '', a, [b, ...rest]);
  }
  if (root === 'apis') {
    if (a === undefined) return { type: 'document', body: groupList(registry) };
    if (b === undefined) return undefined;
    if (rest.length === 0) {
      const list = resourceList(registry, a, b);
      return list === undefined ? undefined : { type: 'document', body: list };
    }
    return resourceRoute(registry, a, b, rest);
  }
  return undefined;
}
