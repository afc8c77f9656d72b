import { looseIdentity } from '../kube/decode-meta.js';
import { decodeObjects } from '../kube/kube-cache.js';
import type { Diagnostic, KubeObject } from '../kube/object.js';
import type { ObjectChanges } from '../translate-incremental.js';
import type { ObjectKey } from '../translate-store.js';
import type { FileChange } from './folder-cache.js';

/**
 * The objects of a folder as the translation should see them: one per kind, namespace and name. An object
 * found once passes as it is (the translation decodes it and reports a failure itself). One found in
 * several places is settled exactly as a full listing settles it (`decodeObjects`: the first that decodes,
 * by file and line, then content), and the problems of that choice become the folder's own diagnostics.
 * So applying the changes to a translation gives what translating the whole folder again would.
 */
export interface ObjectView {
  /** Takes in changed files; returns the objects to delete (first) and upsert in the translation. */
  update(changes: readonly FileChange[]): ObjectChanges;
  /** Every object the translation should hold, one per key. */
  objects(): KubeObject[];
  /** Files that do not parse, and objects found more than once. */
  diagnostics(): Diagnostic[];
}

/** An empty view. */
export function createObjectView(): ObjectView {
  /** Every object found, by key, in no particular order. */
  const found = new Map<string, KubeObject[]>();
  /** What the translation holds, by key. */
  const chosen = new Map<string, KubeObject>();
  /** Duplicate and decoding problems of keys found more than once. */
  const keyDiagnostics = new Map<string, readonly Diagnostic[]>();
  /** Problems of files, only non-empty lists. */
  const fileDiagnostics = new Map<string, readonly Diagnostic[]>();
  const contents = new WeakMap<KubeObject, string>();

  const contentOf = (o: KubeObject): string => {
    let s = contents.get(o);
    if (s === undefined) {
      s = JSON.stringify(o.manifest);
      contents.set(o, s);
    }
    return s;
  };
  // The origin counts: diagnostics carry the file and line of the object they are about.
  const same = (a: KubeObject | undefined, b: KubeObject | undefined): boolean =>
    a === b ||
    (a !== undefined &&
      b !== undefined &&
      a.origin?.file === b.origin?.file &&
      a.origin?.line === b.origin?.line &&
      contentOf(a) === contentOf(b));

  const settle = (key: string, ref: ObjectKey, out: { upserts: KubeObject[]; deletes: ObjectKey[] }) => {
    const candidates = found.get(key) ?? [];
    let next = candidates[0];
    keyDiagnostics.delete(key);
    if (candidates.length > 1) {
      const decoded = decodeObjects(candidates);
      next = decoded.objects[0]?.source;
      if (decoded.diagnostics.length > 0) keyDiagnostics.set(key, decoded.diagnostics);
    }
    const before = chosen.get(key);
    if (same(before, next)) {
      // Re-read, not changed: hold the new copy, so the old file's objects can be collected.
      if (next !== undefined) chosen.set(key, next);
      return;
    }
    // A delete first: an upsert the translation ignores (a kind it does not read) must not leave the old
    // object or its decoding failure behind.
    out.deletes.push(ref);
    if (next === undefined) chosen.delete(key);
    else {
      chosen.set(key, next);
      out.upserts.push(next);
    }
  };

  return {
    update(changes) {
      const touched = new Map<string, ObjectKey>();
      for (const change of changes) {
        for (const o of change.before?.objects ?? []) {
          const { key, ref } = keyOf(o);
          touched.set(key, ref);
          const list = (found.get(key) ?? []).filter((other) => other !== o);
          if (list.length === 0) found.delete(key);
          else found.set(key, list);
        }
        for (const o of change.after?.objects ?? []) {
          const { key, ref } = keyOf(o);
          touched.set(key, ref);
          found.set(key, [...(found.get(key) ?? []), o]);
        }
        const problems = change.after?.diagnostics ?? [];
        if (problems.length === 0) fileDiagnostics.delete(change.relative);
        else fileDiagnostics.set(change.relative, problems);
      }
      const out = { upserts: [] as KubeObject[], deletes: [] as ObjectKey[] };
      for (const [key, ref] of touched) settle(key, ref, out);
      return out;
    },
    objects: () => [...chosen.values()],
    diagnostics: () => [...fileDiagnostics.values(), ...keyDiagnostics.values()].flat(),
  };
}

/** The kind, namespace and name the translation files an object under, even a malformed one. */
function keyOf(o: KubeObject): { key: string; ref: ObjectKey } {
  const kind = typeof o.manifest['kind'] === 'string' ? o.manifest['kind'] : '';
  const ref = { kind, ...looseIdentity(o.manifest) };
  return { key: `${ref.kind}\0${ref.namespace}\0${ref.name}`, ref };
}
