// RFC 6902 JSON Patch, the operations kustomize's JSON6902 patches use: add, remove, replace and test.
import { isDeepStrictEqual } from 'node:util';
import { isObject } from './manifests.js';

/** One JSON Patch operation. */
export interface JsonPatchOperation {
  readonly op: string;
  readonly path: string;
  readonly value?: unknown;
}

function tokens(pointer: string): string[] {
  if (!pointer.startsWith('/')) throw new Error(`JSON pointer must start with "/": ${pointer}`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: unknown, path: string): { parent: unknown; last: string } {
  const parts = tokens(path);
  const last = parts.pop();
  if (last === undefined) throw new Error('JSON pointer "" cannot be patched here');
  let node = doc;
  for (const part of parts) {
    node = Array.isArray(node) ? node[Number(part)] : isObject(node) ? node[part] : undefined;
    if (node === undefined) throw new Error(`JSON patch: ${path} does not exist`);
  }
  return { parent: node, last };
}

function index(list: readonly unknown[], token: string, inserting: boolean, path: string): number {
  if (inserting && token === '-') return list.length;
  const i = /^(0|[1-9]\d*)$/.test(token) ? Number(token) : -1;
  if (i < 0 || i > list.length || (!inserting && i === list.length))
    throw new Error(`JSON patch: bad index in ${path}`);
  return i;
}

function apply(doc: unknown, operation: JsonPatchOperation): void {
  const { op, path } = operation;
  const { parent, last } = parentOf(doc, path);
  if (Array.isArray(parent)) {
    if (op === 'add') parent.splice(index(parent, last, true, path), 0, structuredClone(operation.value));
    else if (op === 'remove') parent.splice(index(parent, last, false, path), 1);
    else if (op === 'replace') parent[index(parent, last, false, path)] = structuredClone(operation.value);
    else if (op === 'test') {
      if (!isDeepStrictEqual(parent[index(parent, last, false, path)], operation.value))
        throw new Error(`JSON patch: test failed at ${path}`);
    } else throw new Error(`unsupported JSON patch operation ${op}`);
    return;
  }
  if (!isObject(parent)) throw new Error(`JSON patch: the parent of ${path} is not a container`);
  const exists = Object.hasOwn(parent, last);
  if (op !== 'add' && !exists) throw new Error(`JSON patch: ${path} does not exist`);
  if (op === 'add' || op === 'replace') parent[last] = structuredClone(operation.value);
  else if (op === 'remove') delete parent[last];
  else if (op === 'test') {
    if (!isDeepStrictEqual(parent[last], operation.value))
      throw new Error(`JSON patch: test failed at ${path}`);
  } else throw new Error(`unsupported JSON patch operation ${op}`);
}

/** Applies `operations` to a copy of `target`; throws on the first operation that does not apply. */
export function applyJsonPatch<T>(target: T, operations: readonly JsonPatchOperation[]): T {
  const doc = structuredClone(target);
  for (const operation of operations) apply(doc, operation);
  return doc;
}
