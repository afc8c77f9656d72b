import { ErrorCode, SesameError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Snapshot } from '../snapshot/snapshot.js';
import type { PublishOutcome } from './bus.js';
import { compactable, planFresh, planNext, storedIds, type Plan, type PlanTuning } from './log-plan.js';
import { loadHeadState, openHead, type LogContext } from './log-reader.js';
import type { BusMetrics } from './metrics.js';
import { encodeHead, HEAD_KEY, type Head } from './wire.js';

/** How the writer lays out the log. */
export interface PublisherTuning extends PlanTuning {
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
}

/** The writing half of a log bus. */
export interface Publisher {
  publish(snapshot: Snapshot): Promise<PublishOutcome>;
  /** Rejects whatever is still pending. */
  close(): void;
}

/** What the writer believes the bus holds. Dropped (and re-read) after a conflict or an uncertain commit. */
interface Known {
  /** The head's store token, undefined when there is no head. */
  token: string | undefined;
  /** The readable head; undefined when absent or unreadable. */
  head: Head | undefined;
  /** The next commit starts a new epoch from a checkpoint: no usable head, or one we cannot build on. */
  fresh: boolean;
  /** The head's full state, loaded only once a diff is needed. */
  snapshot: Snapshot | undefined;
  /** Stored change sets and checkpoints (`chg.5`, `cp.4`) and their chunk counts, for compaction. */
  stored: Map<string, number> | undefined;
}

interface Waiter {
  resolve: (outcome: PublishOutcome) => void;
  reject: (err: unknown) => void;
}

/**
 * Starts the writer. Publishing only ever targets the latest snapshot asked for: a newer publish supersedes a
 * pending one, and every waiting promise resolves once that newest snapshot is durable. While the bus is
 * unreachable the writer retries with capped exponential backoff.
 */
