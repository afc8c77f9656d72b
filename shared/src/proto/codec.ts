import type protobuf from 'protobufjs';
import { envoyRoot } from './registry.js';
import { messageName } from './type-urls.js';

/** Options for turning decoded messages into JSON, as Envoy's own tooling prints them (proto field names). */
const JSON_OPTIONS: protobuf.IConversionOptions = {
  json: true,
  longs: String,
  enums: String,
  bytes: String,
  defaults: false,
};

const types = new Map<string, protobuf.Type>();

/** The message type for a fully qualified name or a type URL; cached. */
export function lookupMessage(nameOrTypeUrl: string): protobuf.Type {
  const name = messageName(nameOrTypeUrl);
  let type = types.get(name);
  if (type === undefined) {
    type = envoyRoot().lookupType(name);
    types.set(name, type);
  }
  return type;
}

/**
 * Encodes a plain object (proto field names; nested `Any` as `{ '@type': url, ...fields }`) into the bytes of
 * the named message. The object must already be valid: this does not validate.
 */
export function encodeMessage(nameOrTypeUrl: string, value: Record<string, unknown>): Uint8Array {
  const type = lookupMessage(nameOrTypeUrl);
  return type.encode(type.fromObject(value)).finish();
}

/**
 * Decodes message bytes into the proto3 JSON form Envoy's tools print (proto field names, `@type` on every
 * `Any`, durations as `"5s"`, wrapper types as plain values).
 */
export function decodeMessage(nameOrTypeUrl: string, bytes: Uint8Array): Record<string, unknown> {
  const type = lookupMessage(nameOrTypeUrl);
  return wellKnownToJson(type, type.toObject(type.decode(bytes), JSON_OPTIONS)) as Record<string, unknown>;
}

const WRAPPERS = new Set(
  ['Double', 'Float', 'Int64', 'UInt64', 'Int32', 'UInt32', 'Bool', 'String', 'Bytes'].map(
    (n) => `.google.protobuf.${n}Value`,
  ),
);

/** Rewrites the well-known types that protobufjs leaves as messages into their canonical JSON forms. */
function wellKnownToJson(type: protobuf.Type, value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  const name = type.fullName;
  const obj = value as Record<string, unknown>;
  if (name === '.google.protobuf.Duration' || name === '.google.protobuf.Timestamp') {
    return name.endsWith('Duration') ? formatDuration(obj) : obj;
  }
  if (WRAPPERS.has(name)) return obj['value'] ?? defaultWrapperValue(name);
  if (name === '.google.protobuf.Any' && typeof obj['@type'] === 'string') {
    const inner = lookupMessage(obj['@type']);
    const converted = wellKnownToJson(inner, obj) as Record<string, unknown>;
    return { '@type': obj['@type'], ...converted };
  }
  const out: Record<string, unknown> = {};
  for (const [key, fieldValue] of Object.entries(obj)) {
    const field = type.fields[key];
    const resolved = field?.resolvedType;
    if (field === undefined || resolved === null || resolved === undefined || !('fields' in resolved)) {
      out[key] = fieldValue;
    } else if (field.map) {
      out[key] = Object.fromEntries(
        Object.entries(fieldValue as Record<string, unknown>).map(([k, v]) => [
          k,
          wellKnownToJson(resolved, v),
        ]),
      );
    } else if (Array.isArray(fieldValue)) {
      out[key] = fieldValue.map((v) => wellKnownToJson(resolved, v));
    } else {
      out[key] = wellKnownToJson(resolved, fieldValue);
    }
  }
  return out;
}

function formatDuration(d: Record<string, unknown>): string {
  const seconds = Number(d['seconds'] ?? 0);
  const nanos = Number(d['nanos'] ?? 0);
  if (nanos === 0) return `${seconds}s`;
  const fraction = String(Math.abs(nanos)).padStart(9, '0').replace(/0+$/, '');
  const sign = seconds < 0 || nanos < 0 ? '-' : '';
  return `${sign}${Math.abs(seconds)}.${fraction}s`;
}

function defaultWrapperValue(name: string): unknown {
  if (name.includes('Bool')) return false;
  if (name.includes('String') || name.includes('Bytes')) return '';
  return 0;
}
