// Reading and writing objects straight into the fixture's storage, bypassing HTTP (and the request log), so a
// test can seed and mutate a cluster the way other controllers would. Writes still produce watch events.
import { applyMergePatch } from './json-patch.js';
import { isObject, text } from './json.js';
import type { ObjectStore } from './object-store.js';
import type { JsonObject, ResourceDef } from './resources.js';
import { decodeCopy } from './stored-object.js';

/** Names one object; `namespace` is ignored for cluster-scoped kinds and defaults to `default` otherwise. */
export interface ObjectRef {
  readonly namespace?: string;
  readonly name: string;
}

/**
 * Direct access to the objects. Inputs are plain JSON-like objects (client-node models work too: they are
 * copied through JSON, so Dates become RFC 3339 strings); everything returned is a fresh copy.
 */
export interface ObjectControls {
  /** Creates an object as a client would, but keeps any `status` it carries (seeding). 409 if it exists. */
  create(resource: string, object: object): JsonObject;
  /**
   * Replaces an object, status included. Checked against `metadata.resourceVersion` only when the object carries
   * one (then a stale version throws the 409 Conflict `KubeApiError`).
   */
  update(resource: string, object: object): JsonObject;
  /** Replaces only the status (the metadata and spec given are ignored), as another status writer would. */
  updateStatus(resource: string, object: object): JsonObject;
  /** Applies a JSON merge patch (status included) and stores the result. */
  patch(resource: string, ref: ObjectRef, mergePatch: object): JsonObject;
  /** Deletes an object and returns its last state, or undefined when it did not exist. */
  delete(resource: string, ref: ObjectRef): JsonObject | undefined;
  get(resource: string, ref: ObjectRef): JsonObject | undefined;
  /** All objects of a kind (in one namespace, if given), in the order the API lists them. */
  list(resource: string, namespace?: string): JsonObject[];
  /** Drops every object and all history, as if etcd had been wiped (clients with old versions get 410). */
  reset(): void;
}

function namespaceOf(def: ResourceDef, namespace: unknown): string {
  if (!def.namespaced) return '';
  return typeof namespace === 'string' && namespace !== '' ? namespace : 'default';
}

function refOf(def: ResourceDef, object: JsonObject): { namespace: string; name: string } {
  const meta = isObject(object['metadata']) ? object['metadata'] : {};
  return { namespace: namespaceOf(def, meta['namespace']), name: text(meta['name']) };
}

/** A caller-independent copy of a JSON-like input. */
function copyIn(object: object): JsonObject {
  const copy: unknown = JSON.parse(JSON.stringify(object));
  if (!isObject(copy)) throw new Error('expected an object');
  return copy;
}

/** Test controls over `store`. */
export function createTestControls(store: ObjectStore): ObjectControls {
  const defOf = (resource: string): ResourceDef => {
    const def = store.registry.byPlural(resource);
    if (def === undefined) throw new Error(`the fixture serves no resource "${resource}"`);
    return def;
  };
  const write = (resource: string, object: object, mode: 'all' | 'status'): JsonObject => {
    const def = defOf(resource);
    const input = copyIn(object);
    const { namespace, name } = refOf(def, input);
    return decodeCopy(store.update(def, namespace, name, input, { mode, allowUnconditional: true }));
  };
  return {
    create(resource, object) {
      const def = defOf(resource);
      const input = copyIn(object);
      const { namespace } = refOf(def, input);
      return decodeCopy(store.create(def, def.namespaced ? namespace : undefined, input, 'all'));
    },
    update: (resource, object) => write(resource, object, 'all'),
    updateStatus: (resource, object) => write(resource, object, 'status'),
    patch(resource, ref, mergePatch) {
      const def = defOf(resource);
      const namespace = namespaceOf(def, ref.namespace);
      const current = store.get(def, namespace, ref.name);
      const base = current === undefined ? {} : decodeCopy(current);
      const next = applyMergePatch(base, copyIn(mergePatch)) as JsonObject;
      return decodeCopy(
        store.update(def, namespace, ref.name, next, { mode: 'all', allowUnconditional: true }),
      );
    },
    delete(resource, ref) {
      const def = defOf(resource);
      const namespace = namespaceOf(def, ref.namespace);
      if (store.get(def, namespace, ref.name) === undefined) return undefined;
      return decodeCopy(store.delete(def, namespace, ref.name));
    },
    get(resource, ref) {
      const def = defOf(resource);
      const object = store.get(def, namespaceOf(def, ref.namespace), ref.name);
      return object === undefined ? undefined : decodeCopy(object);
    },
    list: (resource, namespace) => store.list(defOf(resource), namespace).map(decodeCopy),
    reset: () => store.clear(),
  };
}
