import {
  decodeMessage,
  TYPE_URLS,
  TypeUrl,
  type Resource,
  type Snapshot,
  type SnapshotUpdate,
} from '@sesame/shared';
import { createNameSetTable, type NameSet, type NameSetTable } from './name-sets.js';
import { InterestImpl, TypeViewState, type Group } from './type-view-state.js';
import { isVisible, VIEW_NAMES, type ViewName } from './views.js';

/**
 * The resources of one type as one view sees them at one version. Immutable: an update makes a new one, so a
 * stream may keep the view it sent as a record of what its client holds.
 */
export interface TypeView {
  readonly view: ViewName;
  readonly typeUrl: TypeUrl;
  /** Derived from exactly this content: the same on every edge replica. */
  readonly version: string;
  readonly resources: ReadonlyMap<string, Resource>;
}

/** Something that holds interests (a stream); told about changes synchronously, inside `update`. */
export interface CacheWatcher {
  /**
   * Resources of `typeUrl` that this watcher cares about changed (upserted, removed, or moved out of its
   * view). `names` is null when everything must be re-evaluated (the first snapshot); it may be shared with
   * other watchers, so it must not be modified. Called in make-before-break type order.
   */
  resourcesChanged(typeUrl: TypeUrl, names: ReadonlySet<string> | null, arrivedAt: number): void;
  /** Called once per update, after every `resourcesChanged` of that update: the moment to write. */
  updated(): void;
}

/** The names one watcher watches for one view and type; indexed so a change costs O(affected watchers). */
export interface Interest {
  /** Replaces the watched set: every name (`wildcard`) and/or the given names (ideally an interned set). */
  set(wildcard: boolean, names: NameSet): void;
  close(): void;
}

/**
 * The current snapshot, split into views and indexed by type and name, plus who watches what. It only relays
 * encoded resources; the one thing it decodes is a Cluster's EDS service name, once per resource version.
 */
export interface ResourceCache {
  /** True once a complete snapshot has arrived. */
  ready(): boolean;
  snapshotVersion(): string | undefined;
  get(view: ViewName, typeUrl: TypeUrl): TypeView;
  interest(view: ViewName, typeUrl: TypeUrl, watcher: CacheWatcher): Interest;
  /** Applies an update from the bus and notifies the affected watchers before returning. */
  update(update: SnapshotUpdate, arrivedAt: number): void;
  /** The ClusterLoadAssignment name an EDS cluster asks for; undefined for other clusters. */
  edsServiceName(cluster: Resource): string | undefined;
  /** Interned subscription sets, shared by the streams of this cache. */
  readonly nameSets: NameSetTable;
}

