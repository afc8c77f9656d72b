import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHoldoff, systemClock } from './holdoff.js';

describe('holdoff', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const make = () => {
    const run = vi.fn();
    return { run, holdoff: createHoldoff({ delayMs: 100, maxDelayMs: 500, clock: systemClock, run }) };
  };

  it('runs once, delayMs after a single event', () => {
    const { run, holdoff } = make();
    holdoff.trigger();
    vi.advanceTimersByTime(99);
    expect(run).not.toHaveBeenCalled();
    expect(holdoff.pending()).toBe(true);
    vi.advanceTimersByTime(1);
    expect(run).toHaveBeenCalledTimes(1);
    expect(holdoff.pending()).toBe(false);
  });

  it('restarts the delay on each event, coalescing a burst into one run', () => {
    const { run, holdoff } = make();
    for (let i = 0; i < 4; i++) {
      holdoff.trigger();
      vi.advanceTimersByTime(60);
    }
    expect(run).not.toHaveBeenCalled();
    vi.advanceTimersByTime(40);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('never waits longer than maxDelayMs after the first pending event', () => {
    const { run, holdoff } = make();
    holdoff.trigger();
    // An event every 50 ms would postpone a pure debounce forever.
    for (let elapsed = 50; elapsed < 500; elapsed += 50) {
      vi.advanceTimersByTime(50);
      holdoff.trigger();
    }
    expect(run).not.toHaveBeenCalled();
    vi.advanceTimersByTime(50);
    expect(run).toHaveBeenCalledTimes(1);
    // The next event starts a new window.
    holdoff.trigger();
    vi.advanceTimersByTime(100);
    expect(run).toHaveBeenCalledTimes(2);
  });

  it('cancel drops the pending run', () => {
    const { run, holdoff } = make();
    holdoff.trigger();
    holdoff.cancel();
    vi.advanceTimersByTime(1_000);
    expect(run).not.toHaveBeenCalled();
  });

  it('uses an injected clock', () => {
    let now = 0;
    let nextId = 0;
    const timers = new Map<number, { at: number; fn: () => void }>();
    const run = vi.fn();
    const holdoff = createHoldoff({
      delayMs: 10,
      maxDelayMs: 15,
      run,
      clock: {
        now: () => now,
        setTimeout: (fn, ms) => {
          timers.set(++nextId, { at: now + ms, fn });
          return nextId;
        },
        clearTimeout: (id) => void timers.delete(id as number),
      },
    });
    holdoff.trigger();
    now = 8;
    holdoff.trigger();
    // One timer left, due 15 ms after the first event rather than 10 ms after the second.
    const pending = [...timers.values()];
    expect(pending.map((t) => t.at)).toEqual([15]);
    pending[0]?.fn();
    expect(run).toHaveBeenCalledTimes(1);
  });
});
