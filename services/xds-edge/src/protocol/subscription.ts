import { TypeUrl } from '@sesame/shared';

/** What one type sub-stream is subscribed to. */
export interface Subscription {
  /** Every resource of the type (explicit `*`, or the legacy empty-names form). */
  readonly wildcard: boolean;
  /** Explicitly named resources (never contains `*`). */
  readonly names: ReadonlySet<string>;
  /** Still in legacy wildcard mode: only empty name lists so far, on a type that allows it. */
  readonly legacy: boolean;
}

/** The explicit wildcard name. */
export const WILDCARD = '*';

/** Only LDS and CDS ever had the "empty list means everything" form (xDS protocol, "legacy wildcard"). */
function allowsLegacyWildcard(typeUrl: TypeUrl): boolean {
  return typeUrl === TypeUrl.Listener || typeUrl === TypeUrl.Cluster;
}

/** The subscription before any request. */
export function initialSubscription(typeUrl: TypeUrl): Subscription {
  return { wildcard: false, names: new Set(), legacy: allowsLegacyWildcard(typeUrl) };
}

/**
 * The subscription after a state-of-the-world request: `resource_names` is always the complete desired set.
 * While in legacy mode an empty list keeps the wildcard; the first non-empty list ends legacy mode for good,
 * after which an empty list unsubscribes from everything and `*` must be named explicitly.
 */
export function nextSubscription(previous: Subscription, resourceNames: readonly string[]): Subscription {
  if (previous.legacy && resourceNames.length === 0)
    return { wildcard: true, names: new Set(), legacy: true };
  const names = new Set<string>();
  let wildcard = false;
  for (const name of resourceNames) {
    if (name === WILDCARD) wildcard = true;
    else names.add(name);
  }
  return { wildcard, names, legacy: false };
}

/** Whether a subscription covers a resource name. */
export function covers(subscription: Subscription, name: string): boolean {
  return subscription.wildcard || subscription.names.has(name);
}

/** A subscription that is only a wildcard, with no names besides: a reconnecting client then holds everything. */
export function isPureWildcard(subscription: Subscription): boolean {
  return subscription.wildcard && subscription.names.size === 0;
}
