import type { Meta } from './kinds.js';
import type { SourcePosition } from './object.js';
import type { FieldReader, Fields } from './read.js';

/** Where namespaced objects without `metadata.namespace` land, as with `kubectl apply`. */
export const DEFAULT_NAMESPACE = 'default';

/** Reads `metadata`; a missing name is an error the reader records. */
export function decodeMeta(r: FieldReader, manifest: Fields, origin: SourcePosition | undefined): Meta {
  const metadata = r.fields(manifest, 'metadata', '', true) ?? {};
  const name = r.string(metadata, 'name', 'metadata', true) ?? '';
  const namespace = r.string(metadata, 'namespace', 'metadata') ?? DEFAULT_NAMESPACE;
  return {
    namespace: namespace === '' ? DEFAULT_NAMESPACE : namespace,
    name,
    labels: r.stringMap(metadata, 'labels', 'metadata'),
    annotations: r.stringMap(metadata, 'annotations', 'metadata'),
    ...(origin === undefined ? {} : { origin }),
  };
}

/** The identity of an object for diagnostics even when its metadata is malformed. */
export function looseIdentity(manifest: Fields): { namespace: string; name: string } {
  const metadata = manifest['metadata'];
  const pick = (key: string): string => {
    if (typeof metadata !== 'object' || metadata === null) return '';
    const value = (metadata as Record<string, unknown>)[key];
    return typeof value === 'string' ? value : '';
  };
  return { namespace: pick('namespace') || DEFAULT_NAMESPACE, name: pick('name') };
}
