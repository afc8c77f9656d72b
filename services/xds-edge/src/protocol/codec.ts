import { lookupMessage, type Resource, type TypeUrl } from '@sesame/shared';
import protobuf from 'protobufjs';
import { sharedBody, type SharedBody } from './encoding.js';

/** Fully qualified names of the discovery messages. */
export const DiscoveryMessage = {
  Request: 'envoy.service.discovery.v3.DiscoveryRequest',
  Response: 'envoy.service.discovery.v3.DiscoveryResponse',
  DeltaRequest: 'envoy.service.discovery.v3.DeltaDiscoveryRequest',
  DeltaResponse: 'envoy.service.discovery.v3.DeltaDiscoveryResponse',
} as const;

/** What the edge reads from `envoy.config.core.v3.Node`. */
export interface NodeInfo {
  readonly id: string;
  readonly cluster: string;
  readonly userAgentName: string;
  readonly userAgentVersion: string;
}

/** A decoded state-of-the-world DiscoveryRequest, reduced to the fields the protocol uses. */
export interface DiscoveryRequest {
  readonly versionInfo: string;
  readonly node: NodeInfo | undefined;
  readonly resourceNames: readonly string[];
  /**
   * The encoded `resource_names` entries, when the request came off the wire. Envoy repeats its whole list in
   * every ACK; equal bytes mean an unchanged list, so the names need not be decoded at all.
   */
  readonly resourceNamesRaw?: Uint8Array;
  readonly typeUrl: string;
  readonly responseNonce: string;
  /** Present only on a NACK. */
  readonly errorDetail: { readonly code: number; readonly message: string } | undefined;
}

/** A response ready for the wire: resources are the shared, already encoded bodies. */
export interface DiscoveryResponse {
  readonly typeUrl: TypeUrl;
  readonly versionInfo: string;
  readonly nonce: string;
  readonly resources: readonly Resource[];
  readonly controlPlane?: string;
  /** Set when many streams send exactly these resources: their encoding is then made once and shared. */
  readonly shared?: SharedBody;
}

/** The wire shape of a DiscoveryRequest, for clients (proto field names). */
export interface DiscoveryRequestObject {
  version_info?: string;
  node?: { id: string; cluster?: string; user_agent_name?: string; user_agent_version?: string };
  resource_names?: readonly string[];
  type_url?: string;
  response_nonce?: string;
  error_detail?: { code: number; message: string };
}

/** A decoded DiscoveryResponse whose resources are still raw `Any`s. */
export interface RawDiscoveryResponse {
  readonly versionInfo: string;
  readonly typeUrl: string;
  readonly nonce: string;
  readonly resources: ReadonlyArray<{ readonly typeUrl: string; readonly value: Uint8Array }>;
  readonly controlPlane: string | undefined;
}

const requestType = () => lookupMessage(DiscoveryMessage.Request);
const responseType = () => lookupMessage(DiscoveryMessage.Response);
const nodeType = () => lookupMessage('envoy.config.core.v3.Node');
const statusType = () => lookupMessage('google.rpc.Status');

/** A decoded `envoy.config.core.v3.Node` (proto field names). */
export interface DecodedNode {
  id?: string;
  cluster?: string;
  user_agent_name?: string;
  user_agent_version?: string;
}

/** Field numbers of envoy.service.discovery.v3.DiscoveryRequest. */
const F = { version: 1, node: 2, names: 3, type: 4, nonce: 5, error: 6 } as const;

/** A request read off the wire; the names are decoded only if someone asks for them. */
class WireRequest implements DiscoveryRequest {
  versionInfo = '';
  node: NodeInfo | undefined;
  typeUrl = '';
  responseNonce = '';
  errorDetail: { code: number; message: string } | undefined;
  resourceNamesRaw: Uint8Array = new Uint8Array();
  private names: readonly string[] | undefined;

  get resourceNames(): readonly string[] {
    return (this.names ??= decodeNameEntries(this.resourceNamesRaw, F.names));
  }
}

/**
 * Decodes a DiscoveryRequest field by field with protobufjs' reader, keeping the `resource_names` entries as
 * bytes; throws on bytes that are not one. `known` are encodings of name lists the client sent before: an
 * ACK repeats one byte for byte, and the whole list is then stepped over with one comparison instead of
 * entry by entry (each known encoding is a run of complete entries, so any further entry is still read).
 * When the list is exactly a known encoding, `resourceNamesRaw` is that very object, so whoever keeps it can
 * recognise the list by identity instead of comparing its bytes (hundreds of KiB for 10,000 names) again.
 */
