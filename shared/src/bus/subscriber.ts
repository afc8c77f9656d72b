import type { BusSubscription, SnapshotListener, SnapshotUpdate } from './bus.js';

/**
 * One subscriber of a bus: delivers updates in order on a later microtask, so a listener never runs inside
 * a publish or a follower pass, and a listener that throws never stops the deliveries after it.
 */
export class Subscriber implements BusSubscription {
  private readonly queue: SnapshotUpdate[] = [];
  private scheduled = false;
  private closed = false;

  constructor(
    private readonly listener: SnapshotListener,
    private readonly hooks: { onClose: () => void; onListenerError: (err: unknown) => void },
  ) {}

  push(update: SnapshotUpdate): void {
    if (this.closed) return;
    this.queue.push(update);
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => this.drain());
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.hooks.onClose();
  }

  private drain(): void {
    this.scheduled = false;
    while (!this.closed && this.queue.length > 0) {
      const update = this.queue.shift();
      if (update === undefined) continue;
      try {
        this.listener(update);
      } catch (err) {
        this.hooks.onListenerError(err);
      }
    }
  }
}
