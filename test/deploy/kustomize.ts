// A kustomize renderer for the features deploy/ and examples/ use, so the tests need no kustomize binary:
// resources (files and directories), components (nested too), patches (strategic merge, `$patch: delete`,
// JSON 6902 with a target), namespace, labels and images, applied in kustomize's order. Any other
// kustomization field is an error rather than silently ignored.
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { applyJsonPatch, type JsonPatchOperation } from './json-patch.js';
import {
  addLabels,
  setImages,
  setNamespace,
  type ImageEntry,
  type LabelsEntry,
} from './kustomize-transforms.js';
import {
  asKubeObject,
  groupOf,
  isObject,
  objectKey,
  parseManifests,
  parseYamlDocuments,
  type KubeObject,
} from './manifests.js';
import { isDeletePatch, strategicMerge } from './strategic-merge.js';

/** Which objects a patch applies to; `name` is a regular expression, as in kustomize. */
export interface PatchTarget {
  readonly group?: string;
  readonly version?: string;
  readonly kind?: string;
  readonly name?: string;
  readonly namespace?: string;
}

/** One `patches:` entry: a file or an inline patch, optionally with a target. */
export interface PatchEntry {
  readonly path?: string;
  readonly patch?: string;
  readonly target?: PatchTarget;
}

/** The fields of a kustomization.yaml this renderer understands. */
export interface Kustomization {
  readonly apiVersion?: string;
  readonly kind?: 'Kustomization' | 'Component';
  readonly namespace?: string;
  readonly resources?: readonly string[];
  readonly components?: readonly string[];
  readonly patches?: readonly PatchEntry[];
  readonly labels?: readonly LabelsEntry[];
  readonly images?: readonly ImageEntry[];
}

const SUPPORTED_FIELDS = new Set([
  'apiVersion',
  'kind',
  'namespace',
  'resources',
  'components',
  'patches',
  'labels',
  'images',
]);

async function readKustomization(dir: string): Promise<Kustomization> {
  const path = join(dir, 'kustomization.yaml');
  const [doc] = parseYamlDocuments(await readFile(path, 'utf8'), path);
  if (!isObject(doc)) throw new Error(`${path}: not a kustomization`);
  const unsupported = Object.keys(doc).filter((key) => !SUPPORTED_FIELDS.has(key));
  if (unsupported.length > 0) throw new Error(`${path}: unsupported fields ${unsupported.join(', ')}`);
  return doc;
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path)).isDirectory();
}

/** Whether `o` is selected by a patch target. */
export function matchesTarget(o: KubeObject, target: PatchTarget): boolean {
  const slash = o.apiVersion.indexOf('/');
  const version = slash === -1 ? o.apiVersion : o.apiVersion.slice(slash + 1);
  return (
    (target.group === undefined || target.group === groupOf(o.apiVersion)) &&
    (target.version === undefined || target.version === version) &&
    (target.kind === undefined || target.kind === o.kind) &&
    (target.name === undefined || new RegExp(`^(?:${target.name})$`).test(o.metadata.name)) &&
    (target.namespace === undefined || target.namespace === (o.metadata.namespace ?? ''))
  );
}

/** The target a strategic-merge patch names itself: its kind, group, version, name (and namespace if set). */
function selfTarget(patch: KubeObject): PatchTarget {
  const slash = patch.apiVersion.indexOf('/');
  return {
    group: groupOf(patch.apiVersion),
    version: slash === -1 ? patch.apiVersion : patch.apiVersion.slice(slash + 1),
    kind: patch.kind,
    name: patch.metadata.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    ...(patch.metadata.namespace === undefined ? {} : { namespace: patch.metadata.namespace }),
  };
}

async function applyPatchEntry(objects: KubeObject[], entry: PatchEntry, dir: string): Promise<KubeObject[]> {
  const source = entry.path === undefined ? `inline patch in ${dir}` : join(dir, entry.path);
  const text = entry.patch ?? (await readFile(join(dir, entry.path ?? ''), 'utf8'));
  const docs = parseYamlDocuments(text, source);
  if (docs.length === 1 && Array.isArray(docs[0])) {
    if (entry.target === undefined) throw new Error(`${source}: a JSON 6902 patch needs a target`);
    const { target } = entry;
    const operations = docs[0] as JsonPatchOperation[];
    if (!objects.some((o) => matchesTarget(o, target)))
      throw new Error(`${source}: no object matches its target`);
    return objects.map((o) => (matchesTarget(o, target) ? applyJsonPatch(o, operations) : o));
  }
  let result = objects;
  for (const doc of docs) {
    const patch = asKubeObject(doc, source);
    const target = entry.target ?? selfTarget(patch);
    const matched = result.filter((o) => matchesTarget(o, target));
    if (matched.length === 0 || (entry.target === undefined && matched.length > 1)) {
      throw new Error(`${source}: no unique object matches ${objectKey(patch)}`);
    }
    if (isDeletePatch(patch)) result = result.filter((o) => !matched.includes(o));
    else result = result.map((o) => (matched.includes(o) ? (strategicMerge(o, patch) as KubeObject) : o));
  }
  return result;
}

interface Accumulator {
  objects: KubeObject[];
}

async function accumulate(
  dir: string,
  acc: Accumulator,
  k: Kustomization,
  expectedKind: string,
): Promise<void> {
  if ((k.kind ?? 'Kustomization') !== expectedKind) throw new Error(`${dir}: expected a ${expectedKind}`);
  for (const resource of k.resources ?? []) {
    const path = resolve(dir, resource);
    const added = (await isDirectory(path))
      ? await renderKustomization(path)
      : parseManifests(await readFile(path, 'utf8'), path);
    for (const o of added) {
      if (acc.objects.some((existing) => objectKey(existing) === objectKey(o))) {
        throw new Error(`${path}: ${objectKey(o)} is defined twice`);
      }
      acc.objects.push(o);
    }
  }
  for (const component of k.components ?? []) {
    const componentDir = resolve(dir, component);
    await accumulate(componentDir, acc, await readKustomization(componentDir), 'Component');
  }
  // kustomize's transformer order: patches, then namespace, labels, images.
  for (const entry of k.patches ?? []) acc.objects = await applyPatchEntry(acc.objects, entry, dir);
  if (k.namespace !== undefined) setNamespace(acc.objects, k.namespace);
  for (const entry of k.labels ?? []) addLabels(acc.objects, entry);
  for (const entry of k.images ?? []) setImages(acc.objects, entry);
}

/**
 * Renders the kustomization in `dir`, as `kubectl kustomize dir` would. `extra` adds fields to it (for
 * example components), so tests can render combinations without writing overlay directories.
 */
export async function renderKustomization(dir: string, extra: Kustomization = {}): Promise<KubeObject[]> {
  const own = await readKustomization(dir);
  const k: Kustomization = {
    ...own,
    ...extra,
    components: [...(own.components ?? []), ...(extra.components ?? [])],
    patches: [...(own.patches ?? []), ...(extra.patches ?? [])],
    images: [...(own.images ?? []), ...(extra.images ?? [])],
  };
  const acc: Accumulator = { objects: [] };
  await accumulate(dir, acc, k, 'Kustomization');
  return acc.objects;
}
