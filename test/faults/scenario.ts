// A fault scenario's moving parts: the split deployment (folder source) serving the fault fixture, a fleet of
// simulated Envoys in its own process, a steady stream of changes, and the two checks every fault ends with:
// every Envoy holds the latest generation, and none was ever sent a generation older than one it ACKed.
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { startFleetProcess, waitForFleet, type FleetHandle, type FleetSummary } from '../fleet/index.js';
import { createKubeApiServer, type KubeApiServer } from '../kube-api/index.js';
import {
  baseObjects,
  dynamicObjects,
  MARKER,
  RESOURCE_OF,
  stableObject,
  writeFixture,
  writeGeneration,
  type FixtureSize,
} from './manifests.js';
import { createTopology, type Topology } from './topology.js';

/** What a scenario runs. */
export interface ScenarioOptions {
  readonly bus: 'nats' | 'redis';
  /** A folder of manifests (default), or the test Kubernetes API server. */
  readonly source?: 'folder' | 'kube';
  /** Watchers started (default 1); with the Kubernetes source all but the first start as standbys. */
  readonly watchers?: number;
  readonly redisPersist?: boolean;
  readonly size: FixtureSize;
  readonly edges?: number;
  readonly envoys: number;
  readonly watcherArgs?: readonly string[];
}

/** A running scenario. */
export interface Scenario {
  readonly dir: string;
  readonly manifests: string;
  /** The API server, with the Kubernetes source. */
  readonly kube: KubeApiServer | undefined;
  readonly topology: Topology;
  readonly fleet: FleetHandle;
  /** The generation last written to the manifests. */
  generation(): number;
  /** Writes the next generation; resolves with it. */
  bump(): Promise<number>;
  /** `expectConverged` on this scenario's fleet; a failure carries the processes' recent warnings. */
  expectConverged(gen: number, timeoutMs?: number): Promise<FleetSummary>;
  /** Writes a generation every `intervalMs` until stopped; `stop` resolves with the last one written. */
  changeStream(intervalMs: number): ChangeStream;
  close(): Promise<void>;
}

/** A steady stream of changes. */
export interface ChangeStream {
  /** Changes written so far. */
  written(): number;
  stop(): Promise<number>;
}

