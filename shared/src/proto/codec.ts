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

/** Decodes message bytes into a JSON-ready plain object with proto field names and `@type` on every `Any`. */
export function decodeMessage(nameOrTypeUrl: string, bytes: Uint8Array): Record<string, unknown> {
  const type = lookupMessage(nameOrTypeUrl);
  return type.toObject(type.decode(bytes), JSON_OPTIONS);
}