export function decodeDiscoveryRequest(
  bytes: Uint8Array,
  known: readonly Uint8Array[] = [],
): DiscoveryRequest {
  const reader = protobuf.Reader.create(bytes);
  const request = new WireRequest();
  const ranges: Array<[number, number]> = [];
  let matched: Uint8Array | undefined;
  while (reader.pos < reader.len) {
    const start = reader.pos;
    const tag = reader.uint32();
    switch (tag >>> 3) {
      case F.version:
        request.versionInfo = reader.string();
        break;
      case F.node:
        request.node = nodeInfo(nodeType().decode(reader, reader.uint32()) as DecodedNode);
        break;
      case F.names: {
        const run = ranges.length === 0 ? knownRunAt(bytes, start, known) : undefined;
        if (run !== undefined) reader.pos = start + run.length;
        else reader.skipType(tag & 7);
        matched ??= run;
        const last = ranges.at(-1);
        if (last !== undefined && last[1] === start) last[1] = reader.pos;
        else ranges.push([start, reader.pos]);
        break;
      }
      case F.type:
        request.typeUrl = reader.string();
        break;
      case F.nonce:
        request.responseNonce = reader.string();
        break;
      case F.error: {
        const s = statusType().decode(reader, reader.uint32()) as { code?: number; message?: string };
        request.errorDetail = { code: s.code ?? 0, message: s.message ?? '' };
        break;
      }
      default:
        reader.skipType(tag & 7);
    }
  }
  const [first] = ranges;
  if (first !== undefined) {
    request.resourceNamesRaw =
      ranges.length !== 1
        ? Buffer.concat(ranges.map(([s, e]) => bytes.subarray(s, e)))
        : matched !== undefined && first[1] - first[0] === matched.length
          ? matched
          : bytes.subarray(first[0], first[1]);
  }
  return request;
}

/** The known encoding found at `start`, if any. */
function knownRunAt(bytes: Uint8Array, start: number, known: readonly Uint8Array[]): Uint8Array | undefined {
  for (const raw of known) {
    if (raw.length === 0 || start + raw.length > bytes.length) continue;
    if (asBuffer(bytes).compare(raw, 0, raw.length, start, start + raw.length) === 0) return raw;
  }
  return undefined;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The strings of one repeated string field, from the bytes of its entries (tags included). */
export function decodeNameEntries(raw: Uint8Array, field: number): string[] {
  const reader = protobuf.Reader.create(raw);
  const out: string[] = [];
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 === field) out.push(reader.string());
    else reader.skipType(tag & 7);
  }
  return out;
}

/** The node fields the edge uses, from a decoded `envoy.config.core.v3.Node`. */
export function nodeInfo(node: DecodedNode): NodeInfo {
  return {
    id: node.id ?? '',
    cluster: node.cluster ?? '',
    userAgentName: node.user_agent_name ?? '',
    userAgentVersion: node.user_agent_version ?? '',
  };
}

/** The per-resource part of a response: one `resources` entry, encoded once per resource version. */
const chunks = new WeakMap<Resource, Uint8Array>();

/** Encoded `resources` entries, concatenated: the body of a response carrying exactly these resources. */
export function sotwBody(resources: readonly Resource[]): Buffer {
  return Buffer.concat(resources.map(sotwChunk));
}

function sotwChunk(r: Resource): Uint8Array {
  let chunk = chunks.get(r);
  if (chunk === undefined) {
    chunk = responseType()
      .encode({ resources: [{ type_url: r.typeUrl, value: r.body }] })
      .finish();
    chunks.set(r, chunk);
  }
  return chunk;
}

/**
 * Encodes a response: the resources part comes from per-resource encodings made once (or, for a body many
 * streams share, from one encoding of the whole list), and only the envelope is encoded per stream. Encoded
 * protobuf messages concatenate into their merge, so the parts need no re-encoding.
 */
export function encodeDiscoveryResponse(response: DiscoveryResponse): Buffer {
  const body =
    response.shared === undefined
      ? sotwBody(response.resources)
      : sharedBody(response.shared, () => sotwBody(response.resources));
  const envelope = responseType()
    .encode({
      version_info: response.versionInfo,
      type_url: response.typeUrl,
      nonce: response.nonce,
      ...(response.controlPlane === undefined
        ? {}
        : { control_plane: { identifier: response.controlPlane } }),
    })
    .finish();
  return Buffer.concat([body, envelope]);
}

/** Encodes a client request (proto field names). */
export function encodeDiscoveryRequest(request: DiscoveryRequestObject): Buffer {
  const type = requestType();
  return Buffer.from(type.encode(type.fromObject(request as Record<string, unknown>)).finish());
}

interface DecodedResponse {
  version_info?: string;
  type_url?: string;
  nonce?: string;
  resources?: Array<{ type_url?: string; value?: Uint8Array }>;
  control_plane?: { identifier?: string } | null;
}

/** Decodes a DiscoveryResponse, leaving each resource as its type URL and bytes. */
export function decodeDiscoveryResponse(bytes: Uint8Array): RawDiscoveryResponse {
  const m = responseType().decode(bytes) as unknown as DecodedResponse;
  return {
    versionInfo: m.version_info ?? '',
    typeUrl: m.type_url ?? '',
    nonce: m.nonce ?? '',
    resources: (m.resources ?? []).map((a) => ({
      typeUrl: a.type_url ?? '',
      value: a.value ?? new Uint8Array(),
    })),
    controlPlane: m.control_plane?.identifier ?? undefined,
  };
}
