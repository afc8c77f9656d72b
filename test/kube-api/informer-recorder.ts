// Records what a client-node informer reports, so tests wait on its events instead of sleeping, and (like any
// real consumer must) restarts it after an error: client-node's ListWatch stops for good on anything but a 410.
import type { Informer, KubernetesObject, ObjectCache } from '@kubernetes/client-node';
import type { WaitOptions } from './wait.js';
import { waitForCondition } from './wait.js';

/** One callback the informer made. */
export interface InformerEvent<T> {
  readonly type: 'add' | 'update' | 'delete';
  readonly object: T;
}

/** What an informer has reported so far. */
export interface InformerRecorder<T extends KubernetesObject> {
  readonly events: readonly InformerEvent<T>[];
  readonly errors: readonly unknown[];
  /** How many times the informer (re)connected: each list or watch (re)start. */
  readonly connects: number;
  /** `namespace/name` of every object in the informer's cache, sorted. */
  cachedKeys(): string[];
  /** Resolves once `predicate` holds, re-checked after each callback. */
  waitFor(predicate: () => boolean, options?: WaitOptions): Promise<void>;
  /** Stops the informer and any pending restart. */
  stop(): Promise<void>;
}

/** Options of `recordInformer`. */
export interface RecordOptions {
  /** Restart the informer after an error, as a real source would (default true). */
  readonly restartOnError?: boolean;
  /** Back-off before a restart (default 20 ms), so a stopped server is not hammered. */
  readonly retryDelayMs?: number;
}

/** Subscribes to every callback of `informer` and starts it. */
export function recordInformer<T extends KubernetesObject>(
  informer: Informer<T> & ObjectCache<T>,
  options: RecordOptions = {},
): InformerRecorder<T> {
  const events: InformerEvent<T>[] = [];
  const errors: unknown[] = [];
  const listeners = new Set<() => void>();
  let connects = 0;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  const changed = (): void => {
    for (const notify of [...listeners]) notify();
  };
  for (const type of ['add', 'update', 'delete'] as const) {
    informer.on(type, (object) => {
      events.push({ type, object });
      changed();
    });
  }
  informer.on('connect', () => {
    connects += 1;
    changed();
  });
  informer.on('error', (err) => {
    if (stopped) return;
    errors.push(err);
    changed();
    if (options.restartOnError === false) return;
    clearTimeout(retry);
    retry = setTimeout(() => {
      if (!stopped) void informer.start().catch((e: unknown) => errors.push(e));
    }, options.retryDelayMs ?? 20);
  });
  void informer.start().catch((err: unknown) => errors.push(err));
  return {
    events,
    errors,
    get connects() {
      return connects;
    },
    cachedKeys: () =>
      informer
        .list()
        .map((o) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`)
        .sort(),
    waitFor: (predicate, waitOptions) =>
      waitForCondition(
        predicate,
        (notify) => {
          listeners.add(notify);
          return () => listeners.delete(notify);
        },
        waitOptions,
      ),
    async stop() {
      stopped = true;
      clearTimeout(retry);
      await informer.stop();
    },
  };
}
