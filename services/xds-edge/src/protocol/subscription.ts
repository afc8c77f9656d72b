import { TypeUrl } from '@sesame/shared';
import type { Coverage } from '../cache/holdings.js';
import { EMPTY_NAMES, type NameSet } from '../cache/name-sets.js';

export { covers } from '../cache/holdings.js';

/** What one state-of-the-world type sub-stream is subscribed to. */
export interface Subscription extends Coverage {
  /** Every resource of the type (explicit `*`, or the legacy empty-names form). */
  readonly wildcard: boolean;
  /** Explicitly named resources (never contains `*`). */
  readonly names: NameSet;
  /** Still in legacy wildcard mode: only empty name lists so far, on a type that allows it. */
  readonly legacy: boolean;
}

/** The explicit wildcard name. */
export const WILDCARD = '*';

/** Only LDS and CDS ever had the "empty list means everything" form (xDS protocol, "legacy wildcard"). */
export function allowsLegacyWildcard(typeUrl: TypeUrl): boolean {
  return typeUrl === TypeUrl.Listener || typeUrl === TypeUrl.Cluster;
}

/** The subscription before any request. */
export function initialSubscription(typeUrl: TypeUrl): Subscription {
  return { wildcard: false, names: EMPTY_NAMES, legacy: allowsLegacyWildcard(typeUrl) };
}

/**
 * The subscription after a state-of-the-world request: `resource_names` is always the complete desired set.
 * While in legacy mode an empty list keeps the wildcard; the first non-empty list ends legacy mode for good,
 * after which an empty list unsubscribes from everything and `*` must be named explicitly. `requested` is
 * returned as the names when it holds no `*`, so an interned set stays shared.
 */
export function nextSubscription(
  previous: Subscription,
  requested: ReadonlySet<string> | readonly string[],
): Subscription {
  const set: ReadonlySet<string> = Array.isArray(requested)
    ? new Set(requested)
    : (requested as ReadonlySet<string>);
  if (previous.legacy && set.size === 0) return { wildcard: true, names: EMPTY_NAMES, legacy: true };
  if (!set.has(WILDCARD))
    return { wildcard: false, names: set.size === 0 ? EMPTY_NAMES : set, legacy: false };
  const names = new Set(set);
  names.delete(WILDCARD);
  return { wildcard: true, names: names.size === 0 ? EMPTY_NAMES : names, legacy: false };
}

/** A subscription that is only a wildcard, with no names besides: a reconnecting client then holds everything. */
export function isPureWildcard(subscription: Subscription): boolean {
  return subscription.wildcard && subscription.names.size === 0;
}
