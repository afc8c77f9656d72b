// `npm run bench -- e2e [--proxies 1000,10000] [--envoys 300,3000] [--bus nats,redis] [--source folder,kube]
// [--rounds 5] [--holdoff-ms 100] [--holdoff-max-ms 500] [--batch 100] [--fleet-heap-mb 4096] [--fresh]`: the split control plane end to end, as
// processes on this machine. A watcher (reading a manifests folder, or the test Kubernetes API server), a bus
// (nats-server or redis-server), three edges and a fleet of simulated Envoys in a process of their own (ADS,
// ACKs, one mutual-TLS connection and node id each). For an endpoint change, an HTTPProxy change and a TLS
// secret change it times the source change to every Envoy's ACK, and counts bytes on the bus and to the
// Envoys, and the CPU and memory of every process; plus edge cold start with the full snapshot. Prints tables,
// merges the runs into bench/results/e2e.json (unless --fresh) and draws bench/results/e2e-propagation.svg.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFleetProcess, waitForFleet, type FleetHandle, type FleetSummary } from '../test/fleet/index.js';
import { childPids, processStats, scrapeMetric } from '../test/faults/processes.js';
import { createTopology, killHard, running, type Topology } from '../test/faults/topology.js';
import {
  CHANGE_KINDS,
  clusterSize,
  folderSource,
  kubeSource,
  type ChangeKind,
  type ClusterSource,
} from './e2e-cluster.js';
import {
  median,
  processTable,
  propagationSvg,
  propagationTable,
  stats,
  type ChangeResult,
  type E2eResults,
  type EdgeKillResult,
  type RunResult,
} from './e2e-report.js';

interface Options {
  readonly proxies: readonly number[];
  readonly envoys: readonly number[];
  readonly buses: ReadonlyArray<'nats' | 'redis'>;
  readonly sources: ReadonlyArray<'folder' | 'kube'>;
  readonly rounds: number;
  readonly holdoffMs: number;
  readonly holdoffMaxMs: number;
  readonly roundTimeoutMs: number;
  /** Envoys connecting at once. */
  readonly batch: number;
  /** Heap limit of the fleet process: a tighter one makes it collect garbage (big responses) sooner. */
  readonly fleetHeapMb: number;
  readonly fresh: boolean;
}

function option(args: readonly string[], name: string, fallback: string): string {
  const i = args.indexOf(name);
  return i === -1 ? fallback : (args[i + 1] ?? fallback);
}

function parseOptions(args: readonly string[]): Options {
  const numbers = (name: string, fallback: string): number[] =>
    option(args, name, fallback)
      .split(',')
      .map((v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1) throw new Error(`${name}: expected positive integers, got "${v}"`);
        return n;
      });
  const oneOf = <T extends string>(name: string, fallback: string, allowed: readonly T[]): T[] =>
    option(args, name, fallback)
      .split(',')
      .map((v) => {
        if (!allowed.includes(v as T))
          throw new Error(`${name}: expected ${allowed.join(' or ')}, got "${v}"`);
        return v as T;
      });
  return {
    proxies: numbers('--proxies', '1000,10000'),
    envoys: numbers('--envoys', '300,3000'),
    buses: oneOf('--bus', 'nats,redis', ['nats', 'redis'] as const),
    sources: oneOf('--source', 'folder,kube', ['folder', 'kube'] as const),
    rounds: numbers('--rounds', '5')[0] ?? 5,
    holdoffMs: numbers('--holdoff-ms', '100')[0] ?? 100,
    holdoffMaxMs: numbers('--holdoff-max-ms', '500')[0] ?? 500,
    roundTimeoutMs: numbers('--round-timeout-ms', '600000')[0] ?? 600_000,
    batch: numbers('--batch', '100')[0] ?? 100,
    fleetHeapMb: numbers('--fleet-heap-mb', '4096')[0] ?? 4096,
    fresh: args.includes('--fresh'),
  };
}

/** The processes of a run, by the name the report uses. */
function processes(topology: Topology, fleet: FleetHandle | undefined): Map<string, number> {
  const pids = new Map<string, number>();
  topology.watchers.forEach((w) => pids.set('watcher', w.pid));
  const bus = childPids(process.pid, topology.bus.url.startsWith('nats') ? 'nats-server' : 'redis-server');
  if (bus[0] !== undefined) pids.set('bus', bus[0]);
  // Edges killed by an earlier run are gone; their replacements are counted instead.
  topology.edges.forEach((e, i) => {
    if (running(e)) pids.set(`edge-${i + 1}`, e.pid);
  });
  if (fleet !== undefined) pids.set('fleet', fleet.pid);
  // The test API server, when there is one, runs in this process.
  pids.set('bench', process.pid);
  return pids;
}

const cpuOf = (pids: Map<string, number>): Map<string, number> =>
  new Map([...pids].map(([name, pid]) => [name, processStats(pid)?.cpuMs ?? NaN]));

