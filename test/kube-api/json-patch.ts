// The two patch formats client-node sends: JSON Merge Patch (RFC 7386, `application/merge-patch+json`) and
// JSON Patch (RFC 6902, `application/json-patch+json`, the generated client's default content type).
import type { Result } from '@sesame/shared';
import { deepEqual, isObject } from './json.js';
import type { JsonObject } from './resources.js';

/** RFC 7386: objects merge recursively, `null` removes a key, anything else (arrays included) replaces. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const result: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

type Container = JsonObject | unknown[];

function decodePointer(pointer: string): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Walks to the parent of the pointed-at location, returning it with the last token. */
function parentOf(doc: unknown, tokens: readonly string[]): { parent: Container; last: string } | undefined {
  let node: unknown = doc;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(node)) node = node[Number(token)];
    else if (isObject(node)) node = node[token];
    else return undefined;
  }
  const last = tokens[tokens.length - 1];
  if (last === undefined || !(Array.isArray(node) || isObject(node))) return undefined;
  return { parent: node, last };
}

function arrayIndex(parent: unknown[], token: string, forInsert: boolean): number | undefined {
  if (forInsert && token === '-') return parent.length;
  if (!/^(0|[1-9]\d*)$/.test(token)) return undefined;
  const index = Number(token);
  return index < parent.length || (forInsert && index === parent.length) ? index : undefined;
}

function read(doc: unknown, tokens: readonly string[]): { found: boolean; value?: unknown } {
  let node: unknown = doc;
  for (const token of tokens) {
    if (Array.isArray(node)) {
      const index = arrayIndex(node, token, false);
      if (index === undefined) return { found: false };
      node = node[index];
    } else if (isObject(node) && Object.hasOwn(node, token)) {
      node = node[token];
    } else {
      return { found: false };
    }
  }
  return { found: true, value: node };
}

function remove(doc: unknown, tokens: readonly string[]): { ok: boolean; value?: unknown } {
  const at = parentOf(doc, tokens);
  if (at === undefined) return { ok: false };
  if (Array.isArray(at.parent)) {
    const index = arrayIndex(at.parent, at.last, false);
    if (index === undefined) return { ok: false };
    return { ok: true, value: at.parent.splice(index, 1)[0] };
  }
  if (!Object.hasOwn(at.parent, at.last)) return { ok: false };
  const value = at.parent[at.last];
  delete at.parent[at.last];
  return { ok: true, value };
}

function add(doc: unknown, tokens: readonly string[], value: unknown, replace: boolean): boolean {
  const at = parentOf(doc, tokens);
  if (at === undefined) return false;
  if (Array.isArray(at.parent)) {
    const index = arrayIndex(at.parent, at.last, !replace);
    if (index === undefined) return false;
    at.parent.splice(index, replace ? 1 : 0, value);
    return true;
  }
  if (replace && !Object.hasOwn(at.parent, at.last)) return false;
  at.parent[at.last] = value;
  return true;
}

/** RFC 6902 on a copy of `target`; an operation that cannot apply fails the whole patch. */
export function applyJsonPatch(target: unknown, operations: unknown): Result<unknown> {
  if (!Array.isArray(operations))
    return { ok: false, errors: ['a JSON patch must be an array of operations'] };
  const holder: JsonObject = { root: structuredClone(target) };
  for (const [i, op] of operations.entries()) {
    if (!isObject(op) || typeof op['op'] !== 'string' || typeof op['path'] !== 'string') {
      return { ok: false, errors: [`operation ${i}: expected an object with "op" and "path"`] };
    }
    const path = decodePointer(op['path']);
    const from = typeof op['from'] === 'string' ? decodePointer(op['from']) : undefined;
    if (path === undefined) return { ok: false, errors: [`operation ${i}: invalid path "${op['path']}"`] };
    const to = ['root', ...path];
    const source = from === undefined ? undefined : ['root', ...from];
    const applied = applyOne(holder, op['op'], to, source, op['value']);
    if (applied !== undefined)
      return { ok: false, errors: [`operation ${i} (${op['op']} ${op['path']}): ${applied}`] };
  }
  return { ok: true, value: holder['root'] };
}

function applyOne(
  doc: JsonObject,
  op: string,
  path: readonly string[],
  from: readonly string[] | undefined,
  value: unknown,
): string | undefined {
  switch (op) {
    case 'add':
      return add(doc, path, structuredClone(value), false) ? undefined : 'path not found';
    case 'replace':
      return add(doc, path, structuredClone(value), true) ? undefined : 'path not found';
    case 'remove':
      return remove(doc, path).ok ? undefined : 'path not found';
    case 'test': {
      const current = read(doc, path);
      return current.found && deepEqual(current.value, value) ? undefined : 'test failed';
    }
    case 'move':
    case 'copy': {
      if (from === undefined) return 'missing "from"';
      const source =
        op === 'move' ? remove(doc, from) : { ok: read(doc, from).found, value: read(doc, from).value };
      if (!source.ok) return 'from path not found';
      return add(doc, path, structuredClone(source.value), false) ? undefined : 'path not found';
    }
    default:
      return `unknown operation "${op}"`;
  }
}
