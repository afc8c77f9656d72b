import { diffSnapshots, EMPTY_SNAPSHOT, fullChange, type Snapshot } from '../snapshot/snapshot.js';
import type { Logger } from '../logger.js';
import type { BusSubscription, PublishOutcome, SnapshotBus, SnapshotListener } from './bus.js';
import { Subscriber } from './subscriber.js';

/**
 * The in-process bus of `sesame local`: the publisher's snapshots are handed to subscribers as they are (they
 * are immutable), with the change computed once per publish.
 */
export function createMemoryBus(options: { logger?: Logger } = {}): SnapshotBus {
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
      const subscriber = new Subscriber(listener, {
        onClose: () => subscribers.delete(subscriber),
        onListenerError: (err) => options.logger?.error({ err }, 'a bus subscriber threw; continuing'),
      });
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
