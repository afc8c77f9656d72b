/** Scalar checks and writes of the checked encoder, in the protobufjs spelling of values. */
import type { ByteWriter } from './byte-writer.js';
import { asRecord, toBigInt, toFloat } from './rule-common.js';

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

/** Why a JSON map key does not spell a key of `keyType`. */
export function mapKeyProblem(keyType: string, key: string): string | undefined {
  if (keyType === 'string') return undefined;
  if (keyType === 'bool') return key === 'true' || key === 'false' ? undefined : `expected "true" or "false"`;
  return scalarProblem(keyType, key);
}

/** Writes a map entry key (field 1). */
export function writeMapKey(writer: ByteWriter, keyType: string, key: string): void {
  writer.tag(1, keyType === 'string' ? 2 : keyType.includes('fixed') ? (keyType.endsWith('64') ? 1 : 5) : 0);
  if (keyType === 'bool') writer.bool(key === 'true');
  else writeScalar(writer, keyType, key);
}

/** Why `value` is not a valid protobufjs-style value of the scalar `type`. */
export function scalarProblem(type: string, value: unknown): string | undefined {
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
      if (value instanceof Uint8Array) return undefined;
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
