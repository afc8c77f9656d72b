import { lookupMessage, type Resource, type TypeUrl } from '@sesame/shared';
import { DiscoveryMessage, nodeInfo, type DecodedNode, type NodeInfo } from './codec.js';
import { sharedBody, type SharedBody } from './encoding.js';

/** A decoded DeltaDiscoveryRequest, reduced to the fields the protocol uses. */
export interface DeltaDiscoveryRequest {
  readonly node: NodeInfo | undefined;
  readonly typeUrl: string;
  /** Names to add to the tracked set (a delta: empty means no change). */
  readonly subscribe: readonly string[];
  /** Names to remove from the tracked set. */
  readonly unsubscribe: readonly string[];
  /** On the first request of a type after a reconnect: what the client already holds. */
  readonly initialResourceVersions: ReadonlyMap<string, string>;
  /** Set on an ACK or NACK; empty on a spontaneous request. */
  readonly responseNonce: string;
  /** Present only on a NACK. */
  readonly errorDetail: { readonly code: number; readonly message: string } | undefined;
}

/** A delta response ready for the wire. */
export interface DeltaDiscoveryResponse {
  readonly typeUrl: TypeUrl;
  /** For debugging only: the version of the type view the response was computed from. */
  readonly systemVersionInfo: string;
  readonly nonce: string;
  /** Added or changed resources, each with its own content-derived version. */
  readonly resources: readonly Resource[];
  /** Names the client knew that are gone. */
  readonly removed: readonly string[];
  readonly controlPlane?: string;
  /** Set when many streams send exactly these resources: their encoding is then made once and shared. */
  readonly shared?: SharedBody;
}

/** The wire shape of a DeltaDiscoveryRequest, for clients (proto field names). */
export interface DeltaDiscoveryRequestObject {
  node?: { id: string; cluster?: string; user_agent_name?: string; user_agent_version?: string };
  type_url?: string;
  resource_names_subscribe?: readonly string[];
  resource_names_unsubscribe?: readonly string[];
  initial_resource_versions?: Record<string, string>;
  response_nonce?: string;
  error_detail?: { code: number; message: string };
}

/** A decoded DeltaDiscoveryResponse whose resources are still raw `Any`s. */
export interface RawDeltaResponse {
  readonly systemVersionInfo: string;
  readonly typeUrl: string;
  readonly nonce: string;
  readonly resources: ReadonlyArray<{
    readonly name: string;
    readonly version: string;
    readonly typeUrl: string;
    readonly value: Uint8Array;
  }>;
  readonly removed: readonly string[];
  readonly controlPlane: string | undefined;
}

const requestType = () => lookupMessage(DiscoveryMessage.DeltaRequest);
const responseType = () => lookupMessage(DiscoveryMessage.DeltaResponse);

interface DecodedDeltaRequest {
  node?: DecodedNode | null;
  type_url?: string;
  resource_names_subscribe?: string[];
  resource_names_unsubscribe?: string[];
  initial_resource_versions?: Record<string, string>;
  response_nonce?: string;
  error_detail?: { code?: number; message?: string } | null;
}

/** Decodes a DeltaDiscoveryRequest; throws on bytes that are not one (grpc-js turns that into INTERNAL). */
export function decodeDeltaRequest(bytes: Uint8Array): DeltaDiscoveryRequest {
  const m = requestType().decode(bytes) as unknown as DecodedDeltaRequest;
  const node = m.node ?? undefined;
  const error = m.error_detail ?? undefined;
  return {
    node: node === undefined ? undefined : nodeInfo(node),
    typeUrl: m.type_url ?? '',
    subscribe: m.resource_names_subscribe ?? [],
    unsubscribe: m.resource_names_unsubscribe ?? [],
    initialResourceVersions: new Map(Object.entries(m.initial_resource_versions ?? {})),
    responseNonce: m.response_nonce ?? '',
    errorDetail: error === undefined ? undefined : { code: error.code ?? 0, message: error.message ?? '' },
  };
}

/** One `resources` entry (an envoy.service.discovery.v3.Resource), encoded once per resource version. */
const chunks = new WeakMap<Resource, Uint8Array>();

function deltaChunk(r: Resource): Uint8Array {
  let chunk = chunks.get(r);
  if (chunk === undefined) {
    chunk = responseType()
      .encode({
        resources: [{ name: r.name, version: r.version, resource: { type_url: r.typeUrl, value: r.body } }],
      })
      .finish();
    chunks.set(r, chunk);
  }
  return chunk;
}

function deltaBody(resources: readonly Resource[]): Buffer {
  return Buffer.concat(resources.map(deltaChunk));
}

/** Encodes a delta response from per-resource encodings made once, plus the per-stream envelope. */
export function encodeDeltaResponse(response: DeltaDiscoveryResponse): Buffer {
  const body =
    response.shared === undefined
      ? deltaBody(response.resources)
      : sharedBody(response.shared, () => deltaBody(response.resources));
  const envelope = responseType()
    .encode({
      system_version_info: response.systemVersionInfo,
      type_url: response.typeUrl,
      nonce: response.nonce,
      removed_resources: response.removed,
      ...(response.controlPlane === undefined
        ? {}
        : { control_plane: { identifier: response.controlPlane } }),
    })
    .finish();
  return Buffer.concat([body, envelope]);
}

/** Encodes a client's delta request (proto field names). */
export function encodeDeltaRequest(request: DeltaDiscoveryRequestObject): Buffer {
  const type = requestType();
  return Buffer.from(type.encode(type.fromObject(request as Record<string, unknown>)).finish());
}

interface DecodedDeltaResponse {
  system_version_info?: string;
  type_url?: string;
  nonce?: string;
  resources?: Array<{
    name?: string;
    version?: string;
    resource?: { type_url?: string; value?: Uint8Array } | null;
  }>;
  removed_resources?: string[];
  control_plane?: { identifier?: string } | null;
}

/** Decodes a DeltaDiscoveryResponse, leaving each resource's body as bytes. */
export function decodeDeltaResponse(bytes: Uint8Array): RawDeltaResponse {
  const m = responseType().decode(bytes) as unknown as DecodedDeltaResponse;
  return {
    systemVersionInfo: m.system_version_info ?? '',
    typeUrl: m.type_url ?? '',
    nonce: m.nonce ?? '',
    resources: (m.resources ?? []).map((r) => ({
      name: r.name ?? '',
      version: r.version ?? '',
      typeUrl: r.resource?.type_url ?? '',
      value: r.resource?.value ?? new Uint8Array(),
    })),
    removed: m.removed_resources ?? [],
    controlPlane: m.control_plane?.identifier ?? undefined,
  };
}
