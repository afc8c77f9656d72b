/**
 * Scalar and well-known-type checks and writes of the checked encoder. Two spellings are understood:
 * canonical proto3 JSON (what Envoy parses from a bootstrap file) and the plain objects protobufjs'
 * `fromObject` takes (what the shared codec encodes), which differ only for well-known types and bytes.
 */
import type { ByteWriter } from './byte-writer.js';
import { isPlainObject } from './problem-path.js';
import { asRecord, durationNanos, toBigInt, toFloat } from './rule-common.js';

/** Which JSON spelling a value uses. */
export type JsonFormat = 'proto3-json' | 'protobufjs';

const INT_RANGES: Readonly<Record<string, readonly [bigint, bigint]>> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  sint32: [-(2n ** 31n), 2n ** 31n - 1n],
  sfixed32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  fixed32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  sint64: [-(2n ** 63n), 2n ** 63n - 1n],
  sfixed64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  fixed64: [0n, 2n ** 64n - 1n],
};
/** 32-bit integer kinds and their ranges, for the fast path of plain numbers. */
export const SMALL_INT: Readonly<Record<string, readonly [number, number]>> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  sint32: [-(2 ** 31), 2 ** 31 - 1],
  sfixed32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
  fixed32: [0, 2 ** 32 - 1],
};
const BASE64 = /^(?:[A-Za-z0-9+/_-]{4})*(?:[A-Za-z0-9+/_-]{2}(?:==)?|[A-Za-z0-9+/_-]{3}=?)?$/;

/** Why a JSON map key does not spell a key of `keyType` (JSON spells every key as text). */
export function mapKeyProblem(keyType: string, key: string, format: JsonFormat): string | undefined {
  if (keyType === 'string') return undefined;
  if (keyType === 'bool') return key === 'true' || key === 'false' ? undefined : `expected "true" or "false"`;
  return scalarProblem(keyType, key, format);
}

/** Writes a map entry key (field 1). */
export function writeMapKey(writer: ByteWriter, keyType: string, key: string): void {
  writer.tag(1, keyType === 'string' ? 2 : keyType.includes('fixed') ? (keyType.endsWith('64') ? 1 : 5) : 0);
  if (keyType === 'bool') writer.bool(key === 'true');
  else writeScalar(writer, keyType, key);
}

/** Why `value` is not a valid JSON spelling of the scalar `type`, or undefined when it is. */
export function scalarProblem(type: string, value: unknown, format: JsonFormat): string | undefined {
  const range = INT_RANGES[type];
  if (range !== undefined) {
    const is64 = type.endsWith('64');
    const allowed =
      typeof value === 'number' || typeof value === 'string' || (is64 && asRecord(value) !== undefined);
    const integer = allowed ? toBigInt(value) : undefined;
    if (integer === undefined) return `expected ${type} (an integer), got ${JSON.stringify(value)}`;
    if (integer < range[0] || integer > range[1]) return `${String(integer)} is out of range for ${type}`;
    return undefined;
  }
  switch (type) {
    case 'double':
    case 'float': {
      const number = typeof value === 'number' || typeof value === 'string' ? toFloat(value) : undefined;
      if (number === undefined) return `expected ${type}, got ${JSON.stringify(value)}`;
      if (type === 'float' && Number.isFinite(number) && Math.abs(number) > 3.4028234663852886e38) {
        return `${number} is out of range for float`;
      }
      return undefined;
    }
    case 'bool':
      return typeof value === 'boolean' ? undefined : `expected bool, got ${JSON.stringify(value)}`;
    case 'string':
      return typeof value === 'string' ? undefined : `expected string, got ${JSON.stringify(value)}`;
    case 'bytes':
      if (format === 'protobufjs' && value instanceof Uint8Array) return undefined;
      return typeof value === 'string' && BASE64.test(value) ? undefined : 'expected base64 bytes';
    default:
      return `unsupported scalar type ${type}`;
  }
}

