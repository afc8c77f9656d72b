// `npx tsx test/watcher/folder-change-cpu.ts [--proxies 10000] [--rounds 5] [--layout objects|lists]
// [--write in-place|rename] [--profile file.cpuprofile]`: the watcher's CPU per one-file change of a
// manifests folder, in process and with a memory bus. Writes the synthetic cluster (one file per object, or
// the e2e benchmark's few big List files), starts the watcher, then rewrites one small file per round (an
// EndpointSlice's addresses) and measures the process CPU from the write to the snapshot handed to the bus.
// Prints figures; asserts nothing. Run `npx tsc -b` first: it imports the built packages. `--profile`
// writes a CPU profile of the change rounds only.
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger, createMemoryBus, type SnapshotBus } from '@sesame/shared';
import { createWatcher, type KubeObject } from '@sesame/watcher';
import { BENCH_SIZE, syntheticCluster, syntheticSlice, type ClusterSize } from './synthetic-cluster.js';

/** A memory bus that lets the caller await the next publish. */
function awaitableBus(): { bus: SnapshotBus; next(): Promise<void> } {
  const inner = createMemoryBus();
  let waiter: (() => void) | undefined;
  return {
    bus: {
      publish: async (snapshot) => {
        const outcome = await inner.publish(snapshot);
        waiter?.();
        waiter = undefined;
        return outcome;
      },
      subscribe: (listener) => inner.subscribe(listener),
      close: () => inner.close(),
    },
    next: () =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no publish within 60 s')), 60_000);
        waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      }),
  };
}

const json = (objects: readonly KubeObject[]): string =>
  objects.length === 1
    ? JSON.stringify(objects[0]?.manifest)
    : JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects.map((o) => o.manifest) });

async function writeCluster(dir: string, size: ClusterSize, layout: string): Promise<void> {
  const cluster = syntheticCluster(size);
  const groups = { services: cluster.services, slices: cluster.slices.slice(1), secrets: cluster.secrets };
  const all = { ...groups, proxies: cluster.proxies };
  for (const [group, objects] of Object.entries(all)) {
    if (layout === 'lists') await writeFile(join(dir, `${group}.json`), json(objects));
    else for (const [i, o] of objects.entries()) await writeFile(join(dir, `${group}-${i}.json`), json([o]));
  }
}

const ms = (micros: number): string => (micros / 1000).toFixed(1);

/** Runs the measurement. */
export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      proxies: { type: 'string', default: '10000' },
      rounds: { type: 'string', default: '5' },
      layout: { type: 'string', default: 'objects' },
      profile: { type: 'string' },
      write: { type: 'string', default: 'in-place' },
    },
  });
  const proxies = Number(values.proxies);
  const size: ClusterSize = {
    ...BENCH_SIZE,
    proxies,
    services: proxies,
    tlsSecrets: Math.round(proxies / 5),
  };
  const dir = await mkdtemp(join(tmpdir(), 'sesame-folder-cpu-'));
  try {
    await writeCluster(dir, size, values.layout);
    const changing = join(dir, 'changing-slice.json');
    await writeFile(changing, json([syntheticSlice(0, size)]));
    const timed = awaitableBus();
    const bus = timed.bus;
    const logger = createLogger({ level: 'warn' });
    const watcher = createWatcher({ source: { dir }, bus, logger, holdoffMs: 50, holdoffMaxMs: 200 });
    let cpu = process.cpuUsage();
    await watcher.start();
    let used = process.cpuUsage(cpu);
    console.log(`first load: ${ms(used.user + used.system)} ms CPU (load ${loadavg()[0]?.toFixed(2)})`);
    const session = values.profile === undefined ? undefined : new Session();
    session?.connect();
    await session?.post('Profiler.enable');
    await session?.post('Profiler.start');
    for (let round = 1; round <= Number(values.rounds); round++) {
      const published = timed.next();
      cpu = process.cpuUsage();
      const text = json([syntheticSlice(0, size, round)]);
      if (values.write === 'rename') {
        // How editors and kubectl cp write: a temporary file renamed over the old one.
        await writeFile(`${changing}.tmp`, text);
        await rename(`${changing}.tmp`, changing);
      } else await writeFile(changing, text);
      await published;
      used = process.cpuUsage(cpu);
      const total = used.user + used.system;
      console.log(
        `change ${round}: ${ms(total)} ms CPU (user ${ms(used.user)}, system ${ms(used.system)}; load ${loadavg()[0]?.toFixed(2)})`,
      );
    }
    if (session !== undefined && values.profile !== undefined) {
      const { profile } = await session.post('Profiler.stop');
      await writeFile(values.profile, JSON.stringify(profile));
      session.disconnect();
    }
    await watcher.close();
    await bus.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) await main(process.argv.slice(2));
