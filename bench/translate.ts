// `npm run bench -- translate [--proxies N]`: the translation at scale. A synthetic cluster of 10,000
// HTTPProxies and Services, 100,000 endpoints and 2,000 TLS secrets: full build time, time to re-translate
// after one endpoint change and after one HTTPProxy change, and heap. Writes bench/results/translate.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import v8 from 'node:v8';
import vm from 'node:vm';
import { createTranslator } from '@sesame/watcher';
import {
  BENCH_SIZE,
  syntheticCluster,
  syntheticProxy,
  syntheticSlice,
  type ClusterSize,
} from '../test/watcher/synthetic-cluster.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const TARGETS = { fullBuildMs: 3000, endpointChangeMs: 10, proxyChangeMs: 50, heapMiB: 1024 } as const;
const CHANGES = 500;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? 0;
}

/** CPU time of this process in ms: on a shared machine, wall time measures the neighbours too. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function heapMiB(): number {
  gc();
  gc();
  return v8.getHeapStatistics().used_heap_size / 2 ** 20;
}

function parseSize(args: readonly string[]): ClusterSize {
  const at = args.indexOf('--proxies');
  if (at === -1) return BENCH_SIZE;
  const n = Number(args[at + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error('--proxies needs a positive integer');
  const scale = n / BENCH_SIZE.proxies;
  return {
    ...BENCH_SIZE,
    proxies: n,
    services: n,
    tlsSecrets: Math.max(1, Math.round(BENCH_SIZE.tlsSecrets * scale)),
  };
}

/** Runs the benchmark (called by bench/run.ts). */
export async function main(args: string[]): Promise<void> {
  const size = parseSize(args);
  const setupStart = performance.now();
  const cluster = syntheticCluster(size);
  const objects = [...cluster.services, ...cluster.slices, ...cluster.secrets, ...cluster.proxies];
  const setupMs = performance.now() - setupStart;
  const baselineHeap = heapMiB();

  const translator = createTranslator();
  const fullStart = performance.now();
  const fullCpu = cpuMs();
  const full = translator.apply({ upserts: objects });
  const fullBuildMs = performance.now() - fullStart;
  const fullBuildCpuMs = cpuMs() - fullCpu;
  const materializeStart = performance.now();
  const translation = translator.current();
  const materializeMs = performance.now() - materializeStart;
  const heapTotal = heapMiB();

  const endpointTimes: number[] = [];
  const endpointCpu: number[] = [];
  for (let k = 0; k < CHANGES; k++) {
    // Generations repeat every 250 (addresses wrap): 1…249 always differ from the initial slice.
    const slice = syntheticSlice((k * 7919) % size.services, size, (k % 249) + 1);
    const began = performance.now();
    const cpu = cpuMs();
    const update = translator.apply({ upserts: [slice] });
    endpointTimes.push(performance.now() - began);
    endpointCpu.push(cpuMs() - cpu);
    if (update.upserts.length !== 1)
      throw new Error(`an endpoint change gave ${update.upserts.length} upserts`);
  }
  const proxyTimes: number[] = [];
  const proxyCpu: number[] = [];
  for (let k = 0; k < CHANGES; k++) {
    const proxy = syntheticProxy((k * 104729) % size.proxies, size, k + 1);
    const began = performance.now();
    const cpu = cpuMs();
    translator.apply({ upserts: [proxy] });
    proxyTimes.push(performance.now() - began);
    proxyCpu.push(cpuMs() - cpu);
  }
  for (const list of [endpointTimes, endpointCpu, proxyTimes, proxyCpu]) list.sort((a, b) => a - b);
  const load = os.loadavg()[0] ?? 0;

  const results = {
    size,
    objects: objects.length,
    resources: translation.resources.length,
    diagnostics: translation.diagnostics.length,
    upsertsOnFullBuild: full.upserts.length,
    changesMeasured: CHANGES,
    setupMs: Math.round(setupMs),
    fullBuildMs: Math.round(fullBuildMs),
    fullBuildCpuMs: Math.round(fullBuildCpuMs),
    materializeMs: Math.round(materializeMs),
    endpointChangeMs: {
      p50: percentile(endpointTimes, 0.5),
      p99: percentile(endpointTimes, 0.99),
      max: endpointTimes.at(-1) ?? 0,
    },
    endpointChangeCpuMs: { p50: percentile(endpointCpu, 0.5), p99: percentile(endpointCpu, 0.99) },
    proxyChangeMs: {
      p50: percentile(proxyTimes, 0.5),
      p99: percentile(proxyTimes, 0.99),
      max: proxyTimes.at(-1) ?? 0,
    },
    proxyChangeCpuMs: { p50: percentile(proxyCpu, 0.5), p99: percentile(proxyCpu, 0.99) },
    loadAverage: Math.round(load * 100) / 100,
    cpus: os.cpus().length,
    heapMiB: {
      inputs: Math.round(baselineHeap),
      total: Math.round(heapTotal),
      translator: Math.round(heapTotal - baselineHeap),
    },
    targets: TARGETS,
    node: process.version,
  };
  const fmt = (n: number): string => n.toFixed(n < 10 ? 2 : 0);
  const rows: [string, string, string][] = [
    [
      'full build (apply all objects), wall / CPU',
      `${fmt(fullBuildMs)} / ${fmt(fullBuildCpuMs)} ms`,
      `≤ ${TARGETS.fullBuildMs} ms`,
    ],
    ['  + materialize sorted resource list', `${fmt(materializeMs)} ms`, ''],
    [
      'one endpoint change, wall p50 / p99',
      `${fmt(results.endpointChangeMs.p50)} / ${fmt(results.endpointChangeMs.p99)} ms`,
      `≤ ${TARGETS.endpointChangeMs} ms`,
    ],
    [
      'one endpoint change, CPU p50 / p99',
      `${fmt(results.endpointChangeCpuMs.p50)} / ${fmt(results.endpointChangeCpuMs.p99)} ms`,
      `≤ ${TARGETS.endpointChangeMs} ms`,
    ],
    [
      'one HTTPProxy change, wall p50 / p99',
      `${fmt(results.proxyChangeMs.p50)} / ${fmt(results.proxyChangeMs.p99)} ms`,
      `≤ ${TARGETS.proxyChangeMs} ms`,
    ],
    [
      'one HTTPProxy change, CPU p50 / p99',
      `${fmt(results.proxyChangeCpuMs.p50)} / ${fmt(results.proxyChangeCpuMs.p99)} ms`,
      `≤ ${TARGETS.proxyChangeMs} ms`,
    ],
    [
      'heap after full build (all / translator)',
      `${results.heapMiB.total} / ${results.heapMiB.translator} MiB`,
      `≤ ${TARGETS.heapMiB} MiB`,
    ],
  ];
  console.log(
    `machine: ${results.cpus} CPUs, load average ${results.loadAverage} (wall times include the neighbours)`,
  );
  console.log(
    `translate: ${size.proxies} HTTPProxies, ${size.services} Services, ${size.services * size.endpointsPerService} endpoints, ${size.tlsSecrets} TLS secrets → ${translation.resources.length} resources (setup ${Math.round(setupMs)} ms; percentiles over ${CHANGES} changes of each kind)`,
  );
  const width = Math.max(...rows.map((r) => r[0].length));
  console.log(`${'measure'.padEnd(width)}  ${'result'.padStart(22)}  target`);
  for (const [what, got, target] of rows)
    console.log(`${what.padEnd(width)}  ${got.padStart(22)}  ${target}`);
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}translate.json`, `${JSON.stringify(results, null, 2)}\n`);
  return Promise.resolve();
}
