// What the real API server's registry strategies do to an object on its way into storage: system metadata
// (uid, creationTimestamp, generation) owned by the server, status owned by the status subresource, the
// per-kind defaults a client would observe (Secret `stringData` folded into `data`, Namespace phase…).
import { randomBytes, randomUUID } from 'node:crypto';
import { deepEqual, isObject, text } from './json.js';
import type { JsonObject, ResourceDef } from './resources.js';
import { apiVersionOf } from './resources.js';
import { KubeApiError, badRequest, conflict, failure, invalid } from './status.js';

/** Which part of the object a write may change. */
export type WriteMode =
  /** The main resource: `.status` is ignored for kinds with a status subresource. */
  | 'main'
  /** The status subresource: only `.status` changes. */
  | 'status'
  /** A test seeding state directly: everything, status included. */
  | 'all';

/** Formats a time as Kubernetes `metav1.Time` (RFC 3339, whole seconds). */
export function kubeTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function metadataOf(body: JsonObject): JsonObject {
  return isObject(body['metadata']) ? { ...body['metadata'] } : {};
}

function checkTypeMeta(def: ResourceDef, body: JsonObject): void {
  const apiVersion = body['apiVersion'];
  const kind = body['kind'];
  if (apiVersion !== undefined && apiVersion !== '' && apiVersion !== apiVersionOf(def)) {
    throw badRequest(
      `the API version in the data (${text(apiVersion)}) does not match the expected API version (${apiVersionOf(def)})`,
    );
  }
  if (kind !== undefined && kind !== '' && kind !== def.kind) {
    throw badRequest(`the kind in the data (${text(kind)}) does not match the expected kind (${def.kind})`);
  }
}

function checkName(def: ResourceDef, name: string): void {
  if (name === '.' || name === '..' || name.includes('/') || name.includes('%')) {
    throw invalid(
      def.kind,
      name,
      'metadata.name',
      `Invalid value: "${name}": may not contain '/' or '%', or be '.' or '..'`,
      def.group,
    );
  }
}

/** Per-kind normalisation the real strategies apply on every write. */
function applyKindDefaults(def: ResourceDef, body: JsonObject): void {
  normalizeLease(def, body);
  if (def.group !== '') return;
  if (def.kind === 'Secret') {
    const data = isObject(body['data']) ? { ...body['data'] } : {};
    if (isObject(body['stringData'])) {
      for (const [key, value] of Object.entries(body['stringData'])) {
        data[key] = Buffer.from(String(value)).toString('base64');
      }
    }
    delete body['stringData'];
    if (Object.keys(data).length > 0 || body['data'] !== undefined) body['data'] = data;
    if (typeof body['type'] !== 'string' || body['type'] === '') body['type'] = 'Opaque';
  } else if (def.kind === 'Service') {
    const spec = isObject(body['spec']) ? { ...body['spec'] } : {};
    if (typeof spec['type'] !== 'string') spec['type'] = 'ClusterIP';
    body['spec'] = spec;
  } else if (def.kind === 'Namespace') {
    body['spec'] = isObject(body['spec']) ? body['spec'] : { finalizers: ['kubernetes'] };
  }
}

/** Formats a time as `metav1.MicroTime`, which always carries six fractional digits. */
export function kubeMicroTime(date: Date): string {
  return date.toISOString().replace(/Z$/, '000Z');
}

/** Leases carry MicroTime fields; the server re-encodes whatever precision the client sent. */
function normalizeLease(def: ResourceDef, body: JsonObject): void {
  if (def.kind !== 'Lease' || def.group !== 'coordination.k8s.io' || !isObject(body['spec'])) return;
  const spec = { ...body['spec'] };
  for (const field of ['acquireTime', 'renewTime']) {
    const value = spec[field];
    if (typeof value !== 'string') continue;
    const parsed = new Date(value);
    if (Number.isNaN(parsed.getTime()))
      throw invalid(
        def.kind,
        '',
        `spec.${field}`,
        `Invalid value: "${value}": not a RFC 3339 time`,
        def.group,
      );
    spec[field] = kubeMicroTime(parsed);
  }
  body['spec'] = spec;
}

function freshStatus(def: ResourceDef): JsonObject | undefined {
  return def.emptyStatus === undefined ? undefined : structuredClone(def.emptyStatus);
}

function setStatus(body: JsonObject, status: unknown): void {
  if (status === undefined) delete body['status'];
  else body['status'] = status;
}

