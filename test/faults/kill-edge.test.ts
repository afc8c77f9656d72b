import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForFleet } from '../fleet/index.js';
import { pollUntil } from './processes.js';
import { expectConverged, startScenario, type Scenario } from './scenario.js';
import { killHard, running } from './topology.js';

/** kill -9 of an edge, under a steady stream of changes, with 300 Envoys spread over three edges. */
describe('fault: kill -9 an edge with its Envoys connected', () => {
  let s: Scenario;

  beforeAll(async () => {
    s = await startScenario({ bus: 'nats', size: { services: 50, dynamic: 4 }, envoys: 300 });
  }, 120_000);

  afterAll(async () => {
    await s?.close();
  }, 60_000);

  it('its Envoys reconnect to the other edges and every Envoy converges on the latest', async () => {
    const [victim, ...survivors] = s.topology.edges;
    if (victim === undefined) throw new Error('no edge');
    const before = await s.fleet.summary();
    expect(before.servers[victim.xds]).toBe(100);
    const stream = s.changeStream(100);
    await pollUntil(() => stream.written() >= 5, { timeoutMs: 10_000, what: 'changes flowing' });

    await killHard(victim);
    const moved = await waitForFleet(
      s.fleet,
      (x) => x.connected === x.envoys && (x.servers[victim.xds] ?? 0) === 0,
      { timeoutMs: 30_000, what: 'every Envoy reconnected to a surviving edge' },
    );
    expect(moved.failures).toBeGreaterThanOrEqual(100);
    await pollUntil(() => stream.written() >= 15, { timeoutMs: 10_000, what: 'changes after the kill' });
    const last = await stream.stop();

    const summary = await expectConverged(s.fleet, last, 30_000);
    expect(Object.values(summary.servers).reduce((a, b) => a + b, 0)).toBe(300);
    for (const edge of survivors) expect(running(edge)).toBe(true);
    expect(running(s.topology.watchers[0]!)).toBe(true);
  }, 120_000);
});
