import { createHash } from 'node:crypto';
import type { KubernetesObject } from '@kubernetes/client-node';
import { canonicalJson } from '../util/order.js';
import { apiVersionOf, type WatchedKind } from './watched-kinds.js';

/** Secret keys the translation reads; any other key is dropped on arrival (memory, and no-op events). */
export const SECRET_KEYS: ReadonlySet<string> = new Set(['tls.crt', 'tls.key', 'ca.crt', 'crl.pem']);

/** kubectl's copy of the whole object as last applied: as large as the object, and never read. */
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

type Mutable = Record<string, unknown>;

/**
 * Trims an object as it arrives, in place, so the informer's cache holds the trimmed copy only: sets `kind`
 * and `apiVersion` (list items of built-in kinds have none), drops `managedFields`, the last-applied
 * annotation and Secret keys nobody reads.
 */
export function normalizeObject(object: KubernetesObject, kind: WatchedKind): void {
  const o = object as Mutable;
  o['apiVersion'] = apiVersionOf(kind);
  o['kind'] = kind.kind;
  const metadata = o['metadata'] as Mutable | undefined;
  if (metadata !== undefined) {
    delete metadata['managedFields'];
    const annotations = metadata['annotations'] as Mutable | undefined;
    if (annotations !== undefined && annotations !== null && LAST_APPLIED in annotations) {
      delete annotations[LAST_APPLIED];
    }
  }
  if (kind.kind === 'Secret') {
    for (const field of ['data', 'stringData']) {
      const data = o[field] as Mutable | undefined;
      if (data === undefined || data === null) continue;
      for (const key of Object.keys(data)) if (!SECRET_KEYS.has(key)) delete data[key];
    }
  }
}

/**
 * A digest of what the translation can see of an object: labels, annotations and everything outside
 * metadata and status. Two versions with the same digest translate the same, so an update that changes
 * only status (which Sesame writes itself) or bookkeeping metadata costs nothing downstream. Where the API
 * server keeps `metadata.generation` (bumped by every change outside metadata and status), it stands in for
 * the rest of the object, so the echo of a status write is recognised without hashing the whole spec.
 */
export function contentDigest(object: KubernetesObject): string {
  const { metadata, status: _status, kind: _kind, apiVersion: _apiVersion, ...rest } = object as Mutable;
  const meta = (metadata ?? {}) as Mutable;
  const generation = meta['generation'];
  const body = typeof generation === 'number' ? { generation } : { rest };
  const visible = { labels: meta['labels'], annotations: meta['annotations'], ...body };
  return createHash('sha1').update(canonicalJson(visible)).digest('base64');
}

/** `namespace/name` of an object ('' namespace for cluster-scoped kinds). */
export function objectName(object: KubernetesObject): { namespace: string; name: string } {
  return { namespace: object.metadata?.namespace ?? '', name: object.metadata?.name ?? '' };
}
