import { ErrorCode, isTypeUrl, SesameError, TYPE_SHORT_NAMES, TYPE_URLS, TypeUrl } from '@sesame/shared';
import type { CacheWatcher, ResourceCache } from '../cache/resource-cache.js';
import { viewForNode, type ViewName } from '../cache/views.js';
import type { DiscoveryRequest, NodeInfo } from './codec.js';
import { SotwTypeState, type PendingResponse, type RequestOutcome } from './sotw-type-state.js';

/** How a stream was created. */
export interface SotwStreamOptions {
  readonly cache: ResourceCache;
  /** The type of a per-type service (LDS, CDS, ...); undefined on ADS, where each request names its type. */
  readonly serviceType?: TypeUrl;
  /** Called when a response may have become ready outside a request (a cache update, a forced resend). */
  readonly wake: () => void;
}

/** What a request did. */
export interface HandledRequest {
  readonly typeUrl: TypeUrl;
  readonly outcome: RequestOutcome;
  /** Set on the request that first identified the client. */
  readonly identified: NodeInfo | undefined;
}

/**
 * The type URL a request is for. Per-type services default an empty type URL to their own type; ADS requires
 * one. Anything that is not a served v3 type is an error for this stream only.
 */
export function resolveTypeUrl(typeUrl: string, serviceType: TypeUrl | undefined): TypeUrl {
  if (typeUrl === '') {
    if (serviceType !== undefined) return serviceType;
    throw new SesameError(ErrorCode.XdsInvalidRequest, 'type_url is required on the aggregated (ADS) stream');
  }
  if (!isTypeUrl(typeUrl)) {
    const message = /\.v2\./.test(typeUrl)
      ? `xDS v2 type ${typeUrl} is not served; use the v3 API`
      : `unknown resource type ${typeUrl}`;
    throw new SesameError(ErrorCode.XdsUnknownType, message);
  }
  if (serviceType !== undefined && typeUrl !== serviceType) {
    throw new SesameError(
      ErrorCode.XdsInvalidRequest,
      `type ${typeUrl} requested on the ${TYPE_SHORT_NAMES[serviceType].toUpperCase()} service`,
    );
  }
  return typeUrl;
}

/**
 * One state-of-the-world stream (ADS or per-type): the client's node, its view, and one independent
 * sub-stream per type. No sockets: the transport feeds requests in and pulls responses out, in
 * make-before-break order (CDS, EDS, LDS, RDS, SDS).
 */
export class SotwStream implements CacheWatcher {
  /** The node from the first request that carried one. */
  node: NodeInfo | undefined;
  /** Decided by the first request, so a stream never switches views. */
  view: ViewName | undefined;
  private readonly types = new Map<TypeUrl, SotwTypeState>();
  private nonces = 0;
  private closed = false;

  constructor(private readonly options: SotwStreamOptions) {}

  /** Applies a request; throws a SesameError for a request that must end the stream. */
  handleRequest(request: DiscoveryRequest): HandledRequest {
    const typeUrl = resolveTypeUrl(request.typeUrl, this.options.serviceType);
    let identified: NodeInfo | undefined;
    if (this.node === undefined && request.node !== undefined) {
      this.node = request.node;
      identified = request.node;
    }
    const view = (this.view ??= viewForNode(request.node));
    let state = this.types.get(typeUrl);
    if (state === undefined) {
      state = new SotwTypeState(this.options.cache, view, typeUrl, () => (++this.nonces).toString(36), this);
      this.types.set(typeUrl, state);
    }
    return { typeUrl, outcome: state.handleRequest(request), identified };
  }

  /**
   * The next response to write, taking types in make-before-break order (CDS, EDS, LDS, RDS, SDS); undefined
   * when nothing is due. A type whose next change waits for the ACK of its previous response holds back the
   * types after it, so the client always receives a change's clusters before the routes that use them.
   */
  nextResponse(): PendingResponse | undefined {
    if (this.closed) return undefined;
    for (const typeUrl of TYPE_URLS) {
      const state = this.types.get(typeUrl);
      if (state === undefined) continue;
      const response = state.nextResponse();
      if (response !== undefined) return response;
      if (state.hasBlockedChange()) return undefined;
    }
    return undefined;
  }

  /** Re-sends these endpoints (if subscribed) even when unchanged, so a changed cluster leaves warming. */
  forceEndpoints(names: readonly string[]): void {
    if (names.length === 0) return;
    if (this.types.get(TypeUrl.ClusterLoadAssignment)?.force(names) === true) this.options.wake();
  }

  /** Types this stream has requested so far. */
  typeUrls(): TypeUrl[] {
    return [...this.types.keys()];
  }

  /** The version the client last accepted for a type ('' if none). */
  acceptedVersion(typeUrl: TypeUrl): string {
    return this.types.get(typeUrl)?.acceptedVersion ?? '';
  }

  resourcesChanged(typeUrl: TypeUrl, names: ReadonlySet<string> | null, arrivedAt: number): void {
    this.types.get(typeUrl)?.resourcesChanged(names, arrivedAt);
  }

  updated(): void {
    if (!this.closed) this.options.wake();
  }

  /** Releases every interest in the cache. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const state of this.types.values()) state.close();
    this.types.clear();
  }
}
