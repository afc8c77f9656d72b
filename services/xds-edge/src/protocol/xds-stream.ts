import { ErrorCode, isTypeUrl, SesameError, TYPE_SHORT_NAMES, TYPE_URLS, TypeUrl } from '@sesame/shared';
import type { CacheWatcher, ResourceCache } from '../cache/resource-cache.js';
import { viewForNode, type ViewName } from '../cache/views.js';
import type { NodeInfo } from './codec.js';

/** What a request meant for its type sub-stream. */
export type RequestOutcome =
  | { readonly kind: 'stale' }
  | { readonly kind: 'ack'; readonly version: string }
  | { readonly kind: 'nack'; readonly version: string; readonly message: string }
  | { readonly kind: 'update' };

/** The types whose pending work holds back removals of a type (only on one stream: ADS orders types). */
const REMOVAL_WAITS_FOR: ReadonlyMap<TypeUrl, readonly TypeUrl[]> = new Map([
  [TypeUrl.Cluster, [TypeUrl.ClusterLoadAssignment, TypeUrl.Listener, TypeUrl.RouteConfiguration]],
  [TypeUrl.ClusterLoadAssignment, [TypeUrl.Cluster, TypeUrl.Listener, TypeUrl.RouteConfiguration]],
]);

/** What a request did. */
export interface HandledRequest {
  readonly typeUrl: TypeUrl;
  readonly outcome: RequestOutcome;
  /** Set on the request that first identified the client. */
  readonly identified: NodeInfo | undefined;
}

/** How a stream was created. */
export interface XdsStreamOptions {
  readonly cache: ResourceCache;
  /** The type of a per-type service (LDS, CDS, ...); undefined on ADS, where each request names its type. */
  readonly serviceType?: TypeUrl;
  /** Called when a response may have become ready outside a request (a cache update, a forced resend). */
  readonly wake: () => void;
  /** Serve this view whatever the node says (the proxyless port serves only the gRPC view). */
  readonly forcedView?: ViewName;
}

/** The part of a request every stream reads, whatever its protocol variant. */
export interface TypedRequest {
  readonly typeUrl: string;
  readonly node: NodeInfo | undefined;
}

/** One type's sub-stream, state of the world or delta. */
export interface TypeSubStream<Request, Response> {
  handleRequest(request: Request): RequestOutcome;
  /**
   * The response to write now, if any. `deferRemovals` tells a CDS or EDS sub-stream whether removing
   * resources must wait because the types that may still use them (listeners, routes) have work pending.
   */
  nextResponse(deferRemovals?: () => boolean): Response | undefined;
  /** A response of this type awaits its ACK (or NACK). */
  awaitingAck(): boolean;
  /** A response is in flight, or a change other than a removal is due. */
  busy(): boolean;
  /** Re-send these names (if subscribed) even when unchanged; true if any is subscribed. */
  force(names: readonly string[]): boolean;
  resourcesChanged(names: ReadonlySet<string> | null, arrivedAt: number): void;
  close(): void;
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
 * One xDS stream (ADS or per-type, state of the world or delta): the client's node, its view, and one
 * independent sub-stream per type. No sockets: the transport feeds requests in and pulls responses out, in
 * make-before-break order (CDS, EDS, LDS, RDS, SDS).
 */
export abstract class XdsStream<Request extends TypedRequest, Response> implements CacheWatcher {
  /** The node from the first request that carried one. */
  node: NodeInfo | undefined;
  /** Decided by the first request, so a stream never switches views. */
  view: ViewName | undefined;
  protected readonly types = new Map<TypeUrl, TypeSubStream<Request, Response>>();
  private nonces = 0;
  private closed = false;

  constructor(protected readonly options: XdsStreamOptions) {}

  /** Makes the sub-stream of a type, on its first request. */
  protected abstract createTypeState(
    typeUrl: TypeUrl,
    view: ViewName,
    nextNonce: () => string,
  ): TypeSubStream<Request, Response>;

  /** Applies a request; throws a SesameError for a request that must end the stream. */
  handleRequest(request: Request): HandledRequest {
    const typeUrl = resolveTypeUrl(request.typeUrl, this.options.serviceType);
    let identified: NodeInfo | undefined;
    if (this.node === undefined && request.node !== undefined) {
      this.node = request.node;
      identified = request.node;
    }
    const view = (this.view ??= this.options.forcedView ?? viewForNode(request.node));
    let state = this.types.get(typeUrl);
    if (state === undefined) {
      // One nonce counter for all types: nonces are unique within the stream.
      state = this.createTypeState(typeUrl, view, () => (++this.nonces).toString(36));
      this.types.set(typeUrl, state);
    }
    return { typeUrl, outcome: state.handleRequest(request), identified };
  }

  /**
   * The next response to write, taking types in make-before-break order (CDS, EDS, LDS, RDS, SDS); undefined
   * when nothing is due. A type whose response awaits its ACK holds back the types after it: Envoy asks for
   * the endpoints of new clusters before it ACKs them, so by then the endpoints are due and go first, and a
   * route never reaches Envoy before the cluster it needs has left warming.
   */
  nextResponse(): Response | undefined {
    if (this.closed) return undefined;
    for (const typeUrl of TYPE_URLS) {
      const state = this.types.get(typeUrl);
      if (state === undefined) continue;
      const response = state.nextResponse(() => this.othersBusy(typeUrl));
      if (response !== undefined) return response;
      if (state.awaitingAck()) return undefined;
    }
    return undefined;
  }

  /**
   * Whether removing clusters (or endpoints) must wait: make before break puts removals last, after the
   * listeners and routes that stop using them (and, for endpoints, after their clusters) are settled.
   */
  private othersBusy(typeUrl: TypeUrl): boolean {
    const waitFor = REMOVAL_WAITS_FOR.get(typeUrl) ?? [];
    return waitFor.some((t) => this.types.get(t)?.busy() === true);
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

  /** How many types this stream has requested so far (checked on every request: no array). */
  typeCount(): number {
    return this.types.size;
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
