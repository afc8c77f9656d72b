import type { Logger } from '@sesame/shared';
import type { Registry } from 'prom-client';
import { statusCode } from '../kube-source/list-pages.js';
import { canonicalJson } from '../util/order.js';
import { systemClock, type Clock } from '../watcher/holdoff.js';
import { createStatusMetrics } from './metrics.js';
import { renderStatus, sameStatus, type CurrentState, type DesiredStatus } from './render.js';
import type { StatusClient, StatusTarget } from './status-client.js';

/** Options of `createStatusWriter`. */
export interface StatusWriterOptions {
  readonly client: StatusClient;
  /** The object as the informer cache holds it now. */
  readonly current: (target: StatusTarget) => CurrentState | undefined;
  readonly logger: Logger;
  readonly registry?: Registry;
  readonly clock?: Clock;
  /** Writes in flight at most (default 32). */
  readonly concurrency?: number;
  /** Conflicts re-read and retried per update before it counts as failed (default 5). */
  readonly maxConflicts?: number;
}

/** Writes status back to the API server, off the configuration path. */
export interface StatusWriter {
  /** Every status wanted now; only those that differ from what was wanted before are looked at again. */
  setDesired(desired: ReadonlyMap<string, DesiredStatus>): void;
  /** Some statuses changed (undefined: no longer wanted); the others stay as they are. */
  patchDesired(changes: ReadonlyMap<string, DesiredStatus | undefined>): void;
  /** Looks at one object again (its status changed under us). */
  recheck(key: string): void;
  /** Writes only while active (the leader); becoming active looks at every object again. */
  setActive(active: boolean): void;
  /** Resolves once nothing is queued, in flight or waiting to be retried (at once when inactive). */
  idle(): Promise<void>;
  /** Stops writing and waits for the writes in flight. */
  close(): Promise<void>;
}

const RETRY_BASE_MS = 200;
const RETRY_MAX_MS = 30_000;

/**
 * Creates the writer: a queue of object keys, each at most once, so a burst of rebuilds collapses into one
 * write per object with the latest wanted status; a bounded pool of writers; no write when the cached object
 * already has the status; a conflict re-reads the object and tries again. `setDesired` only compares and
 * queues, so publishing snapshots never waits for the API server.
 */
