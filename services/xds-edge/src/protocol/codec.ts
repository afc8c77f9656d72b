import { lookupMessage, type Resource, type TypeUrl } from '@sesame/shared';

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

interface DecodedRequest {
  version_info?: string;
  node?: { id?: string; cluster?: string; user_agent_name?: string; user_agent_version?: string } | null;
  resource_names?: string[];
  type_url?: string;
  response_nonce?: string;
  error_detail?: { code?: number; message?: string } | null;
}

/** Decodes a DiscoveryRequest; throws on bytes that are not one (grpc-js turns that into INTERNAL). */
export function decodeDiscoveryRequest(bytes: Uint8Array): DiscoveryRequest {
  // Fields read straight off the decoded message: absent scalars fall back to the prototype defaults.
  const m = requestType().decode(bytes) as unknown as DecodedRequest;
  const node = m.node ?? undefined;
  const error = m.error_detail ?? undefined;
  return {
    versionInfo: m.version_info ?? '',
    node:
      node === undefined
        ? undefined
        : {
            id: node.id ?? '',
            cluster: node.cluster ?? '',
            userAgentName: node.user_agent_name ?? '',
            userAgentVersion: node.user_agent_version ?? '',
          },
    resourceNames: m.resource_names ?? [],
    typeUrl: m.type_url ?? '',
    responseNonce: m.response_nonce ?? '',
    errorDetail: error === undefined ? undefined : { code: error.code ?? 0, message: error.message ?? '' },
  };
}

/** Encodes a response; each resource's body is copied into its `Any` as is, never re-encoded. */
export function encodeDiscoveryResponse(response: DiscoveryResponse): Buffer {
  const type = responseType();
  const message = {
    version_info: response.versionInfo,
    resources: response.resources.map((r) => ({ type_url: r.typeUrl, value: r.body })),
    type_url: response.typeUrl,
    nonce: response.nonce,
    ...(response.controlPlane === undefined ? {} : { control_plane: { identifier: response.controlPlane } }),
  };
  return Buffer.from(type.encode(message).finish());
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
