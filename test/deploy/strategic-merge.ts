// The part of Kubernetes strategic-merge patching that kustomize patches use: maps merge recursively, null
// removes a key, lists with a merge key (containers by name, volumeMounts by mountPath, …) merge item by item,
// other lists are replaced. List order follows kustomize (kyaml): the patch's items first, in patch order,
// then the original items the patch did not mention.
import { isObject, type JsonObject } from './manifests.js';

/** Merge keys of the Kubernetes lists that patches merge (x-kubernetes-patch-merge-key in the API schema). */
const MERGE_KEYS: Readonly<Record<string, string>> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  imagePullSecrets: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
};

const DIRECTIVE = '$patch';

/** Whether a patch document deletes its target object (`$patch: delete` at the top). */
export function isDeletePatch(patch: unknown): boolean {
  return isObject(patch) && patch[DIRECTIVE] === 'delete';
}

/** Applies a strategic-merge patch to `target`; `field` is the key the values sit under (for merge keys). */
export function strategicMerge(target: unknown, patch: unknown, field = ''): unknown {
  if (Array.isArray(patch)) return mergeList(Array.isArray(target) ? target : [], patch, field);
  if (!isObject(patch)) return structuredClone(patch);
  const directive = patch[DIRECTIVE];
  if (directive === 'replace') return withoutDirective(patch);
  if (directive !== undefined)
    throw new Error(`unsupported ${DIRECTIVE}: ${JSON.stringify(directive)} under ${field}`);
  const result: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = strategicMerge(result[key], value, key);
  }
  return result;
}

function withoutDirective(patch: JsonObject): JsonObject {
  const copy = structuredClone(patch);
  delete copy[DIRECTIVE];
  return copy;
}

function mergeList(target: readonly unknown[], patch: readonly unknown[], field: string): unknown[] {
  const key = MERGE_KEYS[field];
  if (key === undefined) return structuredClone([...patch]);
  const keyOf = (item: unknown): unknown => (isObject(item) ? item[key] : undefined);
  const mentioned = new Set(patch.map(keyOf));
  const merged: unknown[] = [];
  for (const item of patch) {
    if (isObject(item) && item[DIRECTIVE] === 'delete') continue;
    const original = target.find((t) => keyOf(t) === keyOf(item));
    merged.push(
      original === undefined ? strategicMerge(undefined, item, field) : strategicMerge(original, item, field),
    );
  }
  return [...merged, ...target.filter((t) => !mentioned.has(keyOf(t))).map((t) => structuredClone(t))];
}
