import {
  decodeMessage,
  TYPE_URLS,
  TypeUrl,
  type Resource,
  type Snapshot,
  type SnapshotUpdate,
} from '@sesame/shared';
import { isVisible, VIEW_NAMES, ViewDigest, type ViewName } from './views.js';

/** The resources of one type as one view sees them, with a version derived from exactly that content. */
export interface TypeView {
  readonly view: ViewName;
  readonly typeUrl: TypeUrl;
  readonly version: string;
  readonly resources: ReadonlyMap<string, Resource>;
}

/** Something that holds interests (a stream); told about changes synchronously, inside `update`. */
export interface CacheWatcher {
  /**
   * Resources of `typeUrl` that this watcher cares about changed (upserted, removed, or moved out of its
   * view). `names` is null when everything must be re-evaluated (the first snapshot). Called in
   * make-before-break type order.
   */
  resourcesChanged(typeUrl: TypeUrl, names: ReadonlySet<string> | null, arrivedAt: number): void;
  /** Called once per update, after every `resourcesChanged` of that update: the moment to write. */
  updated(): void;
}

/** The names one watcher watches for one view and type; indexed so a change costs O(affected watchers). */
export interface Interest {
  /** Replaces the watched set: every name (`wildcard`) and/or the given names. */
  set(wildcard: boolean, names: ReadonlySet<string>): void;
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
}

class TypeViewState implements TypeView {
  version: string;
  readonly resources = new Map<string, Resource>();
  readonly digest = new ViewDigest();
  readonly byName = new Map<string, Set<CacheWatcher>>();
  readonly wildcard = new Set<CacheWatcher>();
  readonly interests = new Set<InterestImpl>();

  constructor(
    readonly view: ViewName,
    readonly typeUrl: TypeUrl,
  ) {
    this.version = this.digest.version(view, typeUrl, 0);
  }

  /** Returns the replaced resource, `r` itself when nothing changed, or undefined when it is new. */
  put(r: Resource): Resource | undefined {
    const old = this.resources.get(r.name);
    if (old?.version === r.version) return r;
    if (old !== undefined) this.digest.toggle(old.version);
    this.digest.toggle(r.version);
    this.resources.set(r.name, r);
    return old;
  }

  remove(name: string): Resource | undefined {
    const old = this.resources.get(name);
    if (old === undefined) return undefined;
    this.digest.toggle(old.version);
    this.resources.delete(name);
    return old;
  }

  refreshVersion(): void {
    this.version = this.digest.version(this.view, this.typeUrl, this.resources.size);
  }
}

class InterestImpl implements Interest {
  private wildcard = false;
  private names: ReadonlySet<string> = new Set();

  constructor(
    private readonly state: TypeViewState,
    readonly watcher: CacheWatcher,
  ) {
    state.interests.add(this);
  }

  set(wildcard: boolean, names: ReadonlySet<string>): void {
    const { state, watcher } = this;
    if (wildcard !== this.wildcard) {
      if (wildcard) state.wildcard.add(watcher);
      else state.wildcard.delete(watcher);
      this.wildcard = wildcard;
    }
    for (const name of this.names) {
      if (names.has(name)) continue;
      const set = state.byName.get(name);
      set?.delete(watcher);
      if (set?.size === 0) state.byName.delete(name);
    }
    for (const name of names) {
      if (this.names.has(name)) continue;
      let set = state.byName.get(name);
      if (set === undefined) state.byName.set(name, (set = new Set()));
      set.add(watcher);
    }
    this.names = new Set(names);
  }

  close(): void {
    this.set(false, new Set());
    this.state.interests.delete(this);
  }
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
          for (const name of [...s.resources.keys()]) {
            if (next.has(name)) continue;
            mark(s, name, s.remove(name));
          }
          for (const r of next.values()) put(view, r);
        }
      }
    }
    current = u.snapshot;
    for (const s of changed.keys()) s.refreshVersion();
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
        const perWatcher = new Map<CacheWatcher, Set<string>>();
        for (const w of s.wildcard) perWatcher.set(w, names);
        for (const name of names) {
          for (const w of s.byName.get(name) ?? []) {
            let set = perWatcher.get(w);
            if (set === names) continue;
            if (set === undefined) perWatcher.set(w, (set = new Set()));
            set.add(name);
          }
        }
        for (const [w, set] of perWatcher) {
          w.resourcesChanged(typeUrl, set, arrivedAt);
          touched.add(w);
        }
      }
    }
    for (const w of touched) w.updated();
  };

  return {
    ready: () => current !== undefined,
    snapshotVersion: () => current?.version,
    get: state,
    interest: (view, typeUrl, watcher) => new InterestImpl(state(view, typeUrl), watcher),
    update,
    edsServiceName(cluster: Resource): string | undefined {
      if (edsNames.has(cluster.version)) return edsNames.get(cluster.version);
      const name = edsServiceNameOf(cluster);
      // Only versions still served are remembered, so the memo never outgrows the snapshot.
      if (isCurrent(cluster)) edsNames.set(cluster.version, name);
      return name;
    },
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
