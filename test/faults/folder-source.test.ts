import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBase } from './manifests.js';
import { adminGet, pollUntil, processStats } from './processes.js';
import { startScenario, type Scenario } from './scenario.js';
import { running } from './topology.js';

// 49 EndpointSlices besides the marker's: one generation creates 50 objects and deletes the 50 of an older one.
const SIZE = { services: 100, dynamic: 49 };
const MiB = 1024 * 1024;

/** The folder source under a flood of changes, and fed files that are not valid manifests. */
describe('fault: the watcher’s folder source', () => {
  let s: Scenario;

  beforeAll(async () => {
    s = await startScenario({ bus: 'nats', size: SIZE, envoys: 100 });
  }, 120_000);

  afterAll(async () => {
    await s?.close();
  }, 60_000);

  it('a flood of 10,000 object changes in 10 s: coalesced, in bounded memory, and every Envoy converges', async () => {
    const watcher = s.topology.watchers[0]!;
    const watched = [watcher, ...s.topology.edges];
    const baseline = new Map(watched.map((c) => [c.pid, processStats(c.pid)?.rssBytes ?? 0]));
    const peak = new Map(baseline);
    const sample = setInterval(() => {
      for (const c of watched)
        peak.set(c.pid, Math.max(peak.get(c.pid) ?? 0, processStats(c.pid)?.rssBytes ?? 0));
    }, 100);
    const published = (): number =>
      watcher.process.lines.filter((l) => l['msg'] === 'published snapshot').length;
    const publishedBefore = published();
    const began = Date.now();
    const stream = s.changeStream(90);
    let writes: number;
    try {
      // 100 generations × (50 objects created + 50 deleted) = 10,000 object changes.
      await pollUntil(() => stream.written() >= 100, { timeoutMs: 30_000, what: '100 generations written' });
    } finally {
      writes = stream.written();
      await stream.stop();
    }
    const floodMs = Date.now() - began;
    try {
      await s.expectConverged(s.generation(), 60_000);
    } finally {
      clearInterval(sample);
    }
    const publications = published() - publishedBefore;
    expect(floodMs).toBeLessThan(15_000);
    // The holdoff coalesces: far fewer snapshots than file changes, let alone object changes.
    expect(publications).toBeGreaterThan(0);
    expect(publications).toBeLessThan(writes / 2);
    for (const c of watched) {
      const growth = (peak.get(c.pid) ?? 0) - (baseline.get(c.pid) ?? 0);
      expect(growth, `${c.name} memory growth during the flood`).toBeLessThan(256 * MiB);
      expect(running(c)).toBe(true);
    }
  }, 120_000);

  it('invalid manifests are reported with their file and skipped; everything else keeps flowing', async () => {
    const watcher = s.topology.watchers[0]!;
    const bad = {
      'broken.yaml': 'kind: [this is not closed\n  metadata: {\n',
      'not-an-object.yaml': '- just\n- a list\n',
      'bad-proxy.json': JSON.stringify({
        apiVersion: 'projectsesame.io/v1',
        kind: 'HTTPProxy',
        metadata: { name: 'bad', namespace: 'faults' },
        spec: {
          virtualhost: { fqdn: 'bad.faults.test' },
          routes: [{ services: [{ name: 'svc-0', port: 'eighty' }] }],
        },
      }),
      'truncated.json': '{"apiVersion": "v1", "kind": "Service", "metadata": {"name": ',
    };
    const stream = s.changeStream(100);
    try {
      for (const [name, text] of Object.entries(bad)) await writeFile(join(s.manifests, name), text);
      for (const name of Object.keys(bad)) {
        const line = await watcher.process.waitForLog(
          (l) => l['level'] === 'warn' && String(l['file']).endsWith(name),
          15_000,
        );
        expect(String(line['msg'])).toContain(name);
      }
      await pollUntil(() => stream.written() >= 10, { timeoutMs: 10_000, what: 'changes alongside' });
    } finally {
      await stream.stop();
      for (const name of Object.keys(bad)) await rm(join(s.manifests, name), { force: true });
    }
    await s.expectConverged(s.generation());
    expect(running(watcher)).toBe(true);
    expect((await adminGet(watcher.admin, '/readyz')).status).toBe(200);
  }, 90_000);

  // A file replaced (written to a temporary file, renamed over it: how editors, kubectl cp and ConfigMap
  // updates write) while the watcher is busy must still be picked up. SIGSTOP makes "busy" deterministic.
  // (Node 20's recursive fs.watch on Linux lost these after a file's first replacement.)
  it('a file replaced while the watcher is busy is picked up when it resumes', async () => {
    const watcher = s.topology.watchers[0]!;
    const clusters = async (): Promise<number[]> => [
      ...new Set((await s.fleet.states()).map((e) => e.types.cds?.lastCount ?? 0)),
    ];
    const [start] = await clusters();
    for (const extra of [1, 2]) {
      process.kill(watcher.pid, 'SIGSTOP');
      try {
        await writeBase(s.manifests, SIZE, extra);
      } finally {
        process.kill(watcher.pid, 'SIGCONT');
      }
      await pollUntil(async () => (await clusters()).join() === String((start ?? 0) + extra), {
        timeoutMs: 10_000,
        what: `every Envoy holding ${extra} more cluster(s)`,
      });
    }
  }, 60_000);
});
