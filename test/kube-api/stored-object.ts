// One stored version of an object. It is encoded once when written, and every list, get and watch event reuses
// that encoding, so a write costs one JSON.stringify however many watchers there are. The decoded body stays
// inside the fixture and is never mutated; callers outside get fresh copies.
import type { JsonObject, ResourceDef } from './resources.js';
import { apiVersionOf } from './resources.js';
import { isObject, stringMap, text } from './json.js';

/** An immutable object version as the store keeps it. */
export interface StoredObject {
  readonly def: ResourceDef;
  /** `namespace/name` for namespaced kinds, `name` otherwise: the etcd key order lists sort by. */
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly resourceVersion: number;
  readonly labels: Readonly<Record<string, string>>;
  /** The values field selectors compare (`metadata.name`, `type`…). */
  readonly fields: Readonly<Record<string, string>>;
  /** Decoded, with `kind` and `apiVersion` first; internal, never handed out. */
  readonly body: JsonObject;
  /** The encoding a get, a watch event or a custom resource list item carries. */
  readonly json: string;
}

/** The key an object is stored under. */
export function objectKey(def: ResourceDef, namespace: string, name: string): string {
  return def.namespaced ? `${namespace}/${name}` : name;
}

function typeMetaPrefix(def: ResourceDef): string {
  return `{"kind":${JSON.stringify(def.kind)},"apiVersion":${JSON.stringify(apiVersionOf(def))},`;
}

function fieldValue(body: JsonObject, path: string): string {
  let node: unknown = body;
  for (const part of path.split('.')) node = isObject(node) ? node[part] : undefined;
  return typeof node === 'string' ? node : '';
}

/**
 * Seals `body` (which the caller hands over and must not touch again) at `resourceVersion`: stamps the version,
 * puts kind and apiVersion first as the real server's encoder does, and encodes it.
 */
export function sealObject(def: ResourceDef, body: JsonObject, resourceVersion: number): StoredObject {
  const { kind: _kind, apiVersion: _apiVersion, ...rest } = body;
  const metadata: JsonObject = {
    ...(isObject(rest['metadata']) ? rest['metadata'] : {}),
    resourceVersion: String(resourceVersion),
  };
  const sealed: JsonObject = { kind: def.kind, apiVersion: apiVersionOf(def), ...rest, metadata };
  const namespace = def.namespaced ? text(metadata['namespace']) : '';
  const name = text(metadata['name']);
  const fields: Record<string, string> = { 'metadata.name': name, 'metadata.namespace': namespace };
  for (const field of def.selectableFields) fields[field] = fieldValue(sealed, field);
  return {
    def,
    key: objectKey(def, namespace, name),
    namespace,
    name,
    uid: text(metadata['uid']),
    resourceVersion,
    labels: stringMap(metadata, 'labels'),
    fields,
    body: sealed,
    json: JSON.stringify(sealed),
  };
}

/** The same content at another resourceVersion (a deletion, or a selector transition, carries the event's). */
export function atResourceVersion(object: StoredObject, resourceVersion: number): StoredObject {
  return sealObject(object.def, object.body, resourceVersion);
}

/**
 * The encoding inside a `<Kind>List`: built-in kinds leave `kind` and `apiVersion` out of list items (the real
 * server does, and clients must cope), custom resources keep them.
 */
export function listItemJson(object: StoredObject): string {
  if (object.def.custom) return object.json;
  return `{${object.json.slice(typeMetaPrefix(object.def).length)}`;
}

/** A fresh, caller-owned copy of the object. */
export function decodeCopy(object: StoredObject): JsonObject {
  return JSON.parse(object.json) as JsonObject;
}

/** The object with `metadata.resourceVersion` removed, for comparing content across versions. */
export function withoutResourceVersion(body: JsonObject): JsonObject {
  const metadata = isObject(body['metadata']) ? { ...body['metadata'] } : {};
  delete metadata['resourceVersion'];
  return { ...body, metadata };
}
