// The fixture's etcd: objects per resource, one global revision counter (etcd's revision, which is what
// resourceVersion is), and a bounded history of changes that watches replay and `compact()` forgets.
import { deepEqual, isObject, text } from './json.js';
import type { JsonObject, ResourceDef, ResourceRegistry } from './resources.js';
import { alreadyExists, badRequest, conflict, expired, invalid, notFound } from './status.js';
import type { StoredObject } from './stored-object.js';
import { atResourceVersion, objectKey, sealObject, withoutResourceVersion } from './stored-object.js';
import type { WriteMode } from './write-rules.js';
import { prepareCreate, prepareUpdate } from './write-rules.js';

/** One change as etcd records it: the new state and the one it replaced. */
export interface ChangeEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly resourceVersion: number;
  /** The new state; for DELETED, the last state stamped with the deletion's resourceVersion. */
  readonly object: StoredObject;
  readonly previous?: StoredObject;
}

/** Preconditions a DELETE may carry (`DeleteOptions.preconditions`). */
export interface DeletePreconditions {
  readonly uid?: string;
  readonly resourceVersion?: string;
}

/** How an update treats a missing `metadata.resourceVersion`. */
export interface UpdateOptions {
  readonly mode: WriteMode;
  /** PATCH never needs a resourceVersion; PUT of a custom resource does. */
  readonly allowUnconditional: boolean;
}

/** The state of the fixture's storage, shared by the HTTP layer and the test controls. */
export interface ObjectStore {
  readonly registry: ResourceRegistry;
  /** The latest resourceVersion handed out. */
  revision(): number;
  /** History at or below this resourceVersion is gone: watching from an older one gets 410. */
  compactedRevision(): number;
  get(def: ResourceDef, namespace: string, name: string): StoredObject | undefined;
  /** The current objects of a kind (optionally one namespace), in key order. */
  list(def: ResourceDef, namespace?: string): StoredObject[];
  /** The objects of a kind as they were at `resourceVersion` (410 when history no longer reaches it). */
  listAt(def: ResourceDef, resourceVersion: number, namespace?: string): StoredObject[];
  /** Changes after `resourceVersion`, or undefined when history no longer reaches back that far. */
  changesSince(resourceVersion: number): readonly ChangeEvent[] | undefined;
  create(
    def: ResourceDef,
    namespace: string | undefined,
    input: JsonObject,
    mode: 'main' | 'all',
  ): StoredObject;
  update(
    def: ResourceDef,
    namespace: string,
    name: string,
    input: JsonObject,
    options: UpdateOptions,
  ): StoredObject;
  delete(
    def: ResourceDef,
    namespace: string,
    name: string,
    preconditions?: DeletePreconditions,
  ): StoredObject;
  /** Forgets history up to `resourceVersion` (default: all of it). */
  compact(resourceVersion?: number): void;
  /** Drops every object and all history; the revision keeps counting up, as etcd's would after a restore. */
  clear(): void;
  /** Called synchronously for every change, in order. */
  subscribe(listener: (event: ChangeEvent) => void): () => void;
}

/** Options of `createObjectStore`. */
export interface ObjectStoreOptions {
  readonly registry: ResourceRegistry;
  /** How many changes history keeps before the oldest are compacted away. */
  readonly historyLimit: number;
  readonly now: () => Date;
}

/** Parses a resourceVersion the client sent; the real server rejects what is not a revision. */
export function parseResourceVersion(value: string): number {
  if (!/^\d+$/.test(value)) throw badRequest(`invalid resource version: ${value}`);
  return Number(value);
}

