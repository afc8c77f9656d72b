import { TypeUrl, type Resource } from '@sesame/shared';
import type { CacheWatcher, Interest, ResourceCache, TypeView } from '../cache/resource-cache.js';
import type { ViewName } from '../cache/views.js';
import type { DiscoveryRequest, DiscoveryResponse } from './codec.js';
import {
  covers,
  initialSubscription,
  isPureWildcard,
  nextSubscription,
  type Subscription,
} from './subscription.js';

/** What a request meant for its type sub-stream. */
export type RequestOutcome =
  | { readonly kind: 'stale' }
  | { readonly kind: 'ack'; readonly version: string }
  | { readonly kind: 'nack'; readonly version: string; readonly message: string }
  | { readonly kind: 'update' };

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

/** Names and versions of resources, as sent to or held by a client. */
type Versions = Map<string, string>;

/**
 * One type's state-of-the-world sub-stream: subscription, what the client holds, the one response in flight,
 * and the names whose state must be re-checked. Responses are computed when the stream can write, from the
 * cache as it is then, so a slow client gets the latest state and never a backlog. At most one response per
 * type is unacknowledged (as with go-control-plane's one-shot watches): the client's ACK or NACK opens the
 * way for the next one.
 */
export class SotwTypeState {
  private subscription: Subscription;
  /** What the client holds, as far as its ACKs tell. */
  private readonly acked: Versions = new Map();
  private lastNonce: string | undefined;
  private inFlight: { nonce: string; version: string; sent: Versions } | undefined;
  /** The last rejected response, held back until the type's version changes. */
  private nacked: { version: string; sent: Versions } | undefined;
  /** Names whose client state may differ from the cache. */
  private readonly dirty = new Set<string>();
  private evaluateAll = false;
  /** Names to send even if the client holds them (endpoints of a cluster that just changed). */
  private readonly forced = new Set<string>();
  /** The version a client claimed on its first request (a reconnect), until checked against the cache. */
  private claimedVersion: string | undefined;
  private responded = false;
  private requests = 0;
  private pendingSince: number | undefined;
  private readonly interest: Interest;
  /** The version the client last said it accepted. */
  acceptedVersion = '';

