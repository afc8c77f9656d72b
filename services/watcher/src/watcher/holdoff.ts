/** Time as the watcher sees it; injected so tests can drive it (the default follows vi.useFakeTimers()). */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The process clock, resolved at call time so fake timers installed later still apply. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Coalesces bursts of change events into one rebuild. */
export interface Holdoff {
  /** Records an event: (re)starts the delay, never past the maximum since the first pending event. */
  trigger(): void;
  /** Drops any pending run. */
  cancel(): void;
  /** True while a run is scheduled. */
  pending(): boolean;
}

/**
 * Contour's debounce (internal/contour/handler.go), bounded from the first event instead of the last
 * rebuild: each event restarts a `delayMs` timer, but a run never waits more than `maxDelayMs` after the
 * first event it covers, so a steady trickle of changes cannot starve rebuilds.
 */
export function createHoldoff(options: {
  delayMs: number;
  maxDelayMs: number;
  clock: Clock;
  run: () => void;
}): Holdoff {
  const { clock } = options;
  let firstEventAt: number | undefined;
  let timer: unknown;

  const fire = (): void => {
    firstEventAt = undefined;
    timer = undefined;
    options.run();
  };

  return {
    trigger() {
      const now = clock.now();
      firstEventAt ??= now;
      if (timer !== undefined) clock.clearTimeout(timer);
      const remaining = firstEventAt + options.maxDelayMs - now;
      timer = clock.setTimeout(fire, Math.max(0, Math.min(options.delayMs, remaining)));
    },
    cancel() {
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      firstEventAt = undefined;
    },
    pending() {
      return timer !== undefined;
    },
  };
}