/** Creates an empty (not ready) cache. */
export function createResourceCache(): ResourceCache {
  let current: Snapshot | undefined;
  const states = new Map<string, TypeViewState>();
  for (const view of VIEW_NAMES) {
    for (const typeUrl of TYPE_URLS) states.set(key(view, typeUrl), new TypeViewState(view, typeUrl));
  }
  const state = (view: ViewName, typeUrl: TypeUrl): TypeViewState => {
    const s = states.get(key(view, typeUrl));
    if (s === undefined) throw new Error(`unreachable: no state for ${view} ${typeUrl}`);
    return s;
  };
  const edsNames = new Map<string, string | undefined>();

  const update = (u: SnapshotUpdate, arrivedAt: number): void => {
    const wasReady = current !== undefined;
    const changed = new Map<TypeViewState, Set<string>>();
    const gone: Resource[] = [];
    const mark = (s: TypeViewState, name: string, old: Resource | undefined): void => {
      let names = changed.get(s);
      if (names === undefined) changed.set(s, (names = new Set()));
      names.add(name);
      if (old !== undefined) gone.push(old);
    };
    const put = (view: ViewName, r: Resource): void => {
      const s = state(view, r.typeUrl);
      if (isVisible(view, r)) {
        const old = s.put(r);
        if (old !== r) mark(s, r.name, old);
      } else {
        const old = s.remove(r.name);
        if (old !== undefined) mark(s, r.name, old);
      }
    };
    const incremental =
      wasReady && u.change.previousVersion !== null && u.change.previousVersion === current?.version;
    if (incremental) {
      for (const k of u.change.removals) {
        for (const view of VIEW_NAMES) {
          const s = state(view, k.typeUrl);
          const old = s.remove(k.name);
          if (old !== undefined) mark(s, k.name, old);
        }
      }
      for (const r of u.change.upserts) for (const view of VIEW_NAMES) put(view, r);
    } else {
      // A full state (first update, or the bus resynchronised): diff it against what we hold, so streams
      // hear only about what really differs.
      for (const typeUrl of TYPE_URLS) {
        const next = u.snapshot.types.get(typeUrl)?.resources ?? new Map<string, Resource>();
        for (const view of VIEW_NAMES) {
          const s = state(view, typeUrl);
          for (const name of [...s.current.resources.keys()]) {
            if (next.has(name)) continue;
            mark(s, name, s.remove(name));
          }
          for (const r of next.values()) put(view, r);
        }
      }
    }
    current = u.snapshot;
    for (const s of states.values()) s.commit();
    for (const old of gone) {
      if (old.typeUrl === TypeUrl.Cluster && !isCurrent(old)) edsNames.delete(old.version);
    }
    notify(wasReady ? changed : null, arrivedAt);
  };

  const isCurrent = (r: Resource): boolean => current?.get(r.typeUrl, r.name)?.version === r.version;

  const notify = (changed: Map<TypeViewState, Set<string>> | null, arrivedAt: number): void => {
    const touched = new Set<CacheWatcher>();
    for (const typeUrl of TYPE_URLS) {
      for (const view of VIEW_NAMES) {
        const s = state(view, typeUrl);
        if (changed === null) {
          // The first snapshot: every stream waiting for it re-evaluates everything.
          for (const i of s.interests) {
            i.watcher.resourcesChanged(typeUrl, null, arrivedAt);
            touched.add(i.watcher);
          }
          continue;
        }
        const names = changed.get(s);
        if (names === undefined) continue;
        for (const w of s.wildcard) {
          w.resourcesChanged(typeUrl, names, arrivedAt);
          touched.add(w);
        }
        // Per group, the changed names it watches: computed once and shared by all of its watchers.
        const perGroup = new Map<Group, Set<string>>();
        for (const name of names) {
          for (const g of s.byName.get(name) ?? []) {
            let set = perGroup.get(g);
            if (set === undefined) perGroup.set(g, (set = new Set()));
            set.add(name);
          }
        }
        for (const [g, set] of perGroup) {
          for (const w of g.watchers) {
            w.resourcesChanged(typeUrl, set, arrivedAt);
            touched.add(w);
          }
        }
      }
    }
    for (const w of touched) w.updated();
  };

  return {
    ready: () => current !== undefined,
    snapshotVersion: () => current?.version,
    get: (view, typeUrl) => state(view, typeUrl).current,
    interest: (view, typeUrl, watcher) => new InterestImpl(state(view, typeUrl), watcher),
    update,
    edsServiceName(cluster: Resource): string | undefined {
      if (edsNames.has(cluster.version)) return edsNames.get(cluster.version);
      const name = edsServiceNameOf(cluster);
      // Only versions still served are remembered, so the memo never outgrows the snapshot.
      if (isCurrent(cluster)) edsNames.set(cluster.version, name);
      return name;
    },
    nameSets: createNameSetTable(),
  };
}

function key(view: ViewName, typeUrl: TypeUrl): string {
  return `${view}\0${typeUrl}`;
}

interface DecodedCluster {
  type?: string;
  eds_cluster_config?: { service_name?: string };
}

function edsServiceNameOf(cluster: Resource): string | undefined {
  let decoded: DecodedCluster;
  try {
    decoded = decodeMessage(TypeUrl.Cluster, cluster.body);
  } catch {
    return undefined;
  }
  if (decoded.type !== 'EDS' && decoded.eds_cluster_config === undefined) return undefined;
  const serviceName = decoded.eds_cluster_config?.service_name;
  return serviceName !== undefined && serviceName !== '' ? serviceName : cluster.name;
}
