import fc from 'fast-check';
import { createLogger } from '@sesame/shared';
import { describe, expect, it } from 'vitest';
import { createManualClock, type ManualClock } from '../../../../test/watcher-kube/manual-clock.js';
import { createLeaderElector, type LeaderElector } from './elector.js';
import { LeaseConflictError, type LeaseStore, type StoredLease } from './lease-store.js';

const logger = createLogger({ level: 'silent' });

/** One Lease in memory, with a view per replica whose network the test can cut or stall. */
function memoryLease() {
  let stored: StoredLease | undefined;
  let revision = 0;
  const writes: { holder: string; at: number }[] = [];
  const view = (clock: ManualClock) => {
    const link = { down: false, stalled: false };
    const send = <T>(op: () => T): Promise<T> => {
      if (link.stalled) return new Promise<T>(() => undefined);
      if (link.down) return Promise.reject(new Error('connection refused'));
      return Promise.resolve().then(op);
    };
    const write = (record: StoredLease['record']): StoredLease => {
      stored = { record, resourceVersion: String(++revision) };
      writes.push({ holder: record.holderIdentity, at: clock.now() });
      return stored;
    };
    const store: LeaseStore = {
      description: 'test/lease',
      get: () => send(() => stored),
      create: (record) =>
        send(() => {
          if (stored !== undefined) throw new LeaseConflictError('exists');
          return write(record);
        }),
      update: (record, resourceVersion) =>
        send(() => {
          if (stored?.resourceVersion !== resourceVersion) throw new LeaseConflictError('changed');
          return write(record);
        }),
    };
    return { store, link };
  };
  return { view, writes, current: () => stored };
}

type Replica = ReturnType<ReturnType<typeof memoryLease>['view']> & {
  elector: LeaderElector;
  /** When each leadership term began and ended (undefined while it lasts). */
  terms: { from: number; to?: number }[];
};

function replica(
  lease: ReturnType<typeof memoryLease>,
  clock: ManualClock,
  identity: string,
  timing: { leaseDurationMs?: number; renewDeadlineMs?: number; retryPeriodMs?: number } = {},
): Replica {
  const v = lease.view(clock);
  const elector = createLeaderElector({ store: v.store, identity, logger, clock, ...timing });
  const terms: Replica['terms'] = [];
  elector.onChange((leading) => {
    if (leading) terms.push({ from: clock.now() });
    else {
      const last = terms.at(-1);
      if (last !== undefined) last.to = clock.now();
    }
  });
  return { ...v, elector, terms };
}

/** Closes electors while moving time on, since a request in flight only gives up on its timeout. */
async function closeAll(clock: ManualClock, ...replicas: Replica[]): Promise<void> {
  for (const r of replicas) r.link.stalled = false;
  const closing = Promise.all(replicas.map((r) => r.elector.close()));
  await clock.advance(10_000);
  await closing;
}

