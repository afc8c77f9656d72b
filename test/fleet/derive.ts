// What an Envoy on ADS asks for next, derived from what it received: the EDS names of its clusters, the route
// configurations and secrets its listeners use. Full-state responses (CDS, LDS) of one version carry the same
// content to every Envoy, so each version is decoded once per fleet and the name lists are shared.
import { decodeMessage, lookupMessage, TypeUrl } from '@sesame/shared';
import type { WireResource } from './wire.js';

/** A marker: a number the test writes into its manifests, read back from one resource an Envoy receives. */
export interface MarkerSpec {
  /** How the marker is reported. */
  readonly key: string;
  readonly typeUrl: string;
  /** The resource that carries it. */
  readonly name: string;
  /** A regular expression (source) with one capture group, run over the resource's proto JSON; the largest match wins. */
  readonly pattern: string;
}

interface ClusterFields {
  name?: string;
  eds_cluster_config?: { service_name?: string } | null;
}

const EMPTY: readonly string[] = [];

/** A small keyed cache that forgets the oldest entries (a fleet only needs the last few versions). */
class Recent<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly limit: number) {}

  get(key: string, make: () => V): V {
    const hit = this.map.get(key);
    if (hit !== undefined) return hit;
    const value = make();
    this.map.set(key, value);
    if (this.map.size > this.limit) this.map.delete(this.map.keys().next().value as string);
    return value;
  }
}

/** Sorted, de-duplicated, and the same array for the same list (so its encoding is shared). */
function canonical(names: Iterable<string>, interned: Map<string, readonly string[]>): readonly string[] {
  const sorted = [...new Set(names)].sort();
  if (sorted.length === 0) return EMPTY;
  const key = sorted.join('\n');
  const hit = interned.get(key);
  if (hit !== undefined) return hit;
  interned.set(key, sorted);
  return sorted;
}

/** Collects route configuration names and SDS secret names from a listener's proto JSON. */
function walkListener(value: unknown, rds: Set<string>, sds: Set<string>): void {
  if (Array.isArray(value)) {
    for (const v of value) walkListener(v, rds, sds);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const obj = value as Record<string, unknown>;
  if (typeof obj['route_config_name'] === 'string') rds.add(obj['route_config_name']);
  // SdsSecretConfig: a name and where to get it from.
  if (typeof obj['name'] === 'string' && obj['sds_config'] !== undefined) sds.add(obj['name']);
  for (const v of Object.values(obj)) walkListener(v, rds, sds);
}

/** The per-fleet decoding caches. */
export interface Derivations {
  /** EDS names of the clusters of a CDS response. */
  edsNames(versionInfo: string, resources: readonly WireResource[]): readonly string[];
  /** Route configuration and secret names of the listeners of an LDS response. */
  listenerNames(
    versionInfo: string,
    resources: readonly WireResource[],
  ): { rds: readonly string[]; sds: readonly string[] };
  /** The marker value a resource carries, undefined when the pattern does not match. */
  marker(spec: MarkerSpec, versionInfo: string, resource: WireResource): number | undefined;
}

/** Creates the caches one fleet shares. */
export function createDerivations(): Derivations {
  const interned = new Map<string, readonly string[]>();
  const eds = new Recent<readonly string[]>(16);
  const listeners = new Recent<{ rds: readonly string[]; sds: readonly string[] }>(16);
  const markers = new Recent<number | undefined>(256);
  const patterns = new Map<string, RegExp>();
  const clusterType = lookupMessage(TypeUrl.Cluster);
  // A response's resources are the same for every Envoy only if the version and the list match; the count
  // and the first and last names make a cheap guard against a partial response under the same version.
  const keyOf = (version: string, resources: readonly WireResource[]): string =>
    `${version}\0${resources.length}\0${resources[0]?.name ?? ''}\0${resources.at(-1)?.name ?? ''}`;
  return {
    edsNames(versionInfo, resources) {
      return eds.get(keyOf(versionInfo, resources), () => {
        const names: string[] = [];
        for (const r of resources) {
          const cluster = clusterType.decode(r.body) as unknown as ClusterFields;
          const config = cluster.eds_cluster_config;
          if (config === undefined || config === null) continue;
          names.push(config.service_name || cluster.name || r.name);
        }
        return canonical(names, interned);
      });
    },
    listenerNames(versionInfo, resources) {
      return listeners.get(keyOf(versionInfo, resources), () => {
        const rds = new Set<string>();
        const sds = new Set<string>();
        for (const r of resources) walkListener(decodeMessage(TypeUrl.Listener, r.body), rds, sds);
        return { rds: canonical(rds, interned), sds: canonical(sds, interned) };
      });
    },
    marker(spec, versionInfo, resource) {
      // A version is a digest of the type's whole view, so it and the name pin the body (its length guards).
      const key = `${spec.key}\0${versionInfo}\0${resource.name}\0${resource.body.length}`;
      return markers.get(key, () => {
        let pattern = patterns.get(spec.pattern);
        if (pattern === undefined) {
          pattern = new RegExp(spec.pattern, 'g');
          patterns.set(spec.pattern, pattern);
        }
        const json = JSON.stringify(decodeMessage(spec.typeUrl, resource.body));
        let best: number | undefined;
        for (const m of json.matchAll(pattern)) {
          const n = Number(m[1]);
          if (Number.isFinite(n) && (best === undefined || n > best)) best = n;
        }
        return best;
      });
    },
  };
}
