import { TypeUrl, type Resource } from '@sesame/shared';
import { covers, type Coverage } from '../cache/holdings.js';
import { EMPTY_NAMES, type NameSet } from '../cache/name-sets.js';
import type { TypeView } from '../cache/resource-cache.js';
import type { DeltaDiscoveryRequest, DeltaDiscoveryResponse } from './delta-codec.js';
import type { PlanInput } from './plan.js';
import { changedEdsNames, selectResources } from './selection.js';
import { TypeState } from './type-state.js';
import { allowsLegacyWildcard, WILDCARD } from './subscription.js';
import type { RequestOutcome, TypeSubStream } from './xds-stream.js';

/** A delta response the stream may write now, with what the transport needs around it. */
export interface PendingDeltaResponse extends DeltaDiscoveryResponse {
  /** Arrival time of the oldest snapshot change this response carries, if a change caused it. */
  readonly pendingSince: number | undefined;
  /** For CDS: EDS names of the clusters this response adds or changes for the client. */
  readonly edsNames: readonly string[];
}

interface InFlight {
  readonly nonce: string;
  readonly version: string;
  readonly resources: readonly Resource[];
  readonly removed: readonly string[];
  readonly view: TypeView;
  readonly coverage: Coverage;
  /** Once ACKed, the client holds exactly `view` within `coverage`. */
  readonly synced: boolean;
}

/** Types whose removals come last in make-before-break order (clusters and endpoints). */
const REMOVALS_LAST: ReadonlySet<TypeUrl> = new Set([TypeUrl.Cluster, TypeUrl.ClusterLoadAssignment]);

/**
 * A version no resource has: the client is taken to know the name, so the next response says either the
 * resource or its removal (the "wildcard and explicit X, then unsubscribe X" rule).
 */
const SAY_EITHER = '';

/**
 * One type's incremental (delta) sub-stream: the tracked names (deltas of subscribe and unsubscribe), what
 * the client holds resource by resource, and the one response in flight. Like the state-of-the-world
 * sub-stream it computes a response from the cache when the stream can write, so a slow client gets the
 * latest state; unlike it, every response says only what changed, with per-resource versions and the names
 * of removed resources the client knew.
 */
