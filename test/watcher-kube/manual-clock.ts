// A clock the test moves by hand, for code that takes a `Clock` (holdoff, leader election): timers fire in
// time order as the test advances, with promise callbacks run between them, so async loops make progress.
import { setImmediate as nextTurn } from 'node:timers/promises';

/** The watcher's Clock shape (services/watcher/src/watcher/holdoff.ts). */
export interface ManualClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Moves time forward by `ms`, firing due timers in order and letting promise chains settle after each. */
  advance(ms: number): Promise<void>;
  /** Runs pending promise callbacks and I/O turns without moving time. */
  settle(): Promise<void>;
  /** Timers not yet fired. */
  pending(): number;
}

interface Timer {
  readonly id: number;
  readonly at: number;
  readonly callback: () => void;
}

/** A manual clock starting at `start` (ms since the epoch). */
export function createManualClock(start = Date.UTC(2030, 0, 1)): ManualClock {
  let now = start;
  let nextId = 1;
  const timers = new Map<number, Timer>();
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 5; i++) await nextTurn();
  };
  return {
    now: () => now,
    setTimeout(callback, ms) {
      const id = nextId++;
      timers.set(id, { id, at: now + Math.max(0, ms), callback });
      return id;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    async advance(ms) {
      const target = now + ms;
      await settle();
      for (;;) {
        const due = [...timers.values()]
          .filter((t) => t.at <= target)
          .sort((a, b) => a.at - b.at || a.id - b.id)[0];
        if (due === undefined) break;
        timers.delete(due.id);
        now = due.at;
        due.callback();
        await settle();
      }
      now = target;
      await settle();
    },
    settle,
    pending: () => timers.size,
  };
}
