/** The signals that stop the stack: Ctrl-C, a polite kill, a closed terminal. */
export const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** The stop signals, caught from the moment the stack starts until `dispose()`. */
export interface StopSignals {
  /** Resolves with the first stop signal. */
  readonly first: Promise<NodeJS.Signals>;
  /** Called on every further stop signal (the user insists: stop hard). */
  onRepeat(handler: (signal: NodeJS.Signals) => void): void;
  dispose(): void;
}

/** Catches the stop signals, so that none of them ends this process before its children are stopped. */
export function watchStopSignals(source: NodeJS.EventEmitter = process): StopSignals {
  let received = false;
  let repeat: ((signal: NodeJS.Signals) => void) | undefined;
  let resolveFirst: (signal: NodeJS.Signals) => void = () => {};
  const first = new Promise<NodeJS.Signals>((resolve) => (resolveFirst = resolve));
  const handler = (signal: NodeJS.Signals): void => {
    if (received) {
      repeat?.(signal);
      return;
    }
    received = true;
    resolveFirst(signal);
  };
  for (const signal of STOP_SIGNALS) source.on(signal, handler);
  return {
    first,
    onRepeat(fn) {
      repeat = fn;
    },
    dispose() {
      for (const signal of STOP_SIGNALS) source.off(signal, handler);
    },
  };
}