/** Writes a value `scalarProblem` accepted. */
export function writeScalar(writer: ByteWriter, type: string, value: unknown): void {
  switch (type) {
    case 'string':
      return writer.string(value as string);
    case 'bool':
      return writer.bool(value as boolean);
    case 'bytes':
      return writer.bytes(value instanceof Uint8Array ? value : Buffer.from(value as string, 'base64'));
    case 'double':
      return writer.double(toFloat(value) ?? 0);
    case 'float':
      return writer.float(toFloat(value) ?? 0);
    case 'int32':
      return writer.int32(typeof value === 'number' ? value : Number(toBigInt(value)));
    case 'uint32':
      return writer.uint32(typeof value === 'number' ? value : Number(toBigInt(value)));
    case 'sint32':
      return writer.sint32(typeof value === 'number' ? value : Number(toBigInt(value)));
    case 'fixed32':
      return writer.fixed32(typeof value === 'number' ? value : Number(toBigInt(value)));
    case 'sfixed32':
      return writer.sfixed32(typeof value === 'number' ? value : Number(toBigInt(value)));
    case 'int64':
    case 'uint64':
      if (typeof value === 'number' && value >= 0 && value <= 0xffffffff) return writer.uint32(value);
      return writer.varint64(toBigInt(value) ?? 0n);
    case 'sint64':
      return writer.sint64(toBigInt(value) ?? 0n);
    case 'fixed64':
    case 'sfixed64':
      return writer.fixed64(toBigInt(value) ?? 0n);
  }
}

/** The scalar type inside each wrapper message; proto3 JSON writes wrappers as that bare scalar. */
export const WRAPPER_SCALARS: Readonly<Record<string, string>> = {
  'google.protobuf.DoubleValue': 'double',
  'google.protobuf.FloatValue': 'float',
  'google.protobuf.Int64Value': 'int64',
  'google.protobuf.UInt64Value': 'uint64',
  'google.protobuf.Int32Value': 'int32',
  'google.protobuf.UInt32Value': 'uint32',
  'google.protobuf.BoolValue': 'bool',
  'google.protobuf.StringValue': 'string',
  'google.protobuf.BytesValue': 'bytes',
};

const SPECIAL_JSON = new Set([
  ...Object.keys(WRAPPER_SCALARS),
  'google.protobuf.Duration',
  'google.protobuf.Timestamp',
  'google.protobuf.FieldMask',
  'google.protobuf.Struct',
  'google.protobuf.Value',
  'google.protobuf.ListValue',
]);

/** True for the message types whose proto3 JSON form is not an object of their fields. */
export function hasSpecialJson(typeName: string): boolean {
  return SPECIAL_JSON.has(typeName);
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;
const MAX_DURATION_NANOS = 315_576_000_000n * 1_000_000_000n;

/** Why `value` is not the proto3 JSON form of the well-known type `typeName` (see `hasSpecialJson`). */
export function wellKnownProblem(typeName: string, value: unknown): string | undefined {
  const wrapped = WRAPPER_SCALARS[typeName];
  if (wrapped !== undefined) return scalarProblem(wrapped, value, 'proto3-json');
  switch (typeName) {
    case 'google.protobuf.Duration': {
      const nanos = durationNanos(typeof value === 'string' ? value : undefined);
      if (nanos === undefined) return `expected a duration such as "5s", got ${JSON.stringify(value)}`;
      return nanos > MAX_DURATION_NANOS || nanos < -MAX_DURATION_NANOS ? 'duration out of range' : undefined;
    }
    case 'google.protobuf.Timestamp':
      return typeof value === 'string' && TIMESTAMP.test(value) && !Number.isNaN(Date.parse(value))
        ? undefined
        : `expected an RFC 3339 timestamp, got ${JSON.stringify(value)}`;
    case 'google.protobuf.FieldMask':
      return typeof value === 'string' ? undefined : 'expected a field mask string';
    case 'google.protobuf.Struct':
      return isPlainObject(value) ? undefined : 'expected a JSON object';
    case 'google.protobuf.ListValue':
      return Array.isArray(value) ? undefined : 'expected a JSON array';
    default:
      return undefined; // google.protobuf.Value: any JSON value
  }
}