/** Times `rounds` changes of `kind`: from the source change to each Envoy's ACK. */
async function timeChanges(
  kind: ChangeKind,
  context: {
    source: ClusterSource;
    topology: Topology;
    fleet: FleetHandle;
    options: Options;
    round: () => number;
  },
): Promise<ChangeResult> {
  const { source, topology, fleet, options } = context;
  const watcherAdmin = topology.watchers[0]!.admin;
  const perEnvoy: number[] = [];
  const lastAck: number[] = [];
  const busBytes: number[] = [];
  const envoyBytes: number[] = [];
  const cpu = new Map<string, number[]>();
  let missing = 0;
  for (let r = 0; r < options.rounds; r++) {
    const { done } = await fleet.arm(source.arm(kind), options.roundTimeoutMs);
    const pids = processes(topology, fleet);
    const cpuBefore = cpuOf(pids);
    const busBefore = await scrapeMetric(watcherAdmin, 'sesame_bus_written_bytes_total');
    const startedUs = Number(process.hrtime.bigint() / 1000n);
    await source.change(kind, context.round());
    const result = await done;
    const cpuAfter = cpuOf(pids);
    const ms = result.ackedAtUs.map((us) => (us - startedUs) / 1000);
    perEnvoy.push(...ms);
    lastAck.push(Math.max(...ms));
    missing += result.missing.length;
    busBytes.push((await scrapeMetric(watcherAdmin, 'sesame_bus_written_bytes_total')) - busBefore);
    envoyBytes.push(result.bytes);
    for (const [name, after] of cpuAfter)
      cpu.set(name, [...(cpu.get(name) ?? []), after - (cpuBefore.get(name) ?? 0)]);
    process.stderr.write(
      `  ${kind} #${r + 1}: last ACK ${Math.max(...ms).toFixed(0)} ms, median ${median(ms).toFixed(0)} ms` +
        `${result.missing.length > 0 ? `, ${result.missing.length} missing` : ''}\n`,
    );
  }
  return {
    kind,
    rounds: options.rounds,
    perEnvoyMs: stats(perEnvoy),
    lastAckMs: stats(lastAck),
    missing,
    busBytes: median(busBytes),
    envoyBytes: median(envoyBytes),
    cpuMs: Object.fromEntries([...cpu].map(([name, values]) => [name, median(values)])),
  };
}

/** Every Envoy on a live edge, and on one version of each type (the latest: nothing changes meanwhile). */
function converged(summary: FleetSummary, victim: string): boolean {
  if (summary.connected !== summary.envoys || (summary.servers[victim] ?? 0) > 0) return false;
  return Object.values(summary.accepted).every(
    (byVersion) => Object.keys(byVersion).length === 1 && Object.values(byVersion)[0] === summary.envoys,
  );
}

/** kill -9 of the first live edge: time until its Envoys are on the others and every Envoy converged. */
async function killEdge(topology: Topology, fleet: FleetHandle, timeoutMs: number): Promise<EdgeKillResult> {
  const victim = topology.edges.find((e) => running(e));
  if (victim === undefined) throw new Error('no live edge to kill');
  const before = await fleet.summary();
  const killedAt = performance.now();
  await killHard(victim);
  const reconnected = await waitForFleet(
    fleet,
    (s) => s.connected === s.envoys && (s.servers[victim.xds] ?? 0) === 0,
    { timeoutMs, what: 'every Envoy on a surviving edge', intervalMs: 50 },
  );
  const reconnectedMs = performance.now() - killedAt;
  const after = await waitForFleet(fleet, (s) => converged(s, victim.xds), {
    timeoutMs,
    what: 'every Envoy converged after the kill',
    intervalMs: 50,
  });
  return {
    envoysMoved: before.servers[victim.xds] ?? 0,
    reconnectedMs,
    convergedMs: Math.max(reconnectedMs, performance.now() - killedAt),
    violations: after.violations + reconnected.violations - before.violations,
  };
}

