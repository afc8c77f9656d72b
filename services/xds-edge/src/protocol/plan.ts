import { covers, type Coverage } from '../cache/holdings.js';
import { EMPTY_NAMES, type NameSet, type NameSetTable } from '../cache/name-sets.js';
import type { TypeView } from '../cache/resource-cache.js';
import type { DiscoveryRequest } from './codec.js';
import type { Subscription } from './subscription.js';

/** What `planChanges` compares. */
export interface PlanInput {
  readonly view: TypeView;
  readonly coverage: Coverage;
  /** Names to re-check; may overlap. */
  readonly candidates: ReadonlyArray<Iterable<string>>;
  /** Names to send even when the client holds their current version. */
  readonly forced: ReadonlySet<string>;
  /**
   * What the client rejected, by name (undefined: a removal): never sent again as it was. `complete` when the
   * rejected response was a whole state, so a name it left out was rejected as absent.
   */
  readonly rejected:
    { readonly versions: ReadonlyMap<string, string | undefined>; readonly complete: boolean } | undefined;
  /** The version the client holds (or will hold) of a name. */
  have(name: string): string | undefined;
}

/**
 * Sorts the names to re-check, without changing any state: `changed` differ for the client (or are forced),
 * `settled` need nothing; `held` differ but are exactly what the client rejected.
 */
export function planChanges(input: PlanInput): { changed: string[]; settled: string[]; held: string[] } {
  const { view, coverage, forced, rejected } = input;
  const seen = new Set<string>();
  const changed: string[] = [];
  const settled: string[] = [];
  const held: string[] = [];
  for (const list of input.candidates) {
    for (const name of list) {
      if (seen.has(name)) continue;
      seen.add(name);
      const want = covers(coverage, name) ? view.resources.get(name)?.version : undefined;
      const force = want !== undefined && forced.has(name);
      if (!force && want === input.have(name)) settled.push(name);
      // Exactly what the client rejected: never resend it, but keep checking once the version moves on.
      else if (
        rejected !== undefined &&
        (rejected.complete || rejected.versions.has(name)) &&
        rejected.versions.get(name) === want
      )
        held.push(name);
      else changed.push(name);
    }
  }
  return { changed, settled, held };
}

/**
 * The names of a first full send, when the client holds nothing and rejected nothing: every covered name that
 * exists, taken straight from the subscription (`universe`: the view's names under a wildcard, else the
 * subscribed names), without comparing versions one by one.
 */
export function firstSend(view: TypeView, universe: Iterable<string>, wildcard: boolean): string[] {
  if (wildcard) return [...view.resources.keys()];
  const out: string[] = [];
  for (const name of universe) if (view.resources.has(name)) out.push(name);
  return out;
}

/**
 * The interned name sets a state-of-the-world sub-stream holds: the set its latest request named, and the
 * same without `*` when it differs. Envoy repeats its whole list in every ACK; an unchanged list is
 * recognised from its bytes without decoding a name.
 */
export class SubscriptionRefs {
  private requested: NameSet = EMPTY_NAMES;
  private derived: NameSet | undefined;

  constructor(private readonly table: NameSetTable) {}

  /**
   * The subscription after `request`, made by `derive` from the interned names; undefined when the list is
   * the same as last time (and this is not the first request), so nothing needs re-evaluating.
   */
  next(
    request: DiscoveryRequest,
    derive: (requested: NameSet) => Subscription,
    first: boolean,
  ): Subscription | undefined {
    const { set, acquired } = this.intern(request);
    if (set === this.requested) {
      if (acquired) this.table.release(set);
      if (!first) return undefined;
    }
    let subscription = derive(set);
    let derived: NameSet | undefined;
    if (subscription.names !== set && subscription.names.size > 0) {
      derived = this.table.acquire(subscription.names);
      subscription = { ...subscription, names: derived };
    }
    if (set !== this.requested) {
      this.table.release(this.requested);
      this.requested = set;
    }
    if (this.derived !== undefined) this.table.release(this.derived);
    this.derived = derived;
    return subscription;
  }

  /** The bytes of the names this sub-stream's client last sent, as first seen (for a fast decode). */
  encoding(): Uint8Array | undefined {
    return this.table.encodingOf(this.requested);
  }

  /** Releases every set held. */
  close(): void {
    this.table.release(this.requested);
    if (this.derived !== undefined) this.table.release(this.derived);
    this.requested = EMPTY_NAMES;
    this.derived = undefined;
  }

  private intern(request: DiscoveryRequest): { set: NameSet; acquired: boolean } {
    const raw = request.resourceNamesRaw;
    if (raw !== undefined) {
      if (this.table.isEncodingOf(this.requested, raw)) return { set: this.requested, acquired: false };
      return { set: this.table.acquireEncoded(raw, () => request.resourceNames), acquired: true };
    }
    const names = request.resourceNames;
    if (sameNames(this.requested, names)) return { set: this.requested, acquired: false };
    return { set: this.table.acquire(names), acquired: true };
  }
}

function sameNames(set: NameSet, names: readonly string[]): boolean {
  if (names.length < set.size || !names.every((n) => set.has(n))) return false;
  return names.length === set.size || new Set(names).size === set.size;
}
