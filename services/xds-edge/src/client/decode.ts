import { decodeMessage, TypeUrl } from '@sesame/shared';
import type { RawDiscoveryResponse } from '../protocol/codec.js';

/** A decoded resource: its name first, then its fields as JSON (proto field names, `@type` on every Any). */
export type XdsResourceJson = { readonly name: string } & Readonly<Record<string, unknown>>;

/** A response as the debug client prints it. */
export interface XdsResponse {
  readonly typeUrl: string;
  readonly version: string;
  readonly nonce: string;
  readonly controlPlane: string | undefined;
  readonly resources: readonly XdsResourceJson[];
}

/** Decodes every resource of a response; one that cannot be decoded becomes `{ name: '', '@error': ... }`. */
export function decodeResponse(raw: RawDiscoveryResponse): XdsResponse {
  return {
    typeUrl: raw.typeUrl,
    version: raw.versionInfo,
    nonce: raw.nonce,
    controlPlane: raw.controlPlane,
    resources: raw.resources.map((any) => {
      try {
        const decoded = decodeMessage(any.typeUrl, any.value);
        return { name: resourceName(any.typeUrl, decoded), ...decoded };
      } catch (err) {
        return { name: '', '@type': any.typeUrl, '@error': (err as Error).message };
      }
    }),
  };
}

/** The name a resource is subscribed by: ClusterLoadAssignments go by `cluster_name`, the rest by `name`. */
function resourceName(typeUrl: string, decoded: Record<string, unknown>): string {
  const field = typeUrl === TypeUrl.ClusterLoadAssignment ? decoded['cluster_name'] : decoded['name'];
  return typeof field === 'string' ? field : '';
}