/** One deployment: the watcher and edges start once, then each fleet size runs against them. */
async function runDeployment(
  sourceKind: 'folder' | 'kube',
  bus: 'nats' | 'redis',
  proxies: number,
  options: Options,
): Promise<RunResult[]> {
  const dir = await mkdtemp(join(os.tmpdir(), 'sesame-e2e-'));
  const size = clusterSize(proxies);
  process.stderr.write(`e2e: ${sourceKind} source, ${bus} bus, ${proxies} HTTPProxies: setting up\n`);
  const source =
    sourceKind === 'kube' ? await kubeSource(dir, size) : await folderSource(join(dir, 'manifests'), size);
  let topology: Topology | undefined;
  const results: RunResult[] = [];
  const rounds = new Map<ChangeKind, number>();
  try {
    topology = await createTopology({
      dir,
      bus,
      sourceArgs: source.watcherArgs,
      watcherArgs: [
        '--holdoff-ms',
        String(options.holdoffMs),
        '--holdoff-max-ms',
        String(options.holdoffMaxMs),
      ],
      startTimeoutMs: 30 * 60_000,
    });
    const watcherStart = performance.now();
    const watcher = await topology.startWatcher();
    const watcherFirstPublishMs = performance.now() - watcherStart;
    const published = watcher.process.lines.find((l) => l['msg'] === 'published snapshot');
    const resources = (published?.['resources'] ?? {}) as Record<string, number>;
    const t = topology;
    const edgeColdStartMs = await Promise.all(
      [0, 1, 2].map(async () => {
        const began = performance.now();
        await t.startEdge();
        return performance.now() - began;
      }),
    );
    for (const envoys of options.envoys) {
      process.stderr.write(`e2e: ${envoys} Envoys connecting\n`);
      const fleet = await startFleetProcess(
        {
          servers: topology.edgeAddresses(),
          tlsDir: topology.certs.envoy,
          count: envoys,
          idPrefix: 'e2e',
          batch: 100,
        },
        { heapMb: options.fleetHeapMb },
      );
      try {
        const { ms: fleetConnectMs } = await fleet.start();
        const connected = await fleet.summary();
        if (connected.initialized !== envoys)
          throw new Error(`only ${connected.initialized} Envoys initialized`);
        const changes: ChangeResult[] = [];
        for (const kind of CHANGE_KINDS) {
          const round = (): number => {
            const next = (rounds.get(kind) ?? 0) + 1;
            rounds.set(kind, next);
            return next;
          };
          changes.push(await timeChanges(kind, { source, topology, fleet, options, round }));
        }
        const pids = processes(topology, fleet);
        const mib = (pick: 'rssBytes' | 'peakRssBytes') =>
          Object.fromEntries(
            [...pids].map(([name, pid]) => [name, (processStats(pid)?.[pick] ?? NaN) / 2 ** 20]),
          );
        const rssMiB = mib('rssBytes');
        const peakRssMiB = mib('peakRssBytes');
        process.stderr.write(`e2e: kill -9 of an edge with ${envoys} Envoys connected\n`);
        const edgeKill = await killEdge(topology, fleet, options.roundTimeoutMs);
        process.stderr.write(
          `  ${edgeKill.envoysMoved} Envoys moved: reconnected in ${edgeKill.reconnectedMs.toFixed(0)} ms, ` +
            `converged in ${edgeKill.convergedMs.toFixed(0)} ms\n`,
        );
        results.push({
          measuredOn: new Date().toISOString().slice(0, 10),
          source: sourceKind,
          bus,
          proxies,
          envoys,
          resources,
          watcherFirstPublishMs,
          edgeColdStartMs,
          fleetConnectMs,
          fullStateBytesPerEnvoy: connected.bytes / envoys,
          changes,
          rssMiB,
          peakRssMiB,
          edgeKill,
        });
      } finally {
        await fleet.close();
      }
      // Three edges again for the next fleet.
      while (topology.edgeAddresses().length < 3) await topology.startEdge();
    }
  } finally {
    await topology?.close();
    await source.close();
    await rm(dir, { recursive: true, force: true });
  }
  return results;
}

const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));
const key = (r: RunResult): string => `${r.source}/${r.bus}/${r.proxies}/${r.envoys}`;

/** Runs the benchmark (called by bench/run.ts). */
export async function main(args: string[]): Promise<void> {
  const options = parseOptions(args);
  const fresh: RunResult[] = [];
  for (const sourceKind of options.sources) {
    for (const bus of options.buses) {
      for (const proxies of options.proxies)
        fresh.push(...(await runDeployment(sourceKind, bus, proxies, options)));
    }
  }
  mkdirSync(RESULTS, { recursive: true });
  const file = join(RESULTS, 'e2e.json');
  const previous =
    options.fresh || !existsSync(file) ? [] : (JSON.parse(readFileSync(file, 'utf8')) as E2eResults).runs;
  const replaced = new Set(fresh.map(key));
  const results: E2eResults = {
    date: new Date().toISOString(),
    machine: {
      cpus: os.availableParallelism(),
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
    },
    holdoffMs: options.holdoffMs,
    holdoffMaxMs: options.holdoffMaxMs,
    targetMs: options.holdoffMs + 1000,
    runs: [...previous.filter((r) => !replaced.has(key(r))), ...fresh],
  };
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(RESULTS, 'e2e-propagation.svg'), propagationSvg(results));
  console.log(`\nPropagation: source change → Envoy ACK (holdoff ${options.holdoffMs} ms)\n`);
  console.log(propagationTable(results));
  console.log('\nStart-up and memory\n');
  console.log(processTable(results));
  for (const run of fresh.filter((r) => r.proxies === 10_000 && r.envoys === 3_000)) {
    const endpoint = run.changes.find((c) => c.kind === 'endpoint');
    const p99 = endpoint?.perEnvoyMs.p99 ?? NaN;
    console.log(
      `\ntarget (${run.source}, ${run.bus}): endpoint change p99 ≤ ${results.targetMs} ms: ${p99.toFixed(0)} ms ${p99 <= results.targetMs ? 'OK' : 'MISSED'}`,
    );
  }
}
