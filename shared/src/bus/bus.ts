import type { Snapshot, SnapshotChange } from '../snapshot/snapshot.js';

/** A subscriber's view after a change: the complete snapshot, and the change that produced it. */
export interface SnapshotUpdate {
  readonly snapshot: Snapshot;
  /** `previousVersion: null` when this is a full state (the first update, or after a resync). */
  readonly change: SnapshotChange;
}

/** Receives updates in order; each is complete and consistent (never a half-applied change). */
export type SnapshotListener = (update: SnapshotUpdate) => void;

/** A live subscription; `close` stops delivery. */
export interface BusSubscription {
  close(): void;
}

/** Whether a publish wrote anything. */
export type PublishOutcome = 'published' | 'unchanged';

/**
 * Carries snapshots from the one active watcher to every edge. Implementations (memory, NATS, Redis) write
 * only what changed, deliver to each subscriber the latest full state first and then every change in order,
 * and resynchronise a subscriber from the full state when they detect a gap.
 */
export interface SnapshotBus {
  /** Makes `snapshot` the current state. Publishing the current version again writes nothing. */
  publish(snapshot: Snapshot): Promise<PublishOutcome>;
  /** Starts delivery from the latest state; nothing is delivered until a first snapshot exists. */
  subscribe(listener: SnapshotListener): BusSubscription;
  /** Ends every subscription and releases connections. */
  close(): Promise<void>;
}
