// `npm run bench -- watcher [--proxies 10000] [--changes 100] [--status-proxies 5000]`: the Kubernetes watcher
// against the test API server (in its own process). (1) With the default holdoff, the time from one object
// change at the API server (an HTTPProxy's fqdn, or an EndpointSlice's addresses) to the snapshot handed to
// the bus, p50 and p99, at 10,000 HTTPProxies (each with its Service and EndpointSlice); plus the first sync
// and the memory it takes. (2) A fresh watcher over 5,000 HTTPProxies: how long until every status is written,
// counted from the first sync. Prints figures with targets and writes bench/results/watcher.json.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { createLogger, createMemoryBus, type SnapshotBus } from '@sesame/shared';
import { createKubeWatcher, loadKubeConfig, type KubeWatcher } from '@sesame/watcher';
import { nowMs, type ApiServerCommand, type ApiServerReport } from './watcher-apiserver.js';

const logger = createLogger({ level: 'warn' });
const HOLDOFF = { holdoffMs: 100, holdoffMaxMs: 500 };
const TARGETS = { changeP50Ms: 250, changeP99Ms: 600, statusSettleMs: 10_000 };

interface ApiServer {
  request(command: ApiServerCommand): Promise<ApiServerReport>;
  close(): Promise<void>;
}

/** Forks the API server process; each command gets one report back. */
function startApiServer(): ApiServer {
  const child: ChildProcess = fork(fileURLToPath(new URL('./watcher-apiserver.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx', '--max-old-space-size=4096'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting: ((r: ApiServerReport) => void)[] = [];
  child.on('message', (report: ApiServerReport) => waiting.shift()?.(report));
  return {
    request: (command) =>
      new Promise((resolve, reject) => {
        waiting.push((report) =>
          report.kind === 'error' ? reject(new Error(report.message)) : resolve(report),
        );
        child.send(command);
      }),
    close: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.send({ kind: 'close' } satisfies ApiServerCommand);
      }),
  };
}

/** A memory bus that timestamps every publish and lets the caller await the next one. */
function timedBus(): { bus: SnapshotBus; next(): Promise<number>; count(): number } {
  const inner = createMemoryBus();
  let waiter: ((at: number) => void) | undefined;
  let count = 0;
  return {
    bus: {
      publish: (snapshot) => {
        const at = nowMs();
        count++;
        waiter?.(at);
        waiter = undefined;
        return inner.publish(snapshot);
      },
      subscribe: (listener) => inner.subscribe(listener),
      close: () => inner.close(),
    },
    next: () =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no publish within 20 s')), 20_000);
        waiter = (at) => {
          clearTimeout(timer);
          resolve(at);
        };
      }),
    count: () => count,
  };
}

function openWatcher(kubeconfig: string, bus: SnapshotBus): KubeWatcher {
  const kubeConfig = loadKubeConfig({ file: kubeconfig, inCluster: false });
  if (!kubeConfig.ok) throw new Error(kubeConfig.errors);
  return createKubeWatcher({
    kubeConfig: kubeConfig.value,
    bus,
    logger,
    registry: new Registry(),
    status: { address: [{ ip: '192.0.2.1' }] },
    ...HOLDOFF,
  });
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

const summary = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? NaN,
    samples: sorted.length,
  };
};

async function changeLatency(dir: string, proxies: number, changes: number) {
  const api = startApiServer();
  try {
    const started = await api.request({ kind: 'start', proxies, dir: join(dir, 'latency') });
    if (started.kind !== 'started') throw new Error('API server did not start');
    const timed = timedBus();
    const watcher = openWatcher(started.kubeconfig, timed.bus);
    const began = performance.now();
    const firstPublish = timed.next();
    await watcher.start();
    const syncedMs = performance.now() - began;
    await firstPublish;
    const firstPublishMs = performance.now() - began;
    await watcher.statusSettled();
    global.gc?.();
    const memory = process.memoryUsage();
    const samples: Record<'proxy' | 'endpoints', number[]> = { proxy: [], endpoints: [] };
    for (let k = 0; k < changes; k++) {
      const what = k % 2 === 0 ? 'proxy' : 'endpoints';
      const published = timed.next();
      const changed = await api.request({
        kind: 'change',
        what,
        index: (k * 7919) % proxies,
        generation: k + 1,
      });
      if (changed.kind !== 'changed') throw new Error('change failed');
      samples[what].push((await published) - changed.atMs);
      // Let the status write for the change land before the next one, as in a cluster at rest.
      await watcher.statusSettled();
    }
    await watcher.close();
    return {
      proxies,
      syncMs: syncedMs,
      firstPublishMs,
      heapUsedMiB: memory.heapUsed / 2 ** 20,
      rssMiB: memory.rss / 2 ** 20,
      all: summary([...samples.proxy, ...samples.endpoints]),
      proxy: summary(samples.proxy),
      endpoints: summary(samples.endpoints),
    };
  } finally {
    await api.close();
  }
}

