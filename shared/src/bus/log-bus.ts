import type { Registry } from 'prom-client';
import type { Logger } from '../logger.js';
import { fullChange } from '../snapshot/snapshot.js';
import type { BusSubscription, SnapshotBus, SnapshotListener, SnapshotUpdate } from './bus.js';
import { startFollower, type Follower, type FollowerTiming } from './follower.js';
import { createBusMetrics, type BusMetrics } from './metrics.js';
import { createPublisher, type Publisher, type PublisherTuning } from './publisher.js';
import { createSealer } from './seal.js';
import { Subscriber } from './subscriber.js';
import type { BusStore } from './store.js';

/** Every knob of the log layout and of the retry and poll timers. */
export interface LogBusTuning extends PublisherTuning, FollowerTiming {}

/** Production defaults: 256 KiB chunks, a checkpoint at least every 64 changes, 128 changes retained. */
export const DEFAULT_LOG_BUS_TUNING: LogBusTuning = {
  chunkSize: 256 * 1024,
  checkpointEvery: 64,
  retainChanges: 128,
  retryInitialMs: 100,
  retryMaxMs: 5000,
  pollIntervalMs: 5000,
};

/** What a log bus has applied so far (subscriber side). */
export interface BusStatus {
  /** Whether a complete snapshot has been received since the bus was opened. */
  readonly hasSnapshot: boolean;
  readonly seq: number;
  readonly epoch: string | undefined;
  readonly version: string | undefined;
}

/** A snapshot bus over a store, with its subscriber-side status. */
export interface LogBus extends SnapshotBus {
  status(): BusStatus;
}

/** Options of `createLogBus`. */
export interface LogBusOptions {
  readonly store: BusStore;
  readonly logger: Logger;
  /** The bus key (the key file's contents): seals every value. Without it, values travel in clear. */
  readonly key?: Uint8Array;
  /** Where the bus metrics are registered; ignored when `metrics` is given. */
  readonly registry?: Registry;
  readonly metrics?: BusMetrics;
  readonly tuning?: Partial<LogBusTuning>;
}

/**
 * The bus over any store: the writer appends change sets and checkpoints and commits them by writing the head;
 * readers follow the head. One follower per bus feeds every subscriber; it starts with the first subscription.
 */
export function createLogBus(options: LogBusOptions): LogBus {
  const { store, logger } = options;
  const tuning = { ...DEFAULT_LOG_BUS_TUNING, ...options.tuning };
  const metrics = options.metrics ?? createBusMetrics(options.registry);
  const sealer = createSealer(options.key);
  const ctx = { store, sealer };
  if (!sealer.sealed) {
    logger.warn(
      'no bus key file: snapshots, including TLS private keys, travel on the bus unauthenticated and in clear',
    );
  }
  const subscribers = new Set<Subscriber>();
  let publisher: Publisher | undefined;
  let follower: Follower | undefined;
  let closed = false;

  const deliver = (update: SnapshotUpdate): void => {
    for (const s of subscribers) s.push(update);
  };

  return {
    publish(snapshot) {
      publisher ??= createPublisher({ ctx, logger, metrics, tuning });
      return publisher.publish(snapshot);
    },
    subscribe(listener: SnapshotListener): BusSubscription {
      const subscriber = new Subscriber(listener, {
        onClose: () => subscribers.delete(subscriber),
        onListenerError: (err) => logger.error({ err }, 'a bus subscriber threw; continuing'),
      });
      if (closed) return subscriber;
      subscribers.add(subscriber);
      const state = follower?.state;
      if (state !== undefined)
        subscriber.push({ snapshot: state.snapshot, change: fullChange(state.snapshot) });
      follower ??= startFollower({ ctx, logger, metrics, timing: tuning, deliver });
      return subscriber;
    },
    status() {
      const state = follower?.state;
      return {
        hasSnapshot: state !== undefined,
        seq: state?.seq ?? 0,
        epoch: state?.epoch,
        version: state?.snapshot.version,
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const s of [...subscribers]) s.close();
      follower?.close();
      publisher?.close();
      await store.close();
    },
  };
}
