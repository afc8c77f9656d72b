import type { Logger } from '../logger.js';
import { fullChange, type Snapshot } from '../snapshot/snapshot.js';
import type { SnapshotUpdate } from './bus.js';
import {
  applyChangeSet,
  loadChangeSets,
  loadHeadState,
  openHead,
  type LoadFailure,
  type LogContext,
} from './log-reader.js';
import type { BusMetrics } from './metrics.js';
import type { StoreWatch } from './store.js';
import type { Head } from './wire.js';

/** Where a follower is: the last applied state and the head it came from. */
export interface FollowerState {
  readonly epoch: string;
  readonly seq: number;
  readonly snapshot: Snapshot;
  /** The stored head it came from (base64 of its bytes); '' while part way through a head's changes. */
  readonly headId: string;
}

/** Timing of a follower's safety nets. */
export interface FollowerTiming {
  /** Re-read the head this often even without a notification (a lost notification costs at most this). */
  readonly pollIntervalMs: number;
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
}

/** Follows the log from the store and hands every applied update to `deliver`. */
export interface Follower {
  readonly state: FollowerState | undefined;
  close(): void;
}

/**
 * Starts following: read the head, load the checkpoint and the changes after it, then apply each new change
 * as heads arrive. Heads are processed one at a time; notifications that arrive meanwhile collapse into one
 * more pass. A change that fails verification is rejected (logged once per head, counted) and the last good
 * snapshot stays; a gap or a new epoch reloads the full state.
 */
export function startFollower(options: {
  ctx: LogContext;
  logger: Logger;
  metrics: BusMetrics;
  timing: FollowerTiming;
  deliver: (update: SnapshotUpdate) => void;
}): Follower {
  const { ctx, logger, metrics, timing, deliver } = options;
  let state: FollowerState | undefined;
  let running = false;
  let dirty = false;
  let closed = false;
  let retryDelay = timing.retryInitialMs;
  let retryTimer: NodeJS.Timeout | undefined;
  let unreachable = false;
  let reportedHead: string | undefined;

  const kick = (): void => {
    if (closed) return;
    dirty = true;
    if (running) return;
    running = true;
    void loop();
  };

  const retryLater = (): void => {
    if (closed || retryTimer !== undefined) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      kick();
    }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, timing.retryMaxMs);
  };

  const loop = async (): Promise<void> => {
    while (dirty && !closed) {
      dirty = false;
      try {
        if (await pass()) retryDelay = timing.retryInitialMs;
        else retryLater();
        if (unreachable) logger.info('bus reachable again');
        unreachable = false;
      } catch (err) {
        if (closed) break;
        if (!unreachable) logger.warn({ err }, 'bus unreachable; keeping the last good snapshot');
        unreachable = true;
        retryLater();
      }
    }
    running = false;
  };

  /** Logs and counts a failed verification once per head, however often the same head is re-read. */
  const reject = (headId: string, failure: LoadFailure): void => {
    if (reportedHead === headId) return;
    reportedHead = headId;
    metrics.rejected.inc();
    logger.error(
      { reason: failure.message },
      'rejected a bus payload that failed verification; keeping the last good snapshot',
    );
  };

  /** One look at the head. False when it should be retried soon (the log moved while we read it). */
  const pass = async (): Promise<boolean> => {
    const stored = await ctx.store.readHead();
    if (stored === undefined) return true;
    // Compared by content, not by store token: tokens restart when a backend loses its data.
    const headId = Buffer.from(stored.value).toString('base64');
    // A head already rejected or ignored would fail the same way again: wait for a new one.
    if (headId === state?.headId || headId === reportedHead) return true;
    const opened = openHead(ctx, stored);
    if (!opened.ok) {
      reject(headId, opened.errors);
      return true;
    }
    const head = opened.value;
    if (state !== undefined && head.epoch === state.epoch) {
      if (head.seq < state.seq) {
        if (reportedHead !== headId) {
          reportedHead = headId;
          logger.warn(
            { seq: head.seq, applied: state.seq },
            'ignoring a bus head older than the applied state',
          );
        }
        return true;
      }
      if (head.seq === state.seq && head.version === state.snapshot.version) {
        state = { ...state, headId };
        return true;
      }
      if (head.seq > state.seq && state.seq + 1 >= head.oldestSeq) {
        const followed = await follow(head, headId);
        if (followed === undefined) return true;
        if (followed.kind === 'invalid') reject(headId, followed);
      }
    }
    return resync(head, headId);
  };

  /** Applies the changes after the current state; a failure means a resync. */
  const follow = async (head: Head, headId: string): Promise<LoadFailure | undefined> => {
    const from = state;
    if (from === undefined) return { kind: 'missing', message: 'no state' };
    const sets = await loadChangeSets(ctx, head, from.seq + 1, head.seq);
    if (!sets.ok) return sets.errors;
    let current = from;
    for (const set of sets.value) {
      const next = applyChangeSet(current.snapshot, set);
      if (!next.ok) return next.errors;
      // Not the head's id until the whole head is applied, so a failure part way is retried.
      current = { epoch: head.epoch, seq: set.seq, snapshot: next.value, headId: '' };
      state = current;
      metrics.seq.set({ role: 'subscriber' }, set.seq);
      if (!closed) deliver({ snapshot: next.value, change: set.change });
    }
    if (current.snapshot.version !== head.version) {
      return { kind: 'invalid', message: `head ${head.seq} is not version ${head.version}` };
    }
    state = { ...current, headId };
    return undefined;
  };

  /** Reloads the full state of `head`; delivers it as a full change when it differs from what we serve. */
  const resync = async (head: Head, headId: string): Promise<boolean> => {
    metrics.resyncs.inc();
    logger.debug({ seq: head.seq, epoch: head.epoch }, 'loading the full state from the bus');
    const loaded = await loadHeadState(ctx, head);
    if (!loaded.ok) {
      if (loaded.errors.kind === 'missing') {
        logger.debug({ reason: loaded.errors.message }, 'the bus moved on while loading; retrying');
        return false;
      }
      reject(headId, loaded.errors);
      return true;
    }
    const before = state?.snapshot.version;
    state = { epoch: head.epoch, seq: head.seq, snapshot: loaded.value, headId };
    metrics.seq.set({ role: 'subscriber' }, head.seq);
    if (before !== loaded.value.version) {
      logger.info(
        { seq: head.seq, version: head.version, resources: loaded.value.size },
        'loaded snapshot from the bus',
      );
      if (!closed) deliver({ snapshot: loaded.value, change: fullChange(loaded.value) });
    }
    return true;
  };

  const watch: StoreWatch = ctx.store.watchHead(kick);
  const poll = setInterval(kick, timing.pollIntervalMs);
  poll.unref();
  kick();

  return {
    get state() {
      return state;
    },
    close() {
      closed = true;
      clearInterval(poll);
      if (retryTimer !== undefined) clearTimeout(retryTimer);
      watch.close();
    },
  };
}
