import { lookupMessage } from '../codec.js';
import { checkJson } from '../wire/checked-encode.js';
import type { JsonFormat } from '../wire/scalars.js';

/** Options of `checkMessageJson`. */
export interface CheckMessageOptions {
  /**
   * `proto3-json` (default): canonical proto3 JSON as Envoy reads a bootstrap (durations as "5s", wrappers
   * as bare values, lowerCamel names allowed). `protobufjs`: the plain objects the shared codec encodes
   * (well-known types as ordinary messages, proto field names only, `Any` still as `{ '@type', … }`).
   */
  readonly format?: JsonFormat;
}

/**
 * Checks `json` strictly against the Envoy message `typeName` (a full name or type URL): unknown or
 * deprecated fields, wrong JSON types, unknown enum names, several members of one oneof, `Any` payloads of
 * unloaded types, and the `(validate.rules)` Envoy enforces. protobufjs' own `fromObject` ignores unknown
 * keys, so it cannot tell a typo from a field. Returns one line per problem; empty means valid. The same
 * compiled checker guards every resource the watcher encodes (`encodeChecked`).
 */
export function checkMessageJson(
  typeName: string,
  json: unknown,
  options: CheckMessageOptions = {},
): string[] {
  try {
    lookupMessage(typeName);
  } catch {
    return [`unknown message type ${typeName}`];
  }
  return checkJson(typeName, json, options.format ?? 'proto3-json');
}
