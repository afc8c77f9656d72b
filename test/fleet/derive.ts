// What an Envoy on ADS asks for next, derived from what it received: the EDS names of its clusters, the route
// configurations and secrets its listeners use. Full-state responses (CDS, LDS) of one version carry the same
// content to every Envoy, so each version is decoded once per fleet and the name lists are shared.
import { createHash } from 'node:crypto';
import { decodeMessage, TypeUrl } from '@sesame/shared';
import protobuf from 'protobufjs';
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

/**
 * The EDS name of an encoded Cluster (its eds_cluster_config (3) service_name (2), else its name (1)),
 * undefined when it is not an EDS cluster. Read field by field: a fleet reads thousands of clusters per Envoy.
 */
export function clusterEdsName(body: Uint8Array, fallback: string): string | undefined {
  const reader = protobuf.Reader.create(body);
  let name = '';
  let service = '';
  let eds = false;
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag === ((1 << 3) | 2)) name = reader.string();
    else if (tag === ((3 << 3) | 2)) {
      eds = true;
      const end = reader.uint32() + reader.pos;
      while (reader.pos < end) {
        const inner = reader.uint32();
        if (inner === ((2 << 3) | 2)) service = reader.string();
        else reader.skipType(inner & 7);
      }
    } else reader.skipType(tag & 7);
  }
  return eds ? service || name || fallback : undefined;
}

/** What identifies a full-state response for the caches (see createDerivations). */
export interface ResponseKey {
  readonly versionInfo: string;
  readonly count: number;
  readonly first: string;
  readonly last: string;
}

/** Derives from one response resource by resource, so that no body outlives its resource. */
export interface Collector<T> {
  /** A resource's body, or (listeners) some of its top-level fields: any valid encoding of part of it. */
  add(name: string, body: Buffer): void;
  /** The result for the whole response; the same array for the same response key. */
  finish(key: ResponseKey): T;
}

/** Route configuration and secret names a set of listeners uses. */
export interface ListenerNames {
  readonly rds: readonly string[];
  readonly sds: readonly string[];
}

/** The per-fleet decoding caches. */
export interface Derivations {
  /** EDS names of the clusters of a CDS response. */
  edsNames(versionInfo: string, resources: readonly WireResource[]): readonly string[];
  /** Route configuration and secret names of the listeners of an LDS response. */
  listenerNames(versionInfo: string, resources: readonly WireResource[]): ListenerNames;
  /** Collects the EDS names of a CDS response. */
  clusters(): Collector<readonly string[]>;
  /** Collects the RDS and SDS names of an LDS response. */
  listeners(): Collector<ListenerNames>;
  /** The marker value a resource carries, undefined when the pattern does not match. */
  marker(spec: MarkerSpec, versionInfo: string, resource: WireResource): number | undefined;
}

/** Creates the caches one fleet shares. */
export function createDerivations(): Derivations {
  const interned = new Map<string, readonly string[]>();
  const eds = new Recent<readonly string[]>(16);
  const listenerSets = new Recent<ListenerNames>(16);
  // The names in a part of a listener (a filter chain, or a whole listener), by its content: each part is
  // decoded once per fleet, not once per Envoy. Enough entries for the chains of a few listener versions.
  const perListener = new Recent<{ rds: readonly string[]; sds: readonly string[] }>(32_768);
  const markers = new Recent<number | undefined>(256);
  const patterns = new Map<string, RegExp>();
  // A response's resources are the same for every Envoy only if the version and the list match; the count
  // and the first and last names make a cheap guard against a partial response under the same version.
  const keyOf = (k: ResponseKey): string => `${k.versionInfo}\0${k.count}\0${k.first}\0${k.last}`;
  const keyOfList = (versionInfo: string, resources: readonly WireResource[]): ResponseKey => ({
    versionInfo,
    count: resources.length,
    first: resources[0]?.name ?? '',
    last: resources.at(-1)?.name ?? '',
  });
  const clusters = (): Collector<readonly string[]> => {
    const names: string[] = [];
    return {
      add(name, body) {
        const service = clusterEdsName(body, name);
        if (service !== undefined) names.push(service);
      },
      finish: (key) => eds.get(keyOf(key), () => canonical(names, interned)),
    };
  };
  const listeners = (): Collector<ListenerNames> => {
    const rds = new Set<string>();
    const sds = new Set<string>();
    return {
      add(_name, body) {
        const key =
          body.length <= 2048
            ? body.toString('latin1')
            : `${body.length}\0${createHash('sha1').update(body).digest('base64')}`;
        const one = perListener.get(key, () => {
          const r = new Set<string>();
          const s = new Set<string>();
          walkListener(decodeMessage(TypeUrl.Listener, body), r, s);
          return { rds: [...r], sds: [...s] };
        });
        for (const n of one.rds) rds.add(n);
        for (const n of one.sds) sds.add(n);
      },
      finish: (key) =>
        listenerSets.get(keyOf(key), () => ({
          rds: canonical(rds, interned),
          sds: canonical(sds, interned),
        })),
    };
  };
  const all = <T>(collector: Collector<T>, versionInfo: string, resources: readonly WireResource[]): T => {
    for (const r of resources) collector.add(r.name, r.body);
    return collector.finish(keyOfList(versionInfo, resources));
  };
  return {
    edsNames: (versionInfo, resources) => all(clusters(), versionInfo, resources),
    listenerNames: (versionInfo, resources) => all(listeners(), versionInfo, resources),
    clusters,
    listeners,
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
