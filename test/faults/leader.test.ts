import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from './processes.js';
import { startScenario, type Scenario } from './scenario.js';
import { killHard, running, type SesameChild } from './topology.js';

/** Lease timings short enough for a test: a dead leader's lease expires after 2 s. */
const LEASE = [
  '--lease-duration-ms',
  '2000',
  '--lease-renew-deadline-ms',
  '1500',
  '--lease-retry-period-ms',
  '200',
];

/**
 * Two watchers on the Kubernetes source (the test API server) with leader election, under a steady stream of
 * EndpointSlice updates: kill -9 the leader, the standby takes over once the lease expires, and no Envoy ever
 * sees a version that goes back in time or loses content.
 */
describe('fault: kill -9 the leader watcher', () => {
  let s: Scenario;

  beforeAll(async () => {
    s = await startScenario({
      bus: 'nats',
      source: 'kube',
      watchers: 2,
      size: { services: 30, dynamic: 4 },
      envoys: 100,
      watcherArgs: ['--lease-namespace', 'faults', ...LEASE],
    });
  }, 120_000);

  afterAll(async () => {
    await s?.close();
  }, 60_000);

  const leads = (w: SesameChild): boolean => w.process.lines.some((l) => l['msg'] === 'became the leader');
  const publishes = (w: SesameChild): number =>
    w.process.lines.filter((l) => l['msg'] === 'published snapshot').length;

  it('the standby takes over and publishes the latest; no spurious version reaches an Envoy', async () => {
    const leader = s.topology.watchers.find(leads);
    const standby = s.topology.watchers.find((w) => w !== leader);
    if (leader === undefined || standby === undefined) throw new Error('expected one leader and one standby');
    expect(publishes(standby)).toBe(0);
    const baseline = (await s.fleet.states())[0]?.types;
    const clusters = baseline?.cds?.lastCount ?? 0;
    const listeners = baseline?.lds?.lastCount ?? 0;
    expect(clusters).toBeGreaterThan(30);

    const stream = s.changeStream(100);
    try {
      await pollUntil(() => publishes(leader) >= 3, {
        timeoutMs: 15_000,
        what: 'the leader publishing changes',
      });
      await killHard(leader);
      await standby.process.waitForLog((l) => l['msg'] === 'became the leader', 15_000);
      await pollUntil(() => publishes(standby) >= 3, {
        timeoutMs: 15_000,
        what: 'the new leader publishing',
      });
    } finally {
      await stream.stop();
    }
    await s.expectConverged(s.generation());

    // Spurious versions would show as a marker going back (checked above) or as content lost on the way.
    for (const envoy of await s.fleet.states()) {
      expect(envoy.types.cds?.minCount ?? clusters, envoy.id).toBeGreaterThanOrEqual(clusters);
      expect(envoy.types.lds?.minCount ?? listeners, envoy.id).toBeGreaterThanOrEqual(listeners);
    }
    for (const edge of s.topology.edges) {
      expect(
        edge.process.lines.filter((l) => l['msg'] === 'ignoring a bus head older than the applied state'),
      ).toEqual([]);
      expect(running(edge)).toBe(true);
    }
    expect(running(standby)).toBe(true);
  }, 120_000);
});
