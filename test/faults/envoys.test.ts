import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessFleet, openStalledEnvoy, type FleetHandle, type StalledEnvoy } from '../fleet/index.js';
import { edsNames, MARKER } from './manifests.js';
import { pollUntil, processStats, scrapeMetric } from './processes.js';
import { startScenario, type Scenario } from './scenario.js';
import { running } from './topology.js';

const SIZE = { services: 200, dynamic: 20, churn: true };
const MiB = 1024 * 1024;

/** Envoys that misbehave, among well-behaved ones, under a steady stream of changes to every type. */
describe('fault: misbehaving Envoys', () => {
  let s: Scenario;

  beforeAll(async () => {
    s = await startScenario({ bus: 'nats', size: SIZE, envoys: 100 });
  }, 120_000);

  afterAll(async () => {
    await s?.close();
  }, 60_000);

  /** Responses the fleet received from one edge, summed over types. */
  const receivedFrom = async (xds: string): Promise<number> =>
    (await s.fleet.states())
      .filter((e) => e.server === xds)
      .reduce((sum, e) => sum + Object.values(e.types).reduce((n, t) => n + t.received, 0), 0);

  it('Envoys that never read: the others are unaffected, their edge holds one response per type for each', async () => {
    const edge = s.topology.edges[0]!;
    const written = () => scrapeMetric(edge.admin, 'sesame_xds_responses_total');
    const before = { edge: await written(), fleet: await receivedFrom(edge.xds) };
    const stalled: StalledEnvoy[] = [];
    try {
      for (let i = 0; i < 20; i++) {
        stalled.push(
          await openStalledEnvoy({
            address: edge.xds,
            tlsDir: s.topology.certs.envoy,
            nodeId: `stalled-${i}`,
            edsNames: edsNames(SIZE),
          }),
        );
      }
      await Promise.all(stalled.map((x) => x.accepted));
      const rssBefore = processStats(edge.pid)?.rssBytes ?? 0;
      const stream = s.changeStream(100);
      try {
        await pollUntil(() => stream.written() >= 30, { timeoutMs: 30_000, what: '30 changes' });
      } finally {
        await stream.stop();
      }
      await s.expectConverged(s.generation());
      const rssAfter = processStats(edge.pid)?.rssBytes ?? Infinity;

      // What the edge wrote beyond what the well-behaved Envoys received went to the stalled ones: at most the
      // first response of each type they asked for (CDS, LDS, EDS), never one per change.
      const toStalled = (await written()) - before.edge - ((await receivedFrom(edge.xds)) - before.fleet);
      expect(toStalled).toBeLessThanOrEqual(stalled.length * 3);
      expect(rssAfter - rssBefore).toBeLessThan(96 * MiB);
      expect(running(edge)).toBe(true);
    } finally {
      for (const x of stalled) x.close();
    }
  }, 120_000);

  it('Envoys that NACK everything: answered once per new version, no resend loop, the others unaffected', async () => {
    const nackers: FleetHandle = inProcessFleet({
      servers: s.topology.edgeAddresses(),
      tlsDir: s.topology.certs.envoy,
      count: 3,
      idPrefix: 'nack',
      nack: true,
      history: true,
      markers: [MARKER],
    });
    try {
      await nackers.start();
      const watcher = s.topology.watchers[0]!;
      const publishedBefore = watcher.process.lines.filter((l) => l['msg'] === 'published snapshot').length;
      const stream = s.changeStream(100);
      try {
        await pollUntil(() => stream.written() >= 20, { timeoutMs: 30_000, what: '20 changes' });
      } finally {
        await stream.stop();
      }
      await s.expectConverged(s.generation());
      const published =
        watcher.process.lines.filter((l) => l['msg'] === 'published snapshot').length - publishedBefore;
      expect(published).toBeGreaterThan(0);
      for (const nacker of await nackers.states()) {
        const cds = nacker.history?.filter((h) => h.type === 'cds') ?? [];
        // One CDS response to start, then at most one per new version: a rejected version never comes back.
        expect(cds.length).toBeLessThanOrEqual(published + 1);
        for (let i = 1; i < cds.length; i++) expect(cds[i]?.version).not.toBe(cds[i - 1]?.version);
        expect(cds.every((h) => !h.acked)).toBe(true);
        // The listeners never change: one LDS response, ever.
        expect(nacker.types.lds?.received).toBe(1);
        // Rejecting its clusters, it asked for no endpoints.
        expect(nacker.types.eds).toBeUndefined();
      }
      let nacks = 0;
      for (const edge of s.topology.edges) nacks += await scrapeMetric(edge.admin, 'sesame_xds_nacks_total');
      expect(nacks).toBeGreaterThan(0);
      const warned = s.topology.edges.some((e) =>
        e.process.lines.some((l) => l['msg'] === 'client rejected a response (NACK)' && l['type'] === 'cds'),
      );
      expect(warned).toBe(true);
    } finally {
      await nackers.close();
    }
  }, 120_000);
});
