import { ErrorCode, SesameError, type Logger } from '@sesame/shared';
import { Counter, Gauge, Registry } from 'prom-client';
import { systemClock, type Clock } from '../watcher/holdoff.js';
import { LeaseConflictError, type LeaseRecord, type LeaseStore, type StoredLease } from './lease-store.js';

/** Lease timing, as Contour and client-go default it. */
export const LEASE_DEFAULTS = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

/** Options of `createLeaderElector`. */
export interface LeaderElectorOptions {
  readonly store: LeaseStore;
  /** This replica's name in the Lease: unique per process (pod name plus a random suffix). */
  readonly identity: string;
  readonly logger: Logger;
  readonly registry?: Registry;
  readonly clock?: Clock;
  /** How long a holder's claim lasts after its last renewal (default 15 s; the Lease keeps whole seconds). */
  readonly leaseDurationMs?: number;
  /** A leader that has not renewed for this long steps down (default 10 s). */
  readonly renewDeadlineMs?: number;
  /** Time between attempts to acquire or renew (default 2 s). */
  readonly retryPeriodMs?: number;
}

/** Whether this replica is the leader, and news when that changes. */
export interface Leadership {
  isLeader(): boolean;
  /** `listener(true)` on becoming leader, `listener(false)` on stepping down; called synchronously. */
  onChange(listener: (leading: boolean) => void): { close(): void };
}

/** A running election. */
export interface LeaderElector extends Leadership {
  start(): void;
  /** Stops campaigning; a leader steps down and releases the Lease so a standby takes over at once. */
  close(): Promise<void>;
}

/**
 * Leader election over one Lease with optimistic concurrency (client-go's LeaseLock, reimplemented).
 *
 * No two leaders at any moment: a leader steps down `renewDeadlineMs` after the last renewal it sent, even
 * if a request hangs. A standby only takes an unreleased Lease once `leaseDurationMs - retryPeriodMs` have
 * passed on its own clock since it first saw the current renewal, which is at least that long after the
 * renewal was sent (so clocks need not agree, only tick at the same rate); with the defaults that leaves
 * three seconds between the old leader stopping and the new one starting. Since a standby polls every
 * `retryPeriodMs`, it sees a renewal at most that late, so it takes over within `leaseDurationMs` of the
 * leader's last renewal.
 */