/** Writes the fixture, starts the deployment (watcher first, then the edges) and connects the fleet. */
export async function startScenario(options: ScenarioOptions): Promise<Scenario> {
  const dir = await mkdtemp(join(tmpdir(), 'sesame-faults-'));
  const manifests = join(dir, 'manifests');
  await mkdir(manifests);
  let gen = 1;
  let kube: KubeApiServer | undefined;
  let sourceArgs: string[];
  let write: (g: number) => Promise<void>;
  if (options.source === 'kube') {
    const server = await createKubeApiServer();
    kube = server;
    for (const o of [...baseObjects(options.size), ...dynamicObjects(options.size, gen)]) {
      server.create(RESOURCE_OF[String(o['kind'])] ?? '', stableObject(o, gen));
    }
    write = (g) => {
      for (const o of dynamicObjects(options.size, g)) {
        server.update(RESOURCE_OF[String(o['kind'])] ?? '', stableObject(o, g));
      }
      return Promise.resolve();
    };
    sourceArgs = ['--source', 'kube', '--kubeconfig', await server.writeKubeconfig(dir)];
  } else {
    await writeFixture(manifests, options.size, gen);
    write = (g) => writeGeneration(manifests, options.size, g);
    sourceArgs = ['--source', manifests];
  }
  let topology: Topology | undefined;
  // The fleet process loads while the deployment starts; it learns the edges' addresses afterwards.
  const forking = startFleetProcess({
    servers: [],
    tlsDir: join(dir, 'certs', 'envoy'),
    count: options.envoys,
    idPrefix: 'faults',
    markers: [MARKER],
    batch: 100,
    backoff: { initialMs: 50, maxMs: 1_000 },
  });
  forking.catch(() => undefined);
  let fleet: FleetHandle | undefined;
  try {
    topology = await createTopology({
      dir,
      bus: options.bus,
      ...(options.redisPersist === undefined ? {} : { redisPersist: options.redisPersist }),
      sourceArgs,
      watcherArgs: options.watcherArgs ?? [],
    });
    await topology.startWatcher();
    for (let i = 1; i < (options.watchers ?? 1); i++) await topology.startWatcher({ standby: true });
    const t = topology;
    await Promise.all(Array.from({ length: options.edges ?? 3 }, () => t.startEdge()));
    fleet = await forking;
    await fleet.setServers(topology.edgeAddresses());
    await fleet.start();
    await expectConverged(fleet, gen, 30_000);
  } catch (err) {
    await (fleet ?? (await forking.catch(() => undefined)))?.close();
    await topology?.close();
    await kube?.close();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const started = { topology, fleet };
  const streams = new Set<ChangeStream>();
  return {
    dir,
    manifests,
    kube,
    ...started,
    generation: () => gen,
    async expectConverged(target, timeoutMs = 30_000) {
      try {
        return await expectConverged(started.fleet, target, timeoutMs);
      } catch (err) {
        throw new Error(`${(err as Error).message}\n${recentProblems(started.topology)}`, { cause: err });
      }
    },
    async bump() {
      gen++;
      await write(gen);
      return gen;
    },
    changeStream(intervalMs) {
      let stopped = false;
      let written = 0;
      const loop = (async () => {
        while (!stopped) {
          gen++;
          await write(gen);
          written++;
          await new Promise((resolve) => setTimeout(resolve, intervalMs));
        }
      })();
      // A test that fails half way never calls stop(): close() does, and the error is reported there.
      loop.catch(() => undefined);
      const stream: ChangeStream = {
        written: () => written,
        async stop() {
          stopped = true;
          streams.delete(stream);
          await loop;
          return gen;
        },
      };
      streams.add(stream);
      return stream;
    },
    async close() {
      for (const stream of [...streams]) await stream.stop().catch(() => undefined);
      await started.fleet.close();
      await started.topology.close();
      await kube?.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const PROBLEM_LEVELS = new Set(['warn', 'error', 'fatal']);

/** The last warnings and errors of every Sesame process, for failure messages. */
export function recentProblems(topology: Topology): string {
  const lines: string[] = [];
  for (const c of [...topology.watchers, ...topology.edges]) {
    const problems = c.process.lines.filter((l) => PROBLEM_LEVELS.has(String(l['level']))).slice(-8);
    for (const l of problems) lines.push(`${c.name}: ${JSON.stringify(l)}`);
  }
  return lines.join('\n');
}

/**
 * Waits until every Envoy is connected, has ACKed generation `gen` and holds the same version of every type as
 * every other, then checks that none was ever sent an older generation than one it had ACKed.
 */
export async function expectConverged(
  fleet: FleetHandle,
  gen: number,
  timeoutMs: number,
): Promise<FleetSummary> {
  const types = ['cds', 'eds', 'lds', 'rds'] as const;
  const summary = await waitForFleet(
    fleet,
    (s) =>
      s.connected === s.envoys &&
      s.markers[MARKER.key]?.held[String(gen)] === s.envoys &&
      // Every Envoy holds the same version of every type (removals may follow the marker: make before break).
      types.every((t) => Object.values(s.accepted[t] ?? {}).some((n) => n === s.envoys)),
    { timeoutMs, what: `every Envoy connected, on generation ${gen}, and on the same version of each type` },
  );
  if (summary.violations > 0) {
    const violations = (await fleet.states()).flatMap((s) => s.violations.map((v) => `${s.id}: ${v}`));
    expect.fail(`Envoys were sent generations older than ones they had ACKed:\n${violations.join('\n')}`);
  }
  return summary;
}