export function createStatusWriter(options: StatusWriterOptions): StatusWriter {
  const { client } = options;
  const logger = options.logger.child({ component: 'status-writer' });
  const clock = options.clock ?? systemClock;
  const concurrency = options.concurrency ?? 32;
  const maxConflicts = options.maxConflicts ?? 5;
  const metrics = createStatusMetrics(options.registry);
  const desired = new Map<string, DesiredStatus>();
  const desiredJson = new Map<string, string>();
  const queue = new Set<string>();
  const running = new Map<string, Promise<void>>();
  const again = new Set<string>();
  const retries = new Map<string, { timer: unknown; attempts: number }>();
  /** The last write per object: the resourceVersion it replaced, the one it made, and what it wrote. */
  const written = new Map<string, { baseVersion: string; version: string | undefined; json: string }>();
  const idleWaiters = new Set<() => void>();
  let active = false;
  let closed = false;

  const isIdle = (): boolean => !active || (queue.size === 0 && running.size === 0 && retries.size === 0);
  function checkIdle(): void {
    if (!isIdle()) return;
    for (const resolve of [...idleWaiters]) resolve();
    idleWaiters.clear();
  }

  function enqueue(key: string): void {
    if (running.has(key)) again.add(key);
    else queue.add(key);
  }

  function cancelRetry(key: string): void {
    const retry = retries.get(key);
    if (retry === undefined) return;
    clock.clearTimeout(retry.timer);
    retries.delete(key);
  }

  function pump(): void {
    while (active && !closed && running.size < concurrency) {
      const next = queue.values().next();
      if (next.done === true) break;
      const key = next.value;
      queue.delete(key);
      running.set(key, run(key));
    }
    checkIdle();
  }

  async function run(key: string): Promise<void> {
    try {
      await update(key);
      cancelRetry(key);
    } catch (err) {
      const want = desired.get(key);
      metrics.update(want?.kind ?? 'unknown', 'failed');
      const attempts = (retries.get(key)?.attempts ?? 0) + 1;
      const delay = Math.min(RETRY_BASE_MS * 2 ** (attempts - 1), RETRY_MAX_MS);
      logger.warn({ err, object: key, retryInMs: delay }, 'status write failed; retrying');
      cancelRetry(key);
      const timer = clock.setTimeout(() => {
        retries.delete(key);
        enqueue(key);
        pump();
      }, delay);
      retries.set(key, { timer, attempts });
    } finally {
      running.delete(key);
      if (again.delete(key)) queue.add(key);
      pump();
    }
  }

  async function update(key: string): Promise<void> {
    const want = desired.get(key);
    const json = desiredJson.get(key);
    if (want === undefined || json === undefined) return;
    const began = clock.now();
    let current = options.current(want);
    let resent = false;
    for (let conflicts = 0; current !== undefined;) {
      const memo = written.get(key);
      if (memo !== undefined && memo.json === json) {
        // Written over this very version: the cache will show it shortly.
        if (memo.baseVersion === current.resourceVersion) return;
        // The cache shows our own write: nothing to compare.
        if (memo.version === current.resourceVersion) return;
      }
      const body = renderStatus(want, current, clock.now());
      if (sameStatus(current.status, body)) {
        written.delete(key);
        metrics.update(want.kind, 'noop');
        return;
      }
      try {
        const version = await client.replaceStatus(want, current.resourceVersion, body);
        written.set(key, { baseVersion: current.resourceVersion, version, json });
        metrics.update(want.kind, 'success', (clock.now() - began) / 1000);
        return;
      } catch (err) {
        // A kept-alive connection the server had just closed: send once more on a fresh one. Safe, since the
        // write names a resourceVersion: if the first one landed after all, this one gets a conflict.
        if (!resent && isConnectionReset(err)) {
          resent = true;
          continue;
        }
        const code = statusCode(err);
        // Deleted meanwhile: nothing to write.
        if (code === 404) return;
        if (code !== 409 || conflicts >= maxConflicts) throw err;
        conflicts++;
        metrics.update(want.kind, 'conflict');
        current = await client.read(want);
        // A different wish arrived while this one was being written; the queue has it.
        if (desiredJson.get(key) !== json) return;
      }
    }
  }

  function forget(key: string): void {
    desired.delete(key);
    desiredJson.delete(key);
    queue.delete(key);
    written.delete(key);
    cancelRetry(key);
  }

  function wish(key: string, status: DesiredStatus): void {
    const json = canonicalJson(status.status);
    desired.set(key, status);
    if (desiredJson.get(key) === json) return;
    desiredJson.set(key, json);
    enqueue(key);
  }

  return {
    setDesired(next) {
      for (const key of [...desired.keys()]) if (!next.has(key)) forget(key);
      for (const [key, status] of next) wish(key, status);
      pump();
    },
    patchDesired(changes) {
      for (const [key, status] of changes) {
        if (status === undefined) forget(key);
        else wish(key, status);
      }
      pump();
    },
    recheck(key) {
      if (!desired.has(key)) return;
      enqueue(key);
      pump();
    },
    setActive(next) {
      if (active === next || closed) return;
      active = next;
      if (active) {
        logger.info({ objects: desired.size }, 'writing status');
        for (const key of desired.keys()) enqueue(key);
      } else {
        queue.clear();
        for (const key of [...retries.keys()]) cancelRetry(key);
      }
      pump();
    },
    idle() {
      if (isIdle()) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.add(resolve));
    },
    async close() {
      closed = true;
      queue.clear();
      for (const key of [...retries.keys()]) cancelRetry(key);
      await Promise.all(running.values());
      active = false;
      checkIdle();
    },
  };
}

function isConnectionReset(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}
