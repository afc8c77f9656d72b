import { decodeMessage, TypeUrl } from '@sesame/shared';
import type { RawDiscoveryResponse } from '../protocol/codec.js';
import type { RawDeltaResponse } from '../protocol/delta-codec.js';

/** A decoded resource: its name first, then its fields as JSON (proto field names, `@type` on every Any). */
export type XdsResourceJson = { readonly name: string } & Readonly<Record<string, unknown>>;

/** A response as the debug client prints it. */
export interface XdsResponse {
  readonly typeUrl: string;
  /** `version_info`, or for delta the (informational) `system_version_info`. */
  readonly version: string;
  readonly nonce: string;
  readonly controlPlane: string | undefined;
  readonly resources: readonly XdsResourceJson[];
  /** Delta only: each resource's own version, by name. */
  readonly resourceVersions?: Readonly<Record<string, string>>;
  /** Delta only: names the server removed. */
  readonly removed?: readonly string[];
}

/** Decodes every resource of a response; one that cannot be decoded becomes `{ name: '', '@error': ... }`. */
export function decodeResponse(raw: RawDiscoveryResponse): XdsResponse {
  return {
    typeUrl: raw.typeUrl,
    version: raw.versionInfo,
    nonce: raw.nonce,
    controlPlane: raw.controlPlane,
    resources: raw.resources.map((any) => decodeResource(any.typeUrl, any.value)),
  };
}

/** Decodes a delta response like `decodeResponse`, keeping per-resource versions and removals. */
export function decodeDeltaResponseJson(raw: RawDeltaResponse): XdsResponse {
  return {
    typeUrl: raw.typeUrl,
    version: raw.systemVersionInfo,
    nonce: raw.nonce,
    controlPlane: raw.controlPlane,
    resources: raw.resources.map((r) => decodeResource(r.typeUrl, r.value)),
    resourceVersions: Object.fromEntries(raw.resources.map((r) => [r.name, r.version])),
    removed: raw.removed,
  };
}

function decodeResource(typeUrl: string, value: Uint8Array): XdsResourceJson {
  try {
    const decoded = decodeMessage(typeUrl, value);
    return { name: resourceName(typeUrl, decoded), ...decoded };
  } catch (err) {
    return { name: '', '@type': typeUrl, '@error': (err as Error).message };
  }
}

/** The name a resource is subscribed by: ClusterLoadAssignments go by `cluster_name`, the rest by `name`. */
function resourceName(typeUrl: string, decoded: Record<string, unknown>): string {
  const field = typeUrl === TypeUrl.ClusterLoadAssignment ? decoded['cluster_name'] : decoded['name'];
  return typeof field === 'string' ? field : '';
}