export function createLeaderElector(options: LeaderElectorOptions): LeaderElector {
  const { store, identity } = options;
  const clock = options.clock ?? systemClock;
  const leaseDurationMs = options.leaseDurationMs ?? LEASE_DEFAULTS.leaseDurationMs;
  const renewDeadlineMs = options.renewDeadlineMs ?? LEASE_DEFAULTS.renewDeadlineMs;
  const retryPeriodMs = options.retryPeriodMs ?? LEASE_DEFAULTS.retryPeriodMs;
  if (!(retryPeriodMs > 0 && renewDeadlineMs + retryPeriodMs < leaseDurationMs)) {
    throw new SesameError(
      ErrorCode.ConfigInvalid,
      `lease timing: need 0 < retry period and renew deadline + retry period < lease duration (got ${leaseDurationMs}/${renewDeadlineMs}/${retryPeriodMs} ms)`,
    );
  }
  const logger = options.logger.child({ component: 'leader-election', lease: store.description, identity });
  const metrics = createLeaderMetrics(options.registry);
  const listeners = new Set<(leading: boolean) => void>();
  let leading = false;
  let lastRenewAt = 0;
  let held: StoredLease | undefined;
  let observed: { resourceVersion: string; at: number } | undefined;
  let timer: unknown;
  let deadlineTimer: unknown;
  let inFlight: Promise<void> | undefined;
  let started = false;
  let closed = false;

  const call = <T>(request: Promise<T>): Promise<T> => withTimeout(request, renewDeadlineMs / 2, clock);

  function setLeading(next: boolean, reason: string): void {
    if (leading === next) return;
    leading = next;
    metrics.leading(next);
    if (next) logger.info('became the leader');
    else {
      if (deadlineTimer !== undefined) clock.clearTimeout(deadlineTimer);
      deadlineTimer = undefined;
      logger.warn({ reason }, 'stepped down as leader');
    }
    for (const listener of [...listeners]) listener(next);
  }

  function renewed(stored: StoredLease, sentAt: number): number {
    held = stored;
    observed = { resourceVersion: stored.resourceVersion, at: clock.now() };
    lastRenewAt = sentAt;
    if (deadlineTimer !== undefined) clock.clearTimeout(deadlineTimer);
    deadlineTimer = clock.setTimeout(
      () => setLeading(false, 'could not renew the lease before the renew deadline'),
      Math.max(0, sentAt + renewDeadlineMs - clock.now()),
    );
    setLeading(true, '');
    return retryPeriodMs;
  }

  const claim = (sentAt: number, transitions: number): LeaseRecord => ({
    holderIdentity: identity,
    leaseDurationSeconds: Math.ceil(leaseDurationMs / 1000),
    acquireTime: new Date(sentAt),
    renewTime: new Date(sentAt),
    leaseTransitions: transitions,
  });

  /** One round; returns the delay before the next. */
  async function attempt(): Promise<number> {
    const sentAt = clock.now();
    try {
      const stored = await call(store.get());
      if (stored === undefined) return renewed(await call(store.create(claim(sentAt, 0))), sentAt);
      if (stored.resourceVersion !== observed?.resourceVersion) {
        observed = { resourceVersion: stored.resourceVersion, at: clock.now() };
      }
      const record = stored.record;
      if (record.holderIdentity === identity) {
        const renewal = { ...record, renewTime: new Date(sentAt) };
        return renewed(await call(store.update(renewal, stored.resourceVersion)), sentAt);
      }
      const expiresAt = observed.at + record.leaseDurationSeconds * 1000 - retryPeriodMs;
      if (record.holderIdentity !== '' && clock.now() < expiresAt) {
        setLeading(false, `the lease is held by ${record.holderIdentity}`);
        return Math.max(1, Math.min(retryPeriodMs, expiresAt - clock.now()));
      }
      const taken = claim(sentAt, record.leaseTransitions + 1);
      const stored2 = await call(store.update(taken, stored.resourceVersion));
      logger.info({ previous: record.holderIdentity || undefined }, 'acquired the lease');
      return renewed(stored2, sentAt);
    } catch (err) {
      if (err instanceof LeaseConflictError) logger.debug('lost a race for the lease; retrying');
      else logger.warn({ err }, 'lease request failed; retrying');
      if (leading && clock.now() - lastRenewAt >= renewDeadlineMs) {
        setLeading(false, 'could not renew the lease before the renew deadline');
      }
      return retryPeriodMs;
    }
  }

  function tick(): void {
    if (closed) return;
    inFlight = attempt().then((delay) => {
      inFlight = undefined;
      if (!closed) timer = clock.setTimeout(tick, delay);
    });
  }

  async function release(): Promise<void> {
    if (held === undefined) return;
    const now = new Date(clock.now());
    const record = {
      ...held.record,
      holderIdentity: '',
      leaseDurationSeconds: 1,
      acquireTime: now,
      renewTime: now,
    };
    try {
      await call(store.update(record, held.resourceVersion));
      logger.info('released the lease');
    } catch (err) {
      logger.warn({ err }, 'could not release the lease; it expires on its own');
    }
  }

  return {
    start() {
      if (started) return;
      started = true;
      logger.info({ leaseDurationMs, renewDeadlineMs, retryPeriodMs }, 'campaigning for the lease');
      tick();
    },
    isLeader: () => leading && clock.now() - lastRenewAt < renewDeadlineMs,
    onChange(listener) {
      listeners.add(listener);
      return { close: () => void listeners.delete(listener) };
    },
    async close() {
      if (closed) return;
      closed = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      await inFlight;
      const wasLeading = leading;
      setLeading(false, 'shutting down');
      if (wasLeading) await release();
      listeners.clear();
    },
  };
}

/** Rejects if `request` takes longer than `ms`; the request itself runs on (its outcome is ignored). */
function withTimeout<T>(request: Promise<T>, ms: number, clock: Clock): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = clock.setTimeout(() => reject(new Error(`lease request timed out after ${ms} ms`)), ms);
    request.then(
      (value) => {
        clock.clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clock.clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

interface LeaderMetrics {
  leading(value: boolean): void;
}

function createLeaderMetrics(registry: Registry = new Registry()): LeaderMetrics {
  const gauge = new Gauge({
    name: 'sesame_watcher_leader',
    help: '1 while this watcher holds the lease (publishes snapshots and writes status), else 0.',
    registers: [registry],
  });
  const transitions = new Counter({
    name: 'sesame_watcher_leader_transitions_total',
    help: 'Times this watcher became leader or stepped down.',
    registers: [registry],
  });
  gauge.set(0);
  return {
    leading(value) {
      gauge.set(value ? 1 : 0);
      transitions.inc();
    },
  };
}
