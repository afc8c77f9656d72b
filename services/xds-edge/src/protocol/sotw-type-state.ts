import { TypeUrl, type Resource } from '@sesame/shared';
import type { Coverage } from '../cache/holdings.js';
import type { CacheWatcher, ResourceCache, TypeView } from '../cache/resource-cache.js';
import type { ViewName } from '../cache/views.js';
import type { DiscoveryRequest, DiscoveryResponse } from './codec.js';
import { SubscriptionRefs, type PlanInput } from './plan.js';
import { changedEdsNames, keptVersion, selectResources } from './selection.js';
import { TypeState } from './type-state.js';
import type { RequestOutcome, TypeSubStream } from './xds-stream.js';
import {
  covers,
  initialSubscription,
  isPureWildcard,
  nextSubscription,
  type Subscription,
} from './subscription.js';

export type { RequestOutcome };

/** A response the stream may write now, with what the transport needs around it. */
export interface PendingResponse extends DiscoveryResponse {
  /** Arrival time of the oldest snapshot change this response carries, if a change caused it. */
  readonly pendingSince: number | undefined;
  /** For CDS: EDS names of the clusters this response adds or changes for the client. */
  readonly edsNames: readonly string[];
}

/**
 * LDS and CDS responses carry the full state of the subscription (a resource left out is deleted); the other
 * types carry only what changed, and leaving a resource out does not delete it.
 */
export function isFullStateType(typeUrl: TypeUrl): boolean {
  return typeUrl === TypeUrl.Listener || typeUrl === TypeUrl.Cluster;
}

interface InFlight {
  readonly nonce: string;
  readonly version: string;
  readonly resources: readonly Resource[];
  readonly view: TypeView;
  readonly coverage: Subscription;
  /** Removed clusters the response still carried (their removal deferred). */
  readonly kept: readonly Resource[];
  /** Once ACKed, the client holds exactly `view` within `coverage`. */
  readonly synced: boolean;
}

/**
 * One type's state-of-the-world sub-stream: the subscription (always the complete desired set), the one
 * response in flight, a rejected version held back, and what `TypeState` tracks. At most one response per
 * type is unacknowledged (as with go-control-plane's one-shot watches): the client's ACK or NACK opens the way
 * for the next one.
 */
export class SotwTypeState extends TypeState implements TypeSubStream<DiscoveryRequest, PendingResponse> {
  private subscription: Subscription;
  private readonly refs: SubscriptionRefs;
  private lastNonce: string | undefined;
  private inFlight: InFlight | undefined;
  /** The last rejected response, held back until the type's version changes. */
  private nacked: { version: string; sent: Map<string, string> } | undefined;
  /** Removed clusters the client still holds because their removal was deferred. */
  private kept = new Map<string, Resource>();
  /** The version a client claimed on its first request (a reconnect), until checked against the cache. */
  private claimedVersion: string | undefined;
  private requests = 0;
  /** The version the client last said it accepted. */
  acceptedVersion = '';

  constructor(
    cache: ResourceCache,
    view: ViewName,
    typeUrl: TypeUrl,
    nextNonce: () => string,
    watcher: CacheWatcher,
  ) {
    super(cache, view, typeUrl, nextNonce, watcher);
    this.subscription = initialSubscription(typeUrl);
    this.refs = new SubscriptionRefs(cache.nameSets);
  }

  /** Applies a request for this type (its type URL already checked). */
  handleRequest(request: DiscoveryRequest): RequestOutcome {
    const first = this.requests === 0;
    this.requests++;
    // A request answering an older response is stale: the client will answer the latest one too, carrying its
    // complete subscription again, so nothing is lost by ignoring this one entirely.
    if (this.lastNonce !== undefined && request.responseNonce !== this.lastNonce) return { kind: 'stale' };
    let outcome: RequestOutcome = { kind: 'update' };
    const inFlight = this.inFlight;
    if (inFlight !== undefined && request.responseNonce === inFlight.nonce) {
      this.inFlight = undefined;
      if (request.errorDetail !== undefined) {
        // NACK: decided by error_detail only. The client kept what it had; re-check the rejected names, but
        // hold them back while the version is the one it rejected.
        const sent = new Map(inFlight.resources.map((r) => [r.name, r.version]));
        this.nacked = { version: inFlight.view.version, sent };
        for (const r of inFlight.resources) this.dirty.add(r.name);
        outcome = { kind: 'nack', version: inFlight.version, message: request.errorDetail.message };
      } else {
        this.nacked = undefined;
        this.acknowledged(inFlight);
        outcome = { kind: 'ack', version: inFlight.version };
      }
    } else if (first && request.versionInfo !== '') {
      this.claimedVersion = request.versionInfo;
    }
    this.acceptedVersion = request.versionInfo;
    this.resubscribe(request, first);
    return outcome;
  }

  private acknowledged(inFlight: InFlight): void {
    const fullState = isFullStateType(this.typeUrl);
    const sameCoverage =
      inFlight.coverage.wildcard === this.subscription.wildcard &&
      inFlight.coverage.names === this.subscription.names;
    // A full-state response, or one that left nothing pending, makes the client hold exactly that view.
    if ((fullState || inFlight.synced) && sameCoverage) {
      this.holdings.reset(inFlight.view, inFlight.coverage);
      for (const r of inFlight.kept) this.holdings.set(r.name, r.version);
      this.kept = new Map(inFlight.kept.map((r) => [r.name, r]));
      return;
    }
    if (fullState) this.holdings.clear();
    for (const r of inFlight.resources) this.holdings.set(r.name, r.version);
  }

