/**
 * Scalar and well-known-type checks for the strict proto JSON checker. Two spellings are understood:
 * canonical proto3 JSON (what Envoy parses from a bootstrap file) and the plain objects protobufjs'
 * `fromObject` takes (what the shared codec encodes), which differ only for well-known types and 64-bit ints.
 */

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

const BASE64 = /^(?:[A-Za-z0-9+/_-]{4})*(?:[A-Za-z0-9+/_-]{2}(?:==)?|[A-Za-z0-9+/_-]{3}=?)?$/;
const DURATION = /^(-?)(\d+)(?:\.(\d{1,9}))?s$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

function isLong(value: unknown): value is { low: number; high: number; unsigned?: boolean } {
  return typeof value === 'object' && value !== null && 'low' in value && 'high' in value;
}

/** The integer a JSON value spells, or undefined when it spells none (e.g. 1.5, "abc"). */
export function toBigInt(value: unknown): bigint | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : undefined;
  if (typeof value === 'string') return /^-?\d+$/.test(value) ? BigInt(value) : undefined;
  if (typeof value === 'bigint') return value;
  if (isLong(value)) {
    const combined = (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0);
    return value.unsigned === true || combined < 2n ** 63n ? combined : combined - 2n ** 64n;
  }
  return undefined;
}

/** The number a JSON value spells for a float field, or undefined. */
export function toFloat(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  if (value === 'NaN') return Number.NaN;
  if (value === 'Infinity') return Number.POSITIVE_INFINITY;
  if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
  const parsed = Number(value);
  return Number.isNaN(parsed) ? undefined : parsed;
}

/** Why `value` is not a valid JSON spelling of the scalar `type`, or undefined when it is. */
export function scalarProblem(type: string, value: unknown, format: JsonFormat): string | undefined {
  const range = INT_RANGES[type];
  if (range !== undefined) {
    const is64 = type.endsWith('64');
    const allowed = typeof value === 'number' || typeof value === 'string' || (is64 && isLong(value));
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

/** A Duration in nanoseconds, from "1.5s" (proto3 JSON) or `{ seconds, nanos }` (protobufjs); else undefined. */
export function durationNanos(value: unknown): bigint | undefined {
  if (typeof value === 'string') {
    const match = DURATION.exec(value);
    if (match === null) return undefined;
    const nanos = BigInt(match[2]!) * 1_000_000_000n + BigInt((match[3] ?? '').padEnd(9, '0'));
    return match[1] === '-' ? -nanos : nanos;
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const { seconds, nanos } = value as { seconds?: unknown; nanos?: unknown };
    const s = seconds === undefined ? 0n : toBigInt(seconds);
    const n = nanos === undefined ? 0n : toBigInt(nanos);
    return s === undefined || n === undefined ? undefined : s * 1_000_000_000n + n;
  }
  return undefined;
}

/** True for the message types whose proto3 JSON form is not an object of their fields. */
export function hasSpecialJson(typeName: string): boolean {
  return (
    typeName in WRAPPER_SCALARS ||
    [
      'google.protobuf.Duration',
      'google.protobuf.Timestamp',
      'google.protobuf.FieldMask',
      'google.protobuf.Struct',
      'google.protobuf.Value',
      'google.protobuf.ListValue',
    ].includes(typeName)
  );
}

/** Why `value` is not the proto3 JSON form of the well-known type `typeName` (see `hasSpecialJson`). */
export function wellKnownProblem(typeName: string, value: unknown): string | undefined {
  const wrapped = WRAPPER_SCALARS[typeName];
  if (wrapped !== undefined) return scalarProblem(wrapped, value, 'proto3-json');
  switch (typeName) {
    case 'google.protobuf.Duration': {
      const nanos = durationNanos(typeof value === 'string' ? value : undefined);
      if (nanos === undefined) return `expected a duration such as "5s", got ${JSON.stringify(value)}`;
      return nanos > 315_576_000_000n * 1_000_000_000n || nanos < -315_576_000_000n * 1_000_000_000n
        ? 'duration out of range'
        : undefined;
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

/** True for `{…}` (not null, not an array, not bytes). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
  );
}
