// The split deployment as real processes on loopback, for the fault suite and the end-to-end benchmark: a bus
// server (nats-server or redis-server), watcher(s) and edges started with the `sesame` CLI, certificates from
// `sesame certgen`, and a shared bus key. Everything it starts it stops; kill -9 and restarts are the tests'.
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runSesame, startSesame, type SesameProcess } from '../cli/run-sesame.js';
import {
  startNatsServer,
  startRedisServer,
  type NatsTestServer,
  type RedisTestServer,
} from '../servers/index.js';

/** A `sesame` child process and where its admin endpoint listens. */
export interface SesameChild {
  readonly name: string;
  readonly process: SesameProcess;
  readonly pid: number;
  /** `host:port` of /metrics, /healthz, /readyz. */
  readonly admin: string;
}

/** An edge child process and its xDS address. */
export interface EdgeChild extends SesameChild {
  readonly xds: string;
}

/** How to lay out the deployment. */
export interface TopologyOptions {
  /** A fresh working directory (certificates, bus key). */
  readonly dir: string;
  readonly bus: 'nats' | 'redis';
  /** Redis only: append-only file, fsynced on every write (so a kill -9 loses nothing acknowledged). */
  readonly redisPersist?: boolean;
  /** What the watchers read: `['--source', DIR]` or `['--source', 'kube', '--kubeconfig', F, …]`. */
  readonly sourceArgs: readonly string[];
  /** More watcher flags (holdoff, leader election). */
  readonly watcherArgs?: readonly string[];
  readonly logLevel?: string;
  /** How long a watcher may take to publish its first snapshot, and an edge to load it (big benchmarks). */
  readonly startTimeoutMs?: number;
}

/** A running deployment. */
export interface Topology {
  readonly certs: { readonly edge: string; readonly envoy: string };
  readonly bus: NatsTestServer | RedisTestServer;
  readonly busFlags: readonly string[];
  readonly watchers: SesameChild[];
  readonly edges: EdgeChild[];
  /** Starts a watcher; waits for its first publication, or (`standby`) only for its admin endpoint. */
  startWatcher(options?: { standby?: boolean; args?: readonly string[] }): Promise<SesameChild>;
  /** Starts an edge and waits until it serves its first snapshot. */
  startEdge(): Promise<EdgeChild>;
  /** `host:port` of every edge that is still running. */
  edgeAddresses(): string[];
  /** Stops every process still running (SIGTERM, then SIGKILL) and the bus server. */
  close(): Promise<void>;
}

const field = (line: Record<string, unknown>, key: string): string => String(line[key]);

/** Issues certificates and a bus key, starts the bus server. Watchers and edges are started by the caller. */
export async function createTopology(options: TopologyOptions): Promise<Topology> {
  const certgen = await runSesame(['certgen', '--out-dir', join(options.dir, 'certs')]);
  if (certgen.code !== 0) throw new Error(`sesame certgen failed: ${certgen.stderr}`);
  const keyFile = join(options.dir, 'bus.key');
  await writeFile(keyFile, `${randomBytes(32).toString('base64')}\n`);
  const bus =
    options.bus === 'nats'
      ? await startNatsServer()
      : await startRedisServer({ persist: options.redisPersist ?? false });
  const busFlags = ['--bus', bus.url, '--bus-key-file', keyFile];
  const logFlags = ['--log-level', options.logLevel ?? 'info'];
  const timeoutMs = options.startTimeoutMs ?? 20_000;
  const watchers: SesameChild[] = [];
  const edges: EdgeChild[] = [];
  const all: SesameChild[] = [];
  let count = 0;

  const adminOf = async (p: SesameProcess): Promise<string> =>
    field(await p.waitForLog((l) => l['msg'] === 'admin server listening', timeoutMs), 'address');

  const topology: Topology = {
    certs: { edge: join(options.dir, 'certs', 'edge'), envoy: join(options.dir, 'certs', 'envoy') },
    bus,
    busFlags,
    watchers,
    edges,
    async startWatcher(watcherOptions = {}) {
      const p = startSesame([
        'watcher',
        ...options.sourceArgs,
        ...busFlags,
        ...['--admin', '127.0.0.1:0'],
        ...logFlags,
        ...(options.watcherArgs ?? []),
        ...(watcherOptions.args ?? []),
      ]);
      const child: SesameChild = {
        name: `watcher-${++count}`,
        process: p,
        pid: p.child.pid ?? 0,
        admin: '',
      };
      all.push(child);
      if (watcherOptions.standby !== true) {
        await p.waitForLog(
          (l) => l['msg'] === 'published snapshot' || l['msg'] === 'snapshot unchanged on the bus',
          timeoutMs,
        );
      }
      const started = { ...child, admin: await adminOf(p) };
      all[all.indexOf(child)] = started;
      watchers.push(started);
      return started;
    },
    async startEdge() {
      const p = startSesame([
        'edge',
        ...busFlags,
        ...['--tls-dir', topology.certs.edge, '--xds-address', '127.0.0.1:0', '--admin', '127.0.0.1:0'],
        ...logFlags,
      ]);
      const placeholder: SesameChild = {
        name: `edge-${++count}`,
        process: p,
        pid: p.child.pid ?? 0,
        admin: '',
      };
      all.push(placeholder);
      const listening = await p.waitForLog(
        (l) => String(l['msg']).startsWith('xDS edge listening'),
        timeoutMs,
      );
      await p.waitForLog((l) => l['msg'] === 'first snapshot received; serving', timeoutMs);
      const edge: EdgeChild = { ...placeholder, admin: await adminOf(p), xds: field(listening, 'address') };
      all[all.indexOf(placeholder)] = edge;
      edges.push(edge);
      return edge;
    },
    edgeAddresses: () => edges.filter((e) => running(e)).map((e) => e.xds),
    async close() {
      await Promise.all(
        all.map(async (c) => {
          if (!running(c)) return;
          const timer = setTimeout(() => c.process.child.kill('SIGKILL'), 10_000);
          await c.process.stop();
          clearTimeout(timer);
        }),
      );
      await bus.stop();
    },
  };
  return topology;
}

/** Whether a child is still running. */
export function running(child: SesameChild): boolean {
  const c = child.process.child;
  return c.exitCode === null && c.signalCode === null;
}

/** kill -9, resolving once the process is gone. */
export async function killHard(child: SesameChild): Promise<void> {
  if (!running(child)) return;
  const gone = new Promise<void>((resolve) => child.process.child.once('exit', () => resolve()));
  child.process.child.kill('SIGKILL');
  await gone;
}