  private resubscribe(request: DiscoveryRequest, first: boolean): void {
    const before = this.subscription;
    const after = this.refs.next(request, (requested) => nextSubscription(before, requested), first);
    if (after === undefined) return;
    this.subscription = after;
    const uncover = (name: string): void => {
      // The client drops what it unsubscribes from, so a later subscription must send it again.
      this.holdings.set(name, undefined);
      this.nacked?.sent.delete(name);
      this.forced.delete(name);
    };
    if (before.wildcard && !after.wildcard) {
      for (const name of [...this.holdings.names()]) if (!covers(after, name)) uncover(name);
    }
    for (const name of before.names) if (!covers(after, name)) uncover(name);
    for (const name of after.names) {
      if (covers(before, name)) continue;
      uncover(name);
      this.dirty.add(name);
    }
    if ((after.wildcard && !before.wildcard) || first) this.evaluateAll = true;
    this.interest.set(after.wildcard, after.names);
  }

  /**
   * The response to write now, if the client needs one and none is awaiting its ACK. A CDS response whose
   * removals must wait (`deferRemovals`) keeps the removed clusters the client holds, under a version of its
   * own, and removes them in a later response.
   */
  nextResponse(deferRemovals?: () => boolean): PendingResponse | undefined {
    if (this.inFlight !== undefined || !this.cache.ready() || this.idle()) return undefined;
    const tv = this.cache.get(this.view, this.typeUrl);
    this.checkClaim(tv);
    if (this.nacked !== undefined && this.nacked.version !== tv.version) this.nacked = undefined;
    const planned = this.plan(tv);
    const fullState = isFullStateType(this.typeUrl);
    const kept = fullState ? this.deferredRemovals(tv, planned.changed, deferRemovals) : [];
    const changed =
      kept.length === 0 ? planned.changed : planned.changed.filter((n) => !kept.some((r) => r.name === n));
    const needInitial = !this.responded && this.subscription.wildcard;
    const sendable = changed.filter((n) => tv.resources.has(n));
    if (!fullState) {
      // Deletions cannot be said in SotW for these types; forget them so a reappearance is sent.
      for (const name of changed) if (!tv.resources.has(name)) this.holdings.set(name, undefined);
    }
    const pendingSince = this.takePendingSince();
    if ((fullState ? changed.length === 0 : sendable.length === 0) && !needInitial) return undefined;

    const selected = selectResources({
      view: tv,
      coverage: this.subscription,
      changed: sendable,
      whole: fullState,
      sharable: true,
      nameSets: this.cache.nameSets,
      flavour: 'sotw',
    });
    const resources = kept.length === 0 ? selected.resources : [...selected.resources, ...kept];
    const shared = kept.length === 0 ? selected.shared : undefined;
    const version = kept.length === 0 ? tv.version : keptVersion(tv.version, kept);
    const nonce = this.nextNonce();
    this.lastNonce = nonce;
    this.inFlight = {
      nonce,
      version,
      resources,
      view: tv,
      coverage: this.subscription,
      kept,
      synced: this.dirty.size === 0 && this.forced.size === 0,
    };
    this.responded = true;
    return {
      typeUrl: this.typeUrl,
      versionInfo: version,
      nonce,
      resources,
      pendingSince,
      edsNames:
        this.typeUrl !== TypeUrl.Cluster
          ? []
          : changedEdsNames(
              this.cache,
              sendable.map((n) => tv.resources.get(n) as Resource),
              selected,
            ),
      ...(shared === undefined ? {} : { shared }),
    };
  }

  /**
   * The removed clusters to keep in this response because listeners or routes that may use them still have
   * work pending (make before break: removals last). They stay to be re-checked.
   */
  private deferredRemovals(
    tv: TypeView,
    changed: readonly string[],
    deferRemovals: (() => boolean) | undefined,
  ): Resource[] {
    if (deferRemovals === undefined || this.typeUrl !== TypeUrl.Cluster) return [];
    const removals = changed.filter((n) => !tv.resources.has(n) && this.holdings.get(n) !== undefined);
    if (removals.length === 0 || !deferRemovals()) return [];
    const kept: Resource[] = [];
    for (const name of removals) {
      const r = this.holdings.resource(name) ?? this.kept.get(name);
      if (r === undefined || r.version !== this.holdings.get(name)) continue;
      kept.push(r);
      this.dirty.add(name);
    }
    return kept;
  }

  /** The encoded names of the client's last request of this type (what its next ACK most likely repeats). */
  nameEncoding(): Uint8Array | undefined {
    return this.refs.encoding();
  }

  /** A response awaits its ACK. */
  awaitingAck(): boolean {
    return this.inFlight !== undefined;
  }

  /** Stops watching. */
  override close(): void {
    super.close();
    this.refs.close();
  }

  protected coverage(): Coverage {
    return this.subscription;
  }

  protected rejected(tv: TypeView): PlanInput['rejected'] {
    // A NACKed response is the client's whole view of the names it carried (all of them, for LDS and CDS).
    return this.nacked?.version === tv.version ? { versions: this.nacked.sent, complete: true } : undefined;
  }

  /** Nothing to re-check and nothing owed: the common case on an ACK, answered without any work. */
  private idle(): boolean {
    return (
      this.nothingToCheck() &&
      (this.responded || !this.subscription.wildcard) &&
      this.claimedVersion === undefined
    );
  }

  /** A reconnecting wildcard LDS/CDS client that holds the current version needs no resend. */
  private checkClaim(tv: TypeView): void {
    const claimed = this.claimedVersion;
    if (claimed === undefined) return;
    this.claimedVersion = undefined;
    if (claimed !== tv.version || !isFullStateType(this.typeUrl) || !isPureWildcard(this.subscription))
      return;
    this.holdings.reset(tv, this.subscription);
    this.responded = true;
  }
}