  constructor(
    private readonly cache: ResourceCache,
    private readonly view: ViewName,
    readonly typeUrl: TypeUrl,
    private readonly nextNonce: () => string,
    watcher: CacheWatcher,
  ) {
    this.subscription = initialSubscription(typeUrl);
    this.interest = cache.interest(view, typeUrl, watcher);
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
        this.nacked = { version: inFlight.version, sent: inFlight.sent };
        for (const name of inFlight.sent.keys()) this.dirty.add(name);
        outcome = { kind: 'nack', version: inFlight.version, message: request.errorDetail.message };
      } else {
        this.nacked = undefined;
        if (isFullStateType(this.typeUrl)) this.acked.clear();
        for (const [name, version] of inFlight.sent) this.acked.set(name, version);
        outcome = { kind: 'ack', version: inFlight.version };
      }
    } else if (first && request.versionInfo !== '') {
      this.claimedVersion = request.versionInfo;
    }
    this.acceptedVersion = request.versionInfo;
    this.resubscribe(request.resourceNames, first);
    return outcome;
  }

  private resubscribe(resourceNames: readonly string[], first: boolean): void {
    const before = this.subscription;
    const after = nextSubscription(before, resourceNames);
    this.subscription = after;
    const uncover = (name: string): void => {
      // The client drops what it unsubscribes from, so a later subscription must send it again.
      this.acked.delete(name);
      this.nacked?.sent.delete(name);
      this.forced.delete(name);
    };
    for (const name of this.acked.keys()) if (!covers(after, name)) uncover(name);
    for (const name of before.names) if (!covers(after, name)) uncover(name);
    for (const name of after.names) {
      if (covers(before, name)) continue;
      uncover(name);
      this.dirty.add(name);
    }
    if ((after.wildcard && !before.wildcard) || first) this.evaluateAll = true;
    this.interest.set(after.wildcard, after.names);
  }

  /** The cache changed names this sub-stream watches (null: everything). */
  resourcesChanged(names: ReadonlySet<string> | null, arrivedAt: number): void {
    if (names === null) this.evaluateAll = true;
    else for (const name of names) this.dirty.add(name);
    this.pendingSince = Math.min(this.pendingSince ?? arrivedAt, arrivedAt);
  }

  /** Marks subscribed names to be re-sent even if unchanged; true if any is subscribed. */
  force(names: readonly string[]): boolean {
    let any = false;
    for (const name of names) {
      if (!covers(this.subscription, name)) continue;
      this.forced.add(name);
      any = true;
    }
    return any;
  }

  /** The response to write now, if the client needs one and none is awaiting its ACK. */
  nextResponse(): PendingResponse | undefined {
    if (this.inFlight !== undefined || !this.cache.ready()) return undefined;
    const tv = this.cache.get(this.view, this.typeUrl);
    this.checkClaim(tv);
    if (this.nacked !== undefined && this.nacked.version !== tv.version) this.nacked = undefined;
    const { changed, settled, held } = this.plan(tv, (name) => this.acked.get(name));
    for (const name of [...settled, ...changed]) {
      this.dirty.delete(name);
      this.forced.delete(name);
    }
    // Held names stay to be re-checked once the version moves on.
    for (const name of held) this.dirty.add(name);
    this.evaluateAll = false;
    const fullState = isFullStateType(this.typeUrl);
    const needInitial = !this.responded && this.subscription.wildcard;
    const sendable = changed.filter((n) => tv.resources.has(n));
    if (!fullState) {
      // Deletions cannot be said in SotW for these types; forget them so a reappearance is sent.
      for (const name of changed) if (!tv.resources.has(name)) this.acked.delete(name);
    }
    const pendingSince = this.pendingSince;
    this.pendingSince = undefined;
    if ((fullState ? changed.length === 0 : sendable.length === 0) && !needInitial) return undefined;

    const resources: Resource[] = [];
    if (!fullState) {
      for (const name of sendable) resources.push(tv.resources.get(name) as Resource);
    } else if (this.subscription.wildcard) {
      resources.push(...tv.resources.values());
    } else {
      for (const name of this.subscription.names) {
        const r = tv.resources.get(name);
        if (r !== undefined) resources.push(r);
      }
    }
    const sent: Versions = new Map(resources.map((r) => [r.name, r.version]));
    const nonce = this.nextNonce();
    this.lastNonce = nonce;
    this.inFlight = { nonce, version: tv.version, sent };
    this.responded = true;
    return {
      typeUrl: this.typeUrl,
      versionInfo: tv.version,
      nonce,
      resources,
      pendingSince,
      edsNames: this.typeUrl === TypeUrl.Cluster ? this.clusterEdsNames(tv, sendable) : [],
    };
  }

  /**
   * True while a response is awaiting its ACK and another one is already due for this type. Later types then
   * wait too (make before break): a route must not overtake the cluster it needs because the cluster's
   * response is waiting on an ACK still in transit.
   */
  hasBlockedChange(): boolean {
    const inFlight = this.inFlight;
    if (inFlight === undefined || !this.cache.ready()) return false;
    if (this.dirty.size === 0 && this.forced.size === 0 && !this.evaluateAll) return false;
    const tv = this.cache.get(this.view, this.typeUrl);
    // Compare with what the client will hold once it ACKs the response in flight.
    const fullState = isFullStateType(this.typeUrl);
    const { changed } = this.plan(tv, (name) =>
      fullState || inFlight.sent.has(name) ? inFlight.sent.get(name) : this.acked.get(name),
    );
    return fullState ? changed.length > 0 : changed.some((n) => tv.resources.has(n));
  }

  /** Stops watching. */
  close(): void {
    this.interest.close();
  }

  /**
   * Sorts the names to re-check, without changing any state: `changed` differ for the client (or are forced),
   * `settled` need nothing; the rest are held back by a NACK of exactly this content.
   */
  private plan(
    tv: TypeView,
    have: (name: string) => string | undefined,
  ): { changed: string[]; settled: string[]; held: string[] } {
    const candidates = new Set<string>([...this.dirty, ...this.forced]);
    if (this.evaluateAll) {
      for (const name of this.subscription.wildcard ? tv.resources.keys() : this.subscription.names) {
        candidates.add(name);
      }
      for (const name of this.acked.keys()) candidates.add(name);
    }
    const nacked = this.nacked?.version === tv.version ? this.nacked : undefined;
    const changed: string[] = [];
    const settled: string[] = [];
    const held: string[] = [];
    for (const name of candidates) {
      const want = covers(this.subscription, name) ? tv.resources.get(name)?.version : undefined;
      const forced = this.forced.has(name) && want !== undefined;
      if (!forced && want === have(name)) settled.push(name);
      // Exactly what the client rejected: never resend it, but keep checking once the version moves on.
      else if (nacked !== undefined && nacked.sent.get(name) === want) held.push(name);
      else changed.push(name);
    }
    return { changed, settled, held };
  }

  /** A reconnecting wildcard LDS/CDS client that holds the current version needs no resend. */
  private checkClaim(tv: TypeView): void {
    const claimed = this.claimedVersion;
    if (claimed === undefined) return;
    this.claimedVersion = undefined;
    if (claimed !== tv.version || !isFullStateType(this.typeUrl) || !isPureWildcard(this.subscription))
      return;
    this.acked.clear();
    for (const r of tv.resources.values()) this.acked.set(r.name, r.version);
    this.responded = true;
  }

  private clusterEdsNames(tv: TypeView, names: readonly string[]): string[] {
    const out: string[] = [];
    for (const name of names) {
      const cluster = tv.resources.get(name);
      const eds = cluster === undefined ? undefined : this.cache.edsServiceName(cluster);
      if (eds !== undefined) out.push(eds);
    }
    return out;
  }
}
