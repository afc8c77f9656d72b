import { createHash } from 'node:crypto';
import { TypeUrl, type Resource } from '@sesame/shared';
import type { NodeInfo } from '../protocol/codec.js';

/** Which resources a client may see: Envoys get the 'envoy' view, proxyless gRPC libraries the 'grpc' view. */
export type ViewName = 'envoy' | 'grpc';

/** Both views, in a fixed order. */
export const VIEW_NAMES: readonly ViewName[] = ['envoy', 'grpc'];

/**
 * The view for a client. gRPC libraries name themselves in `user_agent_name` ("grpc-node-js", "gRPC Go",
 * "grpc-java", "grpc-c", "grpc-python"); Envoy says "envoy". Unknown or absent means Envoy.
 */
export function viewForNode(node: NodeInfo | undefined): ViewName {
  return node !== undefined && /grpc/i.test(node.userAgentName) ? 'grpc' : 'envoy';
}

/** Whether a resource belongs to a view. A gRPC client never receives a Secret, whatever its audience. */
export function isVisible(view: ViewName, resource: Resource): boolean {
  if (view === 'grpc') return resource.typeUrl !== TypeUrl.Secret && resource.audience !== 'envoy';
  return resource.audience !== 'grpc';
}

/** Bytes of a resource version (see shared `resourceVersion`: 16 base64url characters). */
const DIGEST_BYTES = 12;

/**
 * An order-independent digest of the resources in one view of one type: the XOR of their versions. Adding or
 * removing a resource costs O(1), and the same content gives the same digest on every edge replica.
 */
export class ViewDigest {
  private readonly bytes = Buffer.alloc(DIGEST_BYTES);

  /** Adds or removes (XOR is its own inverse) one resource version. */
  toggle(version: string): void {
    const v = Buffer.from(version, 'base64url');
    for (let i = 0; i < DIGEST_BYTES; i++) this.bytes[i] = (this.bytes[i] ?? 0) ^ (v[i] ?? 0);
  }

  /** The version string of a view holding `count` resources with this digest. */
  version(view: ViewName, typeUrl: TypeUrl, count: number): string {
    return createHash('sha256')
      .update(`${view}\0${typeUrl}\0${count}\0`)
      .update(this.bytes)
      .digest()
      .subarray(0, DIGEST_BYTES)
      .toString('base64url');
  }
}