describe('leader election', () => {
  it('acquires a free lease at once and renews it every retry period', async () => {
    const clock = createManualClock();
    const lease = memoryLease();
    const a = replica(lease, clock, 'a');
    a.elector.start();
    await clock.settle();
    expect(a.elector.isLeader()).toBe(true);
    expect(lease.current()?.record).toMatchObject({
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      leaseTransitions: 0,
    });
    await clock.advance(10_000);
    expect(lease.writes.map((w) => w.at - lease.writes[0]!.at)).toEqual([0, 2000, 4000, 6000, 8000, 10000]);
    expect(a.elector.isLeader()).toBe(true);
    await closeAll(clock, a);
  });

  it('keeps a standby waiting, and lets it take over within one lease of the last renewal', async () => {
    const clock = createManualClock();
    const lease = memoryLease();
    const a = replica(lease, clock, 'a');
    const b = replica(lease, clock, 'b');
    a.elector.start();
    await clock.settle();
    b.elector.start();
    await clock.advance(30_000);
    expect(a.elector.isLeader()).toBe(true);
    expect(b.elector.isLeader()).toBe(false);

    // The leader's node vanishes: no renewals, no release.
    a.link.down = true;
    const lastRenewal = lease.writes.at(-1)!.at;
    await clock.advance(20_000);
    expect(b.elector.isLeader()).toBe(true);
    expect(a.elector.isLeader()).toBe(false);
    const takeover = b.terms[0]!.from;
    expect(takeover - lastRenewal).toBeLessThanOrEqual(15_000);
    // The old leader stopped at its renew deadline, well before the new one started.
    expect(a.terms[0]!.to).toBe(lastRenewal + 10_000);
    expect(takeover - a.terms[0]!.to!).toBeGreaterThanOrEqual(3_000);
    expect(lease.current()?.record).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });

    // Back online, the old leader finds the lease taken and stays a standby.
    a.link.down = false;
    await clock.advance(10_000);
    expect(a.elector.isLeader()).toBe(false);
    expect(b.elector.isLeader()).toBe(true);
    await closeAll(clock, a, b);
  });

  it('steps down at the renew deadline even when a renewal hangs', async () => {
    const clock = createManualClock();
    const lease = memoryLease();
    const a = replica(lease, clock, 'a');
    a.elector.start();
    await clock.advance(4_000);
    const lastRenewal = lease.writes.at(-1)!.at;
    a.link.stalled = true;
    await clock.advance(9_999 - (clock.now() - lastRenewal));
    expect(a.elector.isLeader()).toBe(true);
    await clock.advance(1);
    expect(a.elector.isLeader()).toBe(false);
    expect(a.terms[0]!.to).toBe(lastRenewal + 10_000);
    await closeAll(clock, a);
  });

  it('releases the lease on close, so a standby takes over within a retry period', async () => {
    const clock = createManualClock();
    const lease = memoryLease();
    const a = replica(lease, clock, 'a');
    const b = replica(lease, clock, 'b');
    a.elector.start();
    await clock.settle();
    b.elector.start();
    await clock.advance(5_000);
    await a.elector.close();
    const released = clock.now();
    expect(lease.current()?.record).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1 });
    expect(a.terms[0]!.to).toBe(released);
    await clock.advance(2_000);
    expect(b.elector.isLeader()).toBe(true);
    expect(b.terms[0]!.from - released).toBeLessThanOrEqual(2_000);
    await closeAll(clock, b);
  });

  it('refuses timing that cannot keep two leaders apart', () => {
    const lease = memoryLease();
    const clock = createManualClock();
    expect(() =>
      createLeaderElector({
        store: lease.view(clock).store,
        identity: 'a',
        logger,
        clock,
        leaseDurationMs: 10_000,
        renewDeadlineMs: 9_000,
        retryPeriodMs: 2_000,
      }),
    ).toThrow(/lease timing/);
  });

  it('never has two leaders, whatever the network does', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            replica: fc.integer({ min: 0, max: 2 }),
            link: fc.constantFrom('up', 'down', 'stalled'),
            afterMs: fc.integer({ min: 0, max: 20_000 }),
          }),
          { maxLength: 12 },
        ),
        async (steps) => {
          const clock = createManualClock();
          const lease = memoryLease();
          const replicas = ['a', 'b', 'c'].map((id) => replica(lease, clock, id));
          for (const r of replicas) r.elector.start();
          for (const step of [...steps, { replica: 0, link: 'up', afterMs: 30_000 }]) {
            const r = replicas[step.replica]!;
            r.link.down = step.link === 'down';
            r.link.stalled = step.link === 'stalled';
            // Check at every quarter second that at most one replica believes it leads.
            for (let t = 0; t < step.afterMs; t += 250) {
              await clock.advance(250);
              expect(replicas.filter((x) => x.elector.isLeader()).length).toBeLessThanOrEqual(1);
            }
          }
          const all = replicas.flatMap((r) => r.terms.map((t) => ({ ...t, to: t.to ?? Infinity })));
          all.sort((x, y) => x.from - y.from);
          for (let i = 1; i < all.length; i++) expect(all[i]!.from).toBeGreaterThanOrEqual(all[i - 1]!.to);
          await closeAll(clock, ...replicas);
        },
      ),
      { numRuns: 15 },
    );
  }, 60_000);
});