/** Creates empty storage starting at revision 1. */
export function createObjectStore(options: ObjectStoreOptions): ObjectStore {
  const { registry } = options;
  const objects = new Map<ResourceDef, Map<string, StoredObject>>();
  let history: ChangeEvent[] = [];
  let revision = 1;
  let compacted = 1;
  const listeners = new Set<(event: ChangeEvent) => void>();

  const bucket = (def: ResourceDef): Map<string, StoredObject> => {
    let map = objects.get(def);
    if (map === undefined) {
      map = new Map();
      objects.set(def, map);
    }
    return map;
  };

  const record = (event: ChangeEvent): void => {
    history.push(event);
    if (history.length > options.historyLimit * 1.25) {
      const drop = history.length - options.historyLimit;
      compacted = history[drop - 1]?.resourceVersion ?? compacted;
      history = history.slice(drop);
    }
    for (const listener of [...listeners]) listener(event);
  };

  const commit = (def: ResourceDef, body: JsonObject, previous: StoredObject | undefined): StoredObject => {
    revision += 1;
    const object = sealObject(def, body, revision);
    bucket(def).set(object.key, object);
    record({
      type: previous === undefined ? 'ADDED' : 'MODIFIED',
      resourceVersion: revision,
      object,
      previous,
    });
    return object;
  };

  const sorted = (items: Iterable<StoredObject>, namespace: string | undefined): StoredObject[] => {
    const out: StoredObject[] = [];
    for (const item of items) if (namespace === undefined || item.namespace === namespace) out.push(item);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  };

  const changesSince = (resourceVersion: number): readonly ChangeEvent[] | undefined => {
    if (resourceVersion < compacted) return undefined;
    let lo = 0;
    let hi = history.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((history[mid]?.resourceVersion ?? 0) <= resourceVersion) lo = mid + 1;
      else hi = mid;
    }
    return history.slice(lo);
  };

  const checkVersion = (
    def: ResourceDef,
    current: StoredObject,
    input: JsonObject,
    options: UpdateOptions,
  ): void => {
    const meta = isObject(input['metadata']) ? input['metadata'] : {};
    const wanted = meta['resourceVersion'];
    if (wanted === undefined || wanted === null || wanted === '') {
      if (options.allowUnconditional || !def.custom || options.mode === 'all') return;
      throw invalid(
        def.kind,
        current.name,
        'metadata.resourceVersion',
        'Invalid value: 0x0: must be specified for an update',
        def.group,
      );
    }
    if (parseResourceVersion(text(wanted)) !== current.resourceVersion) throw conflict(def, current.name);
  };

  return {
    registry,
    revision: () => revision,
    compactedRevision: () => compacted,
    get: (def, namespace, name) => objects.get(def)?.get(objectKey(def, namespace, name)),
    list: (def, namespace) => sorted(objects.get(def)?.values() ?? [], namespace),
    listAt(def, resourceVersion, namespace) {
      const changes = changesSince(resourceVersion);
      if (changes === undefined) throw expired(`The resourceVersion for the provided list is too old.`);
      const state = new Map(objects.get(def));
      for (let i = changes.length - 1; i >= 0; i -= 1) {
        const change = changes[i];
        if (change === undefined || change.object.def !== def) continue;
        if (change.previous === undefined) state.delete(change.object.key);
        else state.set(change.object.key, change.previous);
      }
      return sorted(state.values(), namespace);
    },
    changesSince,
    create(def, namespace, input, mode) {
      const body = prepareCreate(input, { def, namespace, mode, now: options.now() });
      const meta = body['metadata'] as JsonObject;
      const existing = objects.get(def)?.get(objectKey(def, namespace ?? '', String(meta['name'])));
      if (existing !== undefined) {
        throw alreadyExists(def, existing.name);
      }
      return commit(def, body, undefined);
    },
    update(def, namespace, name, input, updateOptions) {
      const current = objects.get(def)?.get(objectKey(def, namespace, name));
      if (current === undefined) throw notFound(def, name);
      checkVersion(def, current, input, updateOptions);
      const body = prepareUpdate(current.body, input, { def, namespace, name, mode: updateOptions.mode });
      // A write that changes nothing is not a write: etcd keeps the revision and no watch event fires.
      if (deepEqual(withoutResourceVersion(body), withoutResourceVersion(current.body))) return current;
      return commit(def, body, current);
    },
    delete(def, namespace, name, preconditions) {
      const map = objects.get(def);
      const current = map?.get(objectKey(def, namespace, name));
      if (map === undefined || current === undefined) throw notFound(def, name);
      if (preconditions?.uid !== undefined && preconditions.uid !== current.uid) {
        throw conflict(
          def,
          name,
          `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${current.uid}`,
        );
      }
      const wanted = preconditions?.resourceVersion;
      if (wanted !== undefined && wanted !== String(current.resourceVersion)) {
        throw conflict(
          def,
          name,
          `Precondition failed: ResourceVersion in precondition: ${wanted}, ResourceVersion in object meta: ${current.resourceVersion}`,
        );
      }
      revision += 1;
      map.delete(current.key);
      const object = atResourceVersion(current, revision);
      record({ type: 'DELETED', resourceVersion: revision, object, previous: current });
      return object;
    },
    compact(resourceVersion = revision) {
      const upTo = Math.min(resourceVersion, revision);
      if (upTo <= compacted) return;
      compacted = upTo;
      history = history.filter((event) => event.resourceVersion > upTo);
    },
    clear() {
      objects.clear();
      history = [];
      // Every resourceVersion a client holds now predates the (lost) history, so its next watch gets 410.
      revision += 1;
      compacted = revision;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
