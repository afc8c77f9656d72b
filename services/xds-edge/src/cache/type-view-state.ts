import type { Resource, TypeUrl } from '@sesame/shared';
import { LayeredMap } from './layered-map.js';
import type { NameSet } from './name-sets.js';
import type { CacheWatcher, Interest, TypeView } from './resource-cache.js';
import { ViewDigest, type ViewName } from './views.js';

/** Watchers subscribed to exactly the same names: the index points at groups, not at each watcher. */
export interface Group {
  readonly names: NameSet;
  readonly watchers: Set<CacheWatcher>;
}

/** One view of one type: its current immutable view, its digest, and who watches which names. */
export class TypeViewState {
  current: TypeView & { readonly resources: LayeredMap<Resource> };
  readonly digest = new ViewDigest();
  /**
   * The changes of the update in progress (undefined: removed). Committed as a layer over the current view,
   * so a change costs what changed, not a copy of every resource of the type.
   */
  private readonly edits = new Map<string, Resource | undefined>();
  readonly byName = new Map<string, Set<Group>>();
  readonly groups = new Map<NameSet, Group>();
  readonly wildcard = new Set<CacheWatcher>();
  readonly interests = new Set<InterestImpl>();

  constructor(
    readonly view: ViewName,
    readonly typeUrl: TypeUrl,
  ) {
    const resources = LayeredMap.empty<Resource>();
    this.current = { view, typeUrl, version: this.digest.version(view, typeUrl, 0), resources };
  }

  private latest(name: string): Resource | undefined {
    return this.edits.has(name) ? this.edits.get(name) : this.current.resources.get(name);
  }

  /** Returns the replaced resource, `r` itself when nothing changed, or undefined when it is new. */
  put(r: Resource): Resource | undefined {
    const old = this.latest(r.name);
    if (old?.version === r.version) return r;
    if (old !== undefined) this.digest.toggle(old.version);
    this.digest.toggle(r.version);
    this.edits.set(r.name, r);
    return old;
  }

  remove(name: string): Resource | undefined {
    const old = this.latest(name);
    if (old === undefined) return undefined;
    this.digest.toggle(old.version);
    this.edits.set(name, undefined);
    return old;
  }

  /** Publishes the modified resources as the new current view. */
  commit(): void {
    if (this.edits.size === 0) return;
    const resources = this.current.resources.with(this.edits);
    this.edits.clear();
    const version = this.digest.version(this.view, this.typeUrl, resources.size);
    this.current = { view: this.view, typeUrl: this.typeUrl, version, resources };
  }

  join(group: NameSet, watcher: CacheWatcher): void {
    let g = this.groups.get(group);
    if (g === undefined) {
      g = { names: group, watchers: new Set() };
      this.groups.set(group, g);
      for (const name of group) {
        let set = this.byName.get(name);
        if (set === undefined) this.byName.set(name, (set = new Set()));
        set.add(g);
      }
    }
    g.watchers.add(watcher);
  }

  leave(group: NameSet, watcher: CacheWatcher): void {
    const g = this.groups.get(group);
    if (g === undefined || !g.watchers.delete(watcher) || g.watchers.size > 0) return;
    this.groups.delete(group);
    for (const name of group) {
      const set = this.byName.get(name);
      set?.delete(g);
      if (set?.size === 0) this.byName.delete(name);
    }
  }
}

const NO_NAMES: NameSet = new Set();

/** One watcher's interest in one view of one type, kept in the state's index. */
export class InterestImpl implements Interest {
  private wildcard = false;
  private names: NameSet = NO_NAMES;

  constructor(
    private readonly state: TypeViewState,
    readonly watcher: CacheWatcher,
  ) {
    state.interests.add(this);
  }

  set(wildcard: boolean, names: NameSet): void {
    const { state, watcher } = this;
    if (wildcard !== this.wildcard) {
      if (wildcard) state.wildcard.add(watcher);
      else state.wildcard.delete(watcher);
      this.wildcard = wildcard;
    }
    if (names === this.names) return;
    if (this.names.size > 0) state.leave(this.names, watcher);
    if (names.size > 0) state.join(names, watcher);
    this.names = names;
  }

  close(): void {
    this.set(false, NO_NAMES);
    this.state.interests.delete(this);
  }
}
