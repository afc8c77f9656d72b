import { diffSnapshots, EMPTY_SNAPSHOT, fullChange, type Snapshot } from '../snapshot/snapshot.js';
import type {
  BusSubscription,
  PublishOutcome,
  SnapshotBus,
  SnapshotListener,
  SnapshotUpdate,
} from './bus.js';

/**
 * The in-process bus of `sesame local`: the publisher's snapshots are handed to subscribers as they are (they
 * are immutable), with the change computed once per publish.
 */
export function createMemoryBus(): SnapshotBus {
  let current: Snapshot = EMPTY_SNAPSHOT;
  let published = false;
  const subscribers = new Set<Subscriber>();

  return {
    publish(snapshot: Snapshot): Promise<PublishOutcome> {
      if (published && snapshot.version === current.version) return Promise.resolve('unchanged');
      const change = published ? diffSnapshots(current, snapshot) : fullChange(snapshot);
      current = snapshot;
      published = true;
      for (const s of subscribers) s.push({ snapshot, change });
      return Promise.resolve('published');
    },
    subscribe(listener: SnapshotListener): BusSubscription {
      const subscriber = new Subscriber(listener, () => subscribers.delete(subscriber));
      subscribers.add(subscriber);
      if (published) subscriber.push({ snapshot: current, change: fullChange(current) });
      return subscriber;
    },
    close(): Promise<void> {
      for (const s of [...subscribers]) s.close();
      return Promise.resolve();
    },
  };
}

/** Delivers updates in order on a later microtask, so a listener never runs inside `publish`. */
class Subscriber implements BusSubscription {
  private readonly queue: SnapshotUpdate[] = [];
  private scheduled = false;
  private closed = false;

  constructor(
    private readonly listener: SnapshotListener,
    private readonly onClose: () => void,
  ) {}

  push(update: SnapshotUpdate): void {
    if (this.closed) return;
    this.queue.push(update);
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => this.drain());
  }

  close(): void {
    this.closed = true;
    this.queue.length = 0;
    this.onClose();
  }

  private drain(): void {
    this.scheduled = false;
    while (!this.closed && this.queue.length > 0) {
      const update = this.queue.shift();
      if (update !== undefined) this.listener(update);
    }
  }
}