export class DeltaTypeState
  extends TypeState
  implements TypeSubStream<DeltaDiscoveryRequest, PendingDeltaResponse>
{
  private wildcard = false;
  /** Explicitly tracked names (never `*`), interned. */
  private names: NameSet = EMPTY_NAMES;
  private inFlight: InFlight | undefined;
  /** What the client rejected, by name (undefined: a removal): not sent again until the resource changes. */
  private readonly rejections = new Map<string, string | undefined>();
  private requests = 0;

  /** Applies a request for this type (its type URL already checked). */
  handleRequest(request: DeltaDiscoveryRequest): RequestOutcome {
    const first = this.requests === 0;
    this.requests++;
    let outcome: RequestOutcome = { kind: 'update' };
    const inFlight = this.inFlight;
    if (request.responseNonce !== '') {
      if (inFlight !== undefined && request.responseNonce === inFlight.nonce) {
        this.inFlight = undefined;
        if (request.errorDetail !== undefined) {
          for (const r of inFlight.resources) {
            this.rejections.set(r.name, r.version);
            this.dirty.add(r.name);
          }
          for (const name of inFlight.removed) {
            this.rejections.set(name, undefined);
            this.dirty.add(name);
          }
          outcome = { kind: 'nack', version: inFlight.version, message: request.errorDetail.message };
        } else {
          this.acknowledged(inFlight);
          outcome = { kind: 'ack', version: inFlight.version };
        }
      } else {
        // An ACK of nothing in flight; its subscription changes still count (unlike state of the world).
        outcome = { kind: 'stale' };
      }
    }
    if (first) {
      // A reconnecting client says what it holds; only what differs is sent, and what is gone is removed.
      for (const [name, version] of request.initialResourceVersions) {
        this.holdings.set(name, version);
        this.dirty.add(name);
      }
      this.evaluateAll = true;
    }
    this.resubscribe(request, first);
    return outcome;
  }

  private acknowledged(inFlight: InFlight): void {
    const sameCoverage =
      inFlight.coverage.wildcard === this.wildcard && inFlight.coverage.names === this.names;
    if (inFlight.synced && sameCoverage) {
      this.holdings.reset(inFlight.view, inFlight.coverage);
    } else {
      for (const r of inFlight.resources) this.holdings.set(r.name, r.version);
      for (const name of inFlight.removed) this.holdings.set(name, undefined);
    }
    for (const r of inFlight.resources) this.rejections.delete(r.name);
    for (const name of inFlight.removed) this.rejections.delete(name);
  }

  private resubscribe(request: DeltaDiscoveryRequest, first: boolean): void {
    const before: Coverage = { wildcard: this.wildcard, names: this.names };
    let wildcard = this.wildcard;
    // Legacy wildcard: the first request of LDS or CDS subscribes to nothing by name. Later names add to it;
    // only an explicit unsubscribe of `*` ends it.
    if (first && request.subscribe.length === 0 && allowsLegacyWildcard(this.typeUrl)) wildcard = true;
    let names: Set<string> | undefined;
    const unsubscribed: string[] = [];
    for (const name of request.subscribe) {
      if (name === WILDCARD) {
        wildcard = true;
        continue;
      }
      // RemoveThenAdd: a subscribed name is always answered, even if the client seems to hold it; but on a
      // reconnect, not what the same request says the client holds (initial_resource_versions).
      if (!first || !request.initialResourceVersions.has(name)) this.forced.add(name);
      this.dirty.add(name);
      if (!(names ?? this.names).has(name)) (names ??= new Set(this.names)).add(name);
    }
    for (const name of request.unsubscribe) {
      if (name === WILDCARD) {
        wildcard = false;
        continue;
      }
      if (!(names ?? this.names).has(name)) continue; // a phantom unsubscribe changes nothing
      (names ??= new Set(this.names)).delete(name);
      unsubscribed.push(name);
    }
    if (names !== undefined) {
      const interned = this.cache.nameSets.acquire(names);
      this.cache.nameSets.release(this.names);
      this.names = interned;
    }
    this.wildcard = wildcard;
    const after: Coverage = { wildcard, names: this.names };
    const uncover = (name: string): void => {
      // The client drops what it no longer tracks.
      this.holdings.set(name, undefined);
      this.forced.delete(name);
      this.rejections.delete(name);
    };
    if (before.wildcard && !after.wildcard) {
      for (const name of [...this.holdings.names()]) if (!covers(after, name)) uncover(name);
    }
    for (const name of unsubscribed) {
      if (!covers(after, name)) uncover(name);
      else {
        // Still covered by the wildcard: the client must hear the resource again, or that it is gone.
        if (this.holdings.get(name) === undefined) this.holdings.set(name, SAY_EITHER);
        this.forced.add(name);
        this.dirty.add(name);
      }
    }
    if (!first) {
      for (const name of request.subscribe)
        if (name !== WILDCARD && !covers(before, name)) this.holdings.set(name, undefined);
    }
    if (after.wildcard && !before.wildcard) this.evaluateAll = true;
    this.interest.set(after.wildcard, after.names);
  }

  /**
   * The response to write now, if the client needs one and none is awaiting its ACK. Removals of clusters and
   * endpoints wait while `deferRemovals` says the listeners and routes that may use them have work pending.
   */
  nextResponse(deferRemovals?: () => boolean): PendingDeltaResponse | undefined {
    if (this.inFlight !== undefined || !this.cache.ready() || this.idle()) return undefined;
    const tv = this.cache.get(this.view, this.typeUrl);
    const { changed } = this.plan(tv);
    const upserted: string[] = [];
    let removed: string[] = [];
    for (const name of changed) {
      if (tv.resources.has(name) && covers(this.coverage(), name)) upserted.push(name);
      // Only names the client knew are reported removed: Envoy drops a subscription on an unknown one.
      else if (this.holdings.get(name) !== undefined) removed.push(name);
    }
    if (
      removed.length > 0 &&
      deferRemovals !== undefined &&
      REMOVALS_LAST.has(this.typeUrl) &&
      deferRemovals()
    ) {
      for (const name of removed) this.dirty.add(name);
      removed = [];
    }
    const pendingSince = this.takePendingSince();
    // The first wildcard request is answered even when there is nothing: Envoy's initialisation waits for it.
    const needInitial = !this.responded && this.wildcard;
    if (upserted.length === 0 && removed.length === 0 && !needInitial) return undefined;

    const selected = selectResources({
      view: tv,
      coverage: this.coverage(),
      changed: upserted,
      whole: false,
      sharable: removed.length === 0,
      nameSets: this.cache.nameSets,
      flavour: 'delta',
    });
    const { resources, shared } = selected;
    const nonce = this.nextNonce();
    this.inFlight = {
      nonce,
      version: tv.version,
      resources,
      removed,
      view: tv,
      coverage: this.coverage(),
      synced: this.dirty.size === 0 && this.forced.size === 0,
    };
    this.responded = true;
    return {
      typeUrl: this.typeUrl,
      systemVersionInfo: tv.version,
      nonce,
      resources,
      removed,
      pendingSince,
      edsNames: this.typeUrl === TypeUrl.Cluster ? changedEdsNames(this.cache, resources, selected) : [],
      ...(shared === undefined ? {} : { shared }),
    };
  }

  /** A response awaits its ACK. */
  awaitingAck(): boolean {
    return this.inFlight !== undefined;
  }

  /** Stops watching. */
  override close(): void {
    super.close();
    this.cache.nameSets.release(this.names);
    this.names = EMPTY_NAMES;
  }

  protected coverage(): Coverage {
    return { wildcard: this.wildcard, names: this.names };
  }

  protected rejected(): PlanInput['rejected'] {
    return this.rejections.size === 0 ? undefined : { versions: this.rejections, complete: false };
  }

  /** Nothing to re-check and nothing owed: the common case on an ACK, answered without any work. */
  private idle(): boolean {
    return this.nothingToCheck() && (this.responded || !this.wildcard);
  }
}