export function createPublisher(options: {
  ctx: LogContext;
  logger: Logger;
  metrics: BusMetrics;
  tuning: PublisherTuning;
}): Publisher {
  const { ctx, logger, metrics, tuning } = options;
  let known: Known | undefined;
  let lastCommitted: { epoch: string; seq: number } | undefined;
  let desired: { snapshot: Snapshot; waiters: Waiter[]; wrote: boolean } | undefined;
  let running = false;
  let closed = false;
  let wake: (() => void) | undefined;
  let wakeTimer: NodeJS.Timeout | undefined;
  /** The last snapshot known to be on the bus, restored if the bus loses it. */
  let latest: Snapshot | undefined;
  let checking = false;

  /**
   * After a reconnect or a foreign write, checks that the bus still holds what we committed. If it lost it (a
   * server restarted without its data, or rolled back, or a head that fails verification), publishes the
   * latest snapshot again, so new readers find it without waiting for the next change. A valid head that
   * another writer committed is left alone.
   */
  const check = async (): Promise<void> => {
    if (checking || running || closed || latest === undefined || known === undefined) return;
    checking = true;
    try {
      const stored = await ctx.store.readHead();
      if (running || closed || known === undefined || stored?.token === known.token) return;
      const opened = stored === undefined ? undefined : openHead(ctx, stored);
      const head = opened?.ok === true ? opened.value : undefined;
      const lost =
        head === undefined ||
        (head.epoch === lastCommitted?.epoch &&
          head.seq < lastCommitted.seq &&
          head.version !== latest.version);
      known = undefined;
      if (!lost) return;
      logger.warn('the bus lost the published snapshot; publishing it again');
      desired ??= { snapshot: latest, waiters: [], wrote: false };
      void run();
    } catch {
      // Unreachable again: the next reconnect notification brings us back here.
    } finally {
      checking = false;
    }
  };

  // A reconnect (or any head change) ends a backoff pause early, so the writer converges as soon as it can.
  const watch = ctx.store.watchHead(() => {
    wake?.();
    void check();
  });
  const pause = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      wakeTimer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(wakeTimer);
        wake = undefined;
        resolve();
      };
    });

  const readKnown = async (): Promise<Known> => {
    const stored = await ctx.store.readHead();
    if (stored === undefined)
      return { token: undefined, head: undefined, fresh: true, snapshot: undefined, stored: undefined };
    const opened = openHead(ctx, stored);
    if (!opened.ok) {
      metrics.rejected.inc();
      logger.error(
        { reason: opened.errors.message },
        'the bus head failed verification; starting a new epoch over it',
      );
      return { token: stored.token, head: undefined, fresh: true, snapshot: undefined, stored: undefined };
    }
    const head = opened.value;
    const rolledBack = lastCommitted?.epoch === head.epoch && head.seq < lastCommitted.seq;
    if (rolledBack) {
      logger.warn(
        { seq: head.seq, committed: lastCommitted?.seq },
        'the bus lost committed changes; starting a new epoch',
      );
    }
    return { token: stored.token, head, fresh: rolledBack, snapshot: undefined, stored: undefined };
  };

  /** Deletes what the head no longer needs; a failure is retried after the next publish. */
  const compact = async (head: Head, stored: Map<string, number>): Promise<void> => {
    const { ids, keys } = compactable(head, stored);
    if (keys.length === 0) return;
    try {
      await ctx.store.delete(keys);
      for (const id of ids) stored.delete(id);
    } catch (err) {
      logger.debug({ err }, 'compaction failed; retrying after the next publish');
    }
  };

  /** The commit that makes `target` the state: a change after the known head, or a new epoch. */
  const plan = (target: Snapshot, k: Known, stored: Map<string, number>): Plan => {
    if (!k.fresh && k.head !== undefined && k.snapshot !== undefined) {
      const next = planNext({ target, head: k.head, base: k.snapshot, tuning, sealer: ctx.sealer });
      const { seq } = next.head;
      const upserts = next.change?.upserts.length;
      const removals = next.change?.removals.length;
      logger.debug({ seq, upserts, removals, checkpoint: next.checkpoint }, 'publishing a change');
      return next;
    }
    let afterSeq = k.head?.seq ?? 0;
    for (const id of stored.keys()) afterSeq = Math.max(afterSeq, Number(id.slice(id.indexOf('.') + 1)));
    const fresh = planFresh({ target, afterSeq, chunkSize: tuning.chunkSize, sealer: ctx.sealer });
    const { epoch, seq } = fresh.head;
    logger.info({ epoch, seq, resources: target.size }, 'starting a new bus epoch');
    return fresh;
  };

  /** One try at making `target` the bus state. */
  const attempt = async (target: Snapshot, onCommit: () => void): Promise<PublishOutcome | 'conflict'> => {
    const k = (known ??= await readKnown());
    if (!k.fresh && k.head !== undefined && k.head.version === target.version) return 'unchanged';
    if (!k.fresh && k.head !== undefined && k.snapshot === undefined) {
      const loaded = await loadHeadState(ctx, k.head);
      if (loaded.ok) {
        k.snapshot = loaded.value;
      } else if (loaded.errors.kind === 'missing') {
        return 'conflict';
      } else {
        metrics.rejected.inc();
        logger.error(
          { reason: loaded.errors.message },
          'the bus state failed verification; starting a new epoch',
        );
        k.fresh = true;
      }
    }
    const stored = (k.stored ??= storedIds(await ctx.store.listKeys('')));
    const p = plan(target, k, stored);
    const headValue = ctx.sealer.seal(HEAD_KEY, encodeHead(p.head));
    onCommit();
    const result = await ctx.store.commit(p.entries, headValue, k.token);
    if (!result.ok) return 'conflict';
    let bytes = headValue.length;
    for (const e of p.entries) bytes += e.value.length;
    metrics.bytesWritten.inc(bytes);
    metrics.seq.set({ role: 'publisher' }, p.head.seq);
    for (const [id, count] of p.written) stored.set(id, Math.max(stored.get(id) ?? 0, count));
    lastCommitted = { epoch: p.head.epoch, seq: p.head.seq };
    known = { token: result.token, head: p.head, fresh: false, snapshot: target, stored };
    await compact(p.head, stored);
    return 'published';
  };

  const settle = (snapshot: Snapshot, waiters: Waiter[], outcome: PublishOutcome): void => {
    latest = snapshot;
    metrics.publishes.inc({ outcome });
    for (const w of waiters) w.resolve(outcome);
  };

  const run = async (): Promise<void> => {
    if (running) return;
    running = true;
    let delay = tuning.retryInitialMs;
    let conflicts = 0;
    let failing = false;
    while (desired !== undefined && !closed) {
      const current = desired;
      let committing = false;
      try {
        const outcome = await attempt(current.snapshot, () => (committing = true));
        if (outcome === 'conflict') {
          known = undefined;
          if (++conflicts > 3) await pause(Math.min(delay * conflicts, tuning.retryMaxMs));
          continue;
        }
        conflicts = 0;
        delay = tuning.retryInitialMs;
        if (failing) logger.info('bus reachable again; publish succeeded');
        failing = false;
        if (outcome === 'published') {
          current.wrote = true;
          if (desired !== undefined) desired.wrote = true;
        }
        if (desired === current) {
          desired = undefined;
          settle(current.snapshot, current.waiters, current.wrote ? 'published' : outcome);
        }
      } catch (err) {
        if (closed) break;
        metrics.publishErrors.inc();
        // A commit that failed in flight may have landed: re-read the head before the next try.
        if (committing) {
          known = undefined;
          current.wrote = true;
        }
        if (!failing)
          logger.warn(
            { err, retryInMs: delay },
            'publishing to the bus failed; retrying with the latest snapshot',
          );
        failing = true;
        await pause(delay);
        delay = Math.min(delay * 2, tuning.retryMaxMs);
      }
    }
    running = false;
  };

  return {
    publish(snapshot) {
      return new Promise<PublishOutcome>((resolve, reject) => {
        if (closed) {
          reject(new SesameError(ErrorCode.BusUnavailable, 'the bus is closed'));
          return;
        }
        const waiters = desired?.waiters ?? [];
        waiters.push({ resolve, reject });
        desired = { snapshot, waiters, wrote: desired?.wrote ?? false };
        if (!running) void run();
      });
    },
    close() {
      closed = true;
      watch.close();
      if (wakeTimer !== undefined) clearTimeout(wakeTimer);
      wake?.();
      const pending = desired;
      desired = undefined;
      for (const w of pending?.waiters ?? []) {
        w.reject(
          new SesameError(ErrorCode.BusUnavailable, 'the bus closed before the snapshot was published'),
        );
      }
    },
  };
}
