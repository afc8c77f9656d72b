// The simulated Envoys' side of the wire: DiscoveryRequests built from pre-encoded parts, and
// DiscoveryResponses read without decoding the resources. A fleet of thousands receives the same bytes many
// times over, so it only reads what Envoy's ADS logic needs: the envelope, and each resource's name (field 1
// of every xDS resource message). parseResponse reads a whole message: the fleet streams them instead
// (response-parser.ts), and tests hold the two to the same results. Written against the protos, not the
// edge's codec, so a symmetric bug cannot hide.
import { createHash } from 'node:crypto';
import { lookupMessage } from '@sesame/shared';
import protobuf from 'protobufjs';

const REQUEST = 'envoy.service.discovery.v3.DiscoveryRequest';

/** One resource of a response: its name and encoded body (Any.value). */
export interface WireResource {
  readonly name: string;
  readonly body: Buffer;
}

/** A DiscoveryResponse as the fleet sees it. */
export interface WireResponse {
  readonly typeUrl: string;
  readonly versionInfo: string;
  readonly nonce: string;
  readonly resources: readonly WireResource[];
  /** Size of the whole message on the wire (without gRPC framing). */
  readonly bytes: number;
}

/** The name of an encoded Listener, Cluster, ClusterLoadAssignment, RouteConfiguration or Secret: field 1. */
export function resourceName(body: Buffer): string {
  const reader = protobuf.Reader.create(body);
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag === ((1 << 3) | 2)) return reader.string();
    reader.skipType(tag & 7);
  }
  return '';
}

/** Reads an Any: type_url (1) and value (2). */
function readAny(reader: protobuf.Reader, end: number, source: Buffer): Buffer {
  let value: Buffer = Buffer.alloc(0);
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === ((2 << 3) | 2)) {
      const length = reader.uint32();
      value = source.subarray(reader.pos, reader.pos + length);
      reader.pos += length;
    } else {
      reader.skipType(tag & 7);
    }
  }
  return value;
}

/** Parses version_info (1), resources (2), type_url (4) and nonce (5) of a DiscoveryResponse. */
export function parseResponse(bytes: Buffer): WireResponse {
  const reader = protobuf.Reader.create(bytes);
  let typeUrl = '';
  let versionInfo = '';
  let nonce = '';
  const resources: WireResource[] = [];
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const field = tag >>> 3;
    if (field === 1) versionInfo = reader.string();
    else if (field === 4) typeUrl = reader.string();
    else if (field === 5) nonce = reader.string();
    else if (field === 2 && (tag & 7) === 2) {
      const length = reader.uint32();
      const body = readAny(reader, reader.pos + length, bytes);
      resources.push({ name: resourceName(body), body });
    } else reader.skipType(tag & 7);
  }
  return { typeUrl, versionInfo, nonce, resources, bytes: bytes.length };
}

/** What one request says; `names` is encoded once per distinct array and shared by every Envoy. */
export interface RequestParts {
  readonly typeUrl: string;
  readonly versionInfo: string;
  readonly nonce: string;
  readonly names?: readonly string[];
  readonly node?: { readonly id: string; readonly cluster: string };
  readonly errorDetail?: string;
}

/** Builds DiscoveryRequests; the encoded names and type parts are cached, as one list serves many Envoys. */
export function createRequestEncoder(): (parts: RequestParts) => Buffer {
  const encode = createRequestPartsEncoder();
  return (parts) => Buffer.concat(encode(parts));
}

/**
 * Builds DiscoveryRequests as pieces that concatenate into one message: the names piece is the same Buffer for
 * every Envoy subscribed to the same list, so writing the pieces (rather than a copy) costs no memory per Envoy.
 */
export function createRequestPartsEncoder(): (parts: RequestParts) => readonly Buffer[] {
  const type = lookupMessage(REQUEST);
  const encode = (o: Record<string, unknown>): Buffer =>
    Buffer.from(type.encode(type.fromObject(o)).finish());
  const namesCache = new WeakMap<readonly string[], Buffer>();
  const typeCache = new Map<string, Buffer>();
  const empty: Buffer = Buffer.alloc(0);
  return (parts) => {
    let typePart = typeCache.get(parts.typeUrl);
    if (typePart === undefined) {
      typePart = encode({ type_url: parts.typeUrl });
      typeCache.set(parts.typeUrl, typePart);
    }
    let namesPart: Buffer = empty;
    if (parts.names !== undefined && parts.names.length > 0) {
      namesPart = namesCache.get(parts.names) ?? encode({ resource_names: parts.names });
      namesCache.set(parts.names, namesPart);
    }
    // Concatenated encodings of one message merge: repeated fields append, scalars take the last value.
    const variable = encode({
      version_info: parts.versionInfo,
      response_nonce: parts.nonce,
      ...(parts.node === undefined
        ? {}
        : { node: { id: parts.node.id, cluster: parts.node.cluster, user_agent_name: 'envoy' } }),
      ...(parts.errorDetail === undefined ? {} : { error_detail: { code: 3, message: parts.errorDetail } }),
    });
    return namesPart.length === 0 ? [typePart, variable] : [typePart, namesPart, variable];
  };
}

/** A short content digest of a response's resources (names and bodies), for histories. */
export function contentDigest(resources: readonly WireResource[]): string {
  const hash = createHash('sha256');
  for (const r of resources) hash.update(r.name).update('\0').update(r.body);
  return hash.digest('base64url').slice(0, 12);
}