/** What `prepareCreate` needs besides the object. */
export interface CreateContext {
  readonly def: ResourceDef;
  /** The namespace of the request path; undefined for cluster-scoped kinds. */
  readonly namespace: string | undefined;
  readonly mode: 'main' | 'all';
  readonly now: Date;
}

/** The object to store for a create, without its resourceVersion; throws `KubeApiError` like the real server. */
export function prepareCreate(input: JsonObject, ctx: CreateContext): JsonObject {
  const { def } = ctx;
  checkTypeMeta(def, input);
  const body: JsonObject = { ...input };
  const metadata = metadataOf(body);
  if (typeof metadata['name'] !== 'string' || metadata['name'] === '') {
    if (typeof metadata['generateName'] !== 'string' || metadata['generateName'] === '') {
      throw invalid(
        def.kind,
        '',
        'metadata.name',
        'Required value: name or generateName is required',
        def.group,
      );
    }
    metadata['name'] = metadata['generateName'] + randomBytes(4).toString('hex').slice(0, 5);
  }
  checkName(def, String(metadata['name']));
  if (def.namespaced) {
    const requested = metadata['namespace'];
    if (typeof requested === 'string' && requested !== '' && requested !== ctx.namespace) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    metadata['namespace'] = ctx.namespace;
  } else {
    delete metadata['namespace'];
  }
  if (
    ctx.mode === 'main' &&
    metadata['resourceVersion'] !== undefined &&
    metadata['resourceVersion'] !== ''
  ) {
    throw new KubeApiError(
      failure({ code: 500, message: 'resourceVersion should not be set on objects to be created' }),
    );
  }
  delete metadata['resourceVersion'];
  delete metadata['deletionTimestamp'];
  metadata['uid'] = randomUUID();
  metadata['creationTimestamp'] = kubeTime(ctx.now);
  if (def.generation) metadata['generation'] = 1;
  else delete metadata['generation'];
  body['metadata'] = metadata;
  if (def.statusSubresource && (ctx.mode === 'main' || body['status'] === undefined))
    setStatus(body, freshStatus(def));
  applyKindDefaults(def, body);
  return body;
}

/** The parts of an object that count as its spec: everything but metadata, status and type meta. */
function specOf(body: JsonObject): JsonObject {
  const { metadata: _m, status: _s, kind: _k, apiVersion: _a, ...spec } = body;
  return spec;
}

/** What `prepareUpdate` needs besides the objects. */
export interface UpdateContext {
  readonly def: ResourceDef;
  readonly namespace: string | undefined;
  readonly name: string;
  readonly mode: WriteMode;
}

/**
 * The object to store for an update of `old` with `input`, without its resourceVersion. Optimistic concurrency
 * is checked by the store; this checks identity (name, namespace, uid) and keeps server-owned fields.
 */
export function prepareUpdate(old: JsonObject, input: JsonObject, ctx: UpdateContext): JsonObject {
  const { def } = ctx;
  checkTypeMeta(def, input);
  const oldMeta = metadataOf(old);
  const inMeta = metadataOf(input);
  const name = inMeta['name'] ?? ctx.name;
  if (name !== ctx.name) {
    throw badRequest(
      `the name of the object (${text(name)}) does not match the name on the URL (${ctx.name})`,
    );
  }
  const namespace = inMeta['namespace'];
  if (def.namespaced && typeof namespace === 'string' && namespace !== '' && namespace !== ctx.namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  const uid = inMeta['uid'];
  if (typeof uid === 'string' && uid !== '' && uid !== oldMeta['uid']) {
    throw conflict(
      def,
      ctx.name,
      `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${String(oldMeta['uid'])}`,
    );
  }
  if (ctx.mode === 'status') {
    // ResetObjectMetaForStatus: a status write changes nothing but status, not even labels.
    const body: JsonObject = { ...old };
    setStatus(body, input['status'] ?? freshStatus(def));
    return body;
  }
  const body: JsonObject = { ...input };
  const metadata: JsonObject = { ...inMeta, name: ctx.name };
  if (def.namespaced) metadata['namespace'] = ctx.namespace;
  for (const key of ['uid', 'creationTimestamp', 'deletionTimestamp', 'generation'] as const) {
    if (oldMeta[key] === undefined) delete metadata[key];
    else metadata[key] = oldMeta[key];
  }
  body['metadata'] = metadata;
  if (def.statusSubresource && ctx.mode === 'main') setStatus(body, old['status']);
  applyKindDefaults(def, body);
  if (def.generation && !deepEqual(specOf(body), specOf(old))) {
    metadata['generation'] = (typeof oldMeta['generation'] === 'number' ? oldMeta['generation'] : 0) + 1;
  }
  return body;
}
