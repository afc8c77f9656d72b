import type { TypeUrl } from '@sesame/shared';
import { covers, Holdings, type Coverage } from '../cache/holdings.js';
import type { CacheWatcher, Interest, ResourceCache, TypeView } from '../cache/resource-cache.js';
import type { ViewName } from '../cache/views.js';
import { firstSend, planChanges, type PlanInput } from './plan.js';

/**
 * What the state-of-the-world and delta sub-streams of one type share: what the client holds, the names whose
 * state must be re-checked (the cache tells which changed), names forced out again, and the planning that
 * sorts them. Responses are computed when the stream can write, from the cache as it is then, so a slow
 * client gets the latest state and never a backlog.
 */
export abstract class TypeState {
  /** What the client holds, as far as its ACKs tell. */
  protected readonly holdings = new Holdings();
  /** Names whose client state may differ from the cache. */
  protected readonly dirty = new Set<string>();
  /** Names to send even if the client holds them (endpoints of a cluster that just changed, ...). */
  protected readonly forced = new Set<string>();
  /** Everything covered must be re-checked (first request, a new wildcard, the first snapshot). */
  protected evaluateAll = false;
  protected responded = false;
  private pendingSince: number | undefined;
  protected readonly interest: Interest;

  constructor(
    protected readonly cache: ResourceCache,
    protected readonly view: ViewName,
    readonly typeUrl: TypeUrl,
    protected readonly nextNonce: () => string,
    watcher: CacheWatcher,
  ) {
    this.interest = cache.interest(view, typeUrl, watcher);
  }

  /** What the subscription covers now. */
  protected abstract coverage(): Coverage;

  /** What the client rejected and must not get again as it was (undefined: nothing). */
  protected abstract rejected(view: TypeView): PlanInput['rejected'];

  /** A response awaits its ACK. */
  abstract awaitingAck(): boolean;

  /** The cache changed names this sub-stream watches (null: everything). */
  resourcesChanged(names: ReadonlySet<string> | null, arrivedAt: number): void {
    if (names === null) this.evaluateAll = true;
    else for (const name of names) this.dirty.add(name);
    this.pendingSince = Math.min(this.pendingSince ?? arrivedAt, arrivedAt);
  }

  /** Marks covered names to be re-sent even if unchanged; true if any is covered. */
  force(names: readonly string[]): boolean {
    let any = false;
    for (const name of names) {
      if (!covers(this.coverage(), name)) continue;
      this.forced.add(name);
      any = true;
    }
    return any;
  }

  /** A response is in flight, or a change other than a removal is due now. */
  busy(): boolean {
    if (this.awaitingAck()) return true;
    if (!this.cache.ready() || this.nothingToCheck()) return false;
    const tv = this.cache.get(this.view, this.typeUrl);
    const { changed } = planChanges({ ...this.planInput(tv), have: (n) => this.holdings.get(n) });
    return changed.some((n) => tv.resources.has(n));
  }

  /** Stops watching. */
  close(): void {
    this.interest.close();
  }

  protected nothingToCheck(): boolean {
    return this.dirty.size === 0 && this.forced.size === 0 && !this.evaluateAll;
  }

  /** The arrival time of the oldest change not yet sent, taken once. */
  protected takePendingSince(): number | undefined {
    const since = this.pendingSince;
    this.pendingSince = undefined;
    return since;
  }

  /**
   * Sorts the names to re-check (see `planChanges`) and forgets the settled ones; names `held` back by a
   * rejection stay to be re-checked once the resource moves on.
   */
  protected plan(tv: TypeView): { changed: string[]; held: string[] } {
    const rejected = this.rejected(tv);
    if (this.evaluateAll && this.holdings.isEmpty() && rejected === undefined) {
      // A first full send (the common case when thousands of Envoys connect): no per-name comparison.
      const { wildcard, names } = this.coverage();
      this.dirty.clear();
      this.forced.clear();
      this.evaluateAll = false;
      return { changed: firstSend(tv, names, wildcard), held: [] };
    }
    const result = planChanges({ ...this.planInput(tv), have: (n) => this.holdings.get(n) });
    for (const name of result.settled) {
      this.dirty.delete(name);
      this.forced.delete(name);
    }
    for (const name of result.changed) {
      this.dirty.delete(name);
      this.forced.delete(name);
    }
    for (const name of result.held) this.dirty.add(name);
    this.evaluateAll = false;
    return result;
  }

  private planInput(tv: TypeView): Omit<PlanInput, 'have'> {
    const { wildcard, names } = this.coverage();
    return {
      view: tv,
      coverage: this.coverage(),
      candidates: this.evaluateAll
        ? [this.dirty, this.forced, wildcard ? tv.resources.keys() : names, this.holdings.names()]
        : [this.dirty, this.forced],
      forced: this.forced,
      rejected: this.rejected(tv),
    };
  }
}
