// Small JSON helpers shared by the store, the patch code and the HTTP layer.
import type { JsonObject } from './resources.js';

/** True for a plain JSON object (not null, not an array). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Semantic equality of two JSON values, blind to key order: the real server compares typed (canonically ordered)
 * encodings, so a client re-sending the same spec with its keys shuffled must not look like a change.
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  }
  if (!isObject(a) || !isObject(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => Object.hasOwn(b, key) && deepEqual(a[key], b[key]));
}

/** The string map at `obj[key]`, or an empty one when absent or malformed. */
export function stringMap(obj: JsonObject | undefined, key: string): Record<string, string> {
  const value = obj?.[key];
  if (!isObject(value)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** A scalar as text ('' for null or absent); objects are JSON-encoded rather than becoming "[object Object]". */
export function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  return JSON.stringify(value);
}