async function statusSettle(dir: string, proxies: number) {
  const api = startApiServer();
  try {
    const started = await api.request({ kind: 'start', proxies, dir: join(dir, 'status') });
    if (started.kind !== 'started') throw new Error('API server did not start');
    const timed = timedBus();
    const watcher = openWatcher(started.kubeconfig, timed.bus);
    const began = performance.now();
    await watcher.start();
    const synced = performance.now();
    await watcher.statusSettled();
    const settled = performance.now();
    const stats = await api.request({ kind: 'stats' });
    await watcher.close();
    return {
      proxies,
      syncMs: synced - began,
      settleAfterSyncMs: settled - synced,
      statusWrites: stats.kind === 'stats' ? stats.statusWrites : NaN,
    };
  } finally {
    await api.close();
  }
}

/** Runs the benchmark; prints the figures against their targets and writes bench/results/watcher.json. */
export async function main(args: string[]): Promise<void> {
  const arg = (name: string, fallback: number): number => {
    const i = args.indexOf(name);
    return i === -1 ? fallback : Number(args[i + 1]);
  };
  const proxies = arg('--proxies', 10_000);
  const changes = arg('--changes', 100);
  const statusProxies = arg('--status-proxies', 5_000);
  const dir = mkdtempSync(join(tmpdir(), 'sesame-bench-watcher-'));
  try {
    const latency = await changeLatency(dir, proxies, changes);
    const ms = (n: number): string => `${n.toFixed(0)} ms`;
    const check = (value: number, target: number): string => (value <= target ? 'ok' : 'MISSED');
    console.log(
      `watcher at ${proxies} HTTPProxies (+ ${proxies} Services and EndpointSlices), holdoff ${HOLDOFF.holdoffMs}/${HOLDOFF.holdoffMaxMs} ms\n` +
        `  first sync ${ms(latency.syncMs)}, first snapshot ${ms(latency.firstPublishMs)}, heap ${latency.heapUsedMiB.toFixed(0)} MiB, RSS ${latency.rssMiB.toFixed(0)} MiB\n` +
        `  change → snapshot published: p50 ${ms(latency.all.p50)} (target ${TARGETS.changeP50Ms}: ${check(latency.all.p50, TARGETS.changeP50Ms)}), ` +
        `p99 ${ms(latency.all.p99)} (target ${TARGETS.changeP99Ms}: ${check(latency.all.p99, TARGETS.changeP99Ms)}), ${latency.all.samples} changes\n` +
        `    HTTPProxy fqdn:        p50 ${ms(latency.proxy.p50)}, p99 ${ms(latency.proxy.p99)}\n` +
        `    EndpointSlice address: p50 ${ms(latency.endpoints.p50)}, p99 ${ms(latency.endpoints.p99)}`,
    );
    const status = await statusSettle(dir, statusProxies);
    console.log(
      `status at ${statusProxies} HTTPProxies: first sync ${ms(status.syncMs)}, every status written ${ms(status.settleAfterSyncMs)} later ` +
        `(target ${TARGETS.statusSettleMs}: ${check(status.settleAfterSyncMs, TARGETS.statusSettleMs)}), ${status.statusWrites} writes`,
    );
    const out = fileURLToPath(new URL('./results/', import.meta.url));
    mkdirSync(out, { recursive: true });
    writeFileSync(
      `${out}watcher.json`,
      `${JSON.stringify({ date: new Date().toISOString(), targets: TARGETS, holdoff: HOLDOFF, latency, status }, null, 2)}\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
