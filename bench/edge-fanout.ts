// `npm run bench -- edge-fanout [--sizes 100,1000,5000] [--rounds 5] [--repeat 1] [--clusters 1000]
// [--snapshot eds|full] [--batch 250] [--modes floor,edge,http2]`:
// N simulated Envoys (one process, one mutual-TLS connection each) hold a snapshot of `--clusters` clusters with
// their endpoints over ADS (`--snapshot full` adds what a real ingress snapshot holds besides: two listeners, the
// HTTPS one with a filter chain per TLS secret, one route configuration with a virtual host per cluster, and a
// secret per five clusters, which the clients subscribe to like Envoy); one endpoint change is published; we
// time until every client has received and ACKed it (from the publish in the server process to each ACK
// written, on the shared monotonic clock), and count the bytes, the server's CPU (until the server has read
// every ACK, so the per-stream figure holds the whole round trip) and its RSS. The same clients then run against
// the floor: a bare grpc-js server over the same mutual TLS streaming the same pre-encoded bytes, which does not
// even parse ACKs; and against the http2 floor, the same done by hand on node:http2 with paced writes (no
// grpc-js: what Node's TLS and HTTP/2 alone hold per connection). They alternate `--repeat` times per size and
// medians are reported, with the our/floor ratios; the figures go to bench/results/edge-fanout.json. SESAME_BENCH_PROFILE=DIR writes a CPU
// profile of the change rounds.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { encodeResource, TypeUrl, type Resource } from '@sesame/shared';
import { createTestPki } from '../test/tls/pki.js';
import { listener, secret } from '../test/xds/resources.js';
import type { ClientCommand, ClientReport } from './edge-fanout-clients.js';
import type { ServerCommand, ServerMode, ServerReport } from './edge-fanout-server.js';

const ADS = { ads: {}, resource_api_version: 'V3' };
const CHANGED = 7;

/** What the snapshot holds besides the EDS clusters and their endpoints: nothing, or a real ingress' rest. */
export type SnapshotShape = 'eds' | 'full';

/** The route configuration the HTTP listener takes from RDS (`--snapshot full`). */
export const ROUTE_CONFIG = 'ingress_http';

const clusterName = (i: number): string => `ns-${i % 50}/svc-${i}/80/da39a3ee5e`;
const serviceName = (i: number): string => `ns-${i % 50}/svc-${i}/http`;

function endpointsOf(i: number, generation: number): Resource {
  const name = serviceName(i);
  return encodeResource({
    typeUrl: TypeUrl.ClusterLoadAssignment,
    name,
    message: {
      cluster_name: name,
      endpoints: [
        {
          lb_endpoints: [0, 1, 2].map((k) => ({
            endpoint: {
              address: {
                socket_address: {
                  address: `10.${(i >> 8) & 255}.${i & 255}.${(k * 50 + generation) % 250}`,
                  port_value: 8080,
                },
              },
            },
          })),
        },
      ],
    },
  });
}

/** The TLS secrets of a full snapshot: one per five clusters, as Contour makes one per TLS virtual host. */
export function secretNames(clusters: number, shape: SnapshotShape): string[] {
  if (shape === 'eds') return [];
  return Array.from({ length: Math.ceil(clusters / 5) }, (_, i) => `ns-${i % 50}/tls-${i}`);
}

/** The snapshot every run starts from: `clusters` EDS clusters and their endpoints, keyed "type name". */
export function fanoutResources(clusters: number, shape: SnapshotShape = 'eds'): Map<string, Resource> {
  const out = new Map<string, Resource>();
  const add = (r: Resource): void => void out.set(`${r.typeUrl} ${r.name}`, r);
  if (shape === 'full') for (const r of ingressResources(clusters)) add(r);
  for (let i = 0; i < clusters; i++) {
    add(
      encodeResource({
        typeUrl: TypeUrl.Cluster,
        name: clusterName(i),
        message: {
          name: clusterName(i),
          type: 'EDS',
          connect_timeout: { seconds: 2 },
          eds_cluster_config: { eds_config: ADS, service_name: serviceName(i) },
        },
      }),
    );
    add(endpointsOf(i, 0));
  }
  return out;
}

const hostOf = (i: number): string => `svc-${i}.ns-${i % 50}.example.com`;

/** Listeners, the route configuration and the secrets of a full snapshot. */
function ingressResources(clusters: number): Resource[] {
  const hcm = (statPrefix: string) => ({
    name: 'envoy.filters.network.http_connection_manager',
    typed_config: {
      '@type':
        'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
      stat_prefix: statPrefix,
      rds: { config_source: ADS, route_config_name: ROUTE_CONFIG },
      http_filters: [
        {
          name: 'envoy.filters.http.router',
          typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' },
        },
      ],
    },
  });
  const secrets = secretNames(clusters, 'full');
  const tlsChain = (name: string, i: number) => ({
    filter_chain_match: { server_names: [hostOf(i * 5)] },
    transport_socket: {
      name: 'envoy.transport_sockets.tls',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
        common_tls_context: { tls_certificate_sds_secret_configs: [{ name, sds_config: ADS }] },
      },
    },
    filters: [hcm('ingress_https')],
  });
  const out: Resource[] = [
    listener('ingress_http', { port: 8080, routeConfig: ROUTE_CONFIG }),
    listener('ingress_https', { port: 8443, filterChains: secrets.map(tlsChain) }),
    encodeResource({
      typeUrl: TypeUrl.RouteConfiguration,
      name: ROUTE_CONFIG,
      message: {
        name: ROUTE_CONFIG,
        virtual_hosts: Array.from({ length: clusters }, (_, i) => ({
          name: hostOf(i),
          domains: [hostOf(i)],
          routes: [
            {
              match: { prefix: '/' },
              route: { cluster: clusterName(i), timeout: { seconds: 15 } },
              request_headers_to_add: [{ header: { key: 'x-request-start', value: '%START_TIME%' } }],
            },
          ],
        })),
      },
    }),
  ];
  // Placeholder PEM (the shared test builder's): one of a realistic size would make the initial push of
  // thousands of clients take minutes, and the edge never looks inside a secret.
  for (const name of secrets) out.push(secret(name));
  return out;
}

/** The one endpoint change of round `generation` (≥ 1). */
export function changedEndpoints(generation: number): Resource {
  return endpointsOf(CHANGED, generation);
}

interface Child<C, R> {
  send(command: C): void;
  next<K extends (R extends { kind: infer X } ? X : never)>(kind: K): Promise<Extract<R, { kind: K }>>;
  exited: Promise<void>;
}

function start<C, R extends { kind: string }>(file: string, role: string, heapMb: number): Child<C, R> {
  const child: ChildProcess = fork(fileURLToPath(new URL(file, import.meta.url)), [], {
    execArgv: ['--import', 'tsx', `--max-old-space-size=${heapMb}`],
    env: { ...process.env, SESAME_BENCH_ROLE: role },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const inbox: R[] = [];
  const waiting: Array<(r: R) => void> = [];
  child.on('message', (m: R) => {
    const w = waiting.shift();
    if (w !== undefined) w(m);
    else inbox.push(m);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    send: (command) => void child.send(command as object),
    async next(kind) {
      const m =
        inbox.shift() ??
        (await new Promise<R>((resolve, reject) => {
          waiting.push(resolve);
          void exited.then(() => reject(new Error(`${role} process exited`)));
        }));
      if (m.kind === 'error') throw new Error(`${role}: ${(m as unknown as { message: string }).message}`);
      if (m.kind !== kind) throw new Error(`${role}: expected ${String(kind)}, got ${m.kind}`);
      return m as Extract<R, { kind: typeof kind }>;
    },
    exited,
  };
}

interface RunFigures {
  mode: ServerMode;
  clients: number;
  connectMs: number;
  failed: number;
  /** Per client, publish → ACK written, over every round (ms). */
  latencyMs: { p50: number; p99: number; max: number };
  /** Per round, publish → last client ACKed (ms): the median round. */
  allUpdatedMs: number;
  payloadBytesPerRound: number;
  wireBytesPerRound: number;
  cpuMsPerRound: number;
  /** Rounds whose ACKs the server had not all read within its deadline (their CPU figure is short). */
  unreadAcks: number;
  rssMiB: number;
  heapMiB: number;
  externalMiB: number;
  /** Buffers and other ArrayBuffers (part of external). */
  arrayBuffersMiB: number;
  peakRssMiB: number;
  heapTotalMiB: number;
}

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
const median = (values: readonly number[]): number =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );

async function run(
  mode: ServerMode,
  clients: number,
  options: {
    clusters: number;
    shape: SnapshotShape;
    rounds: number;
    /** Clients connecting at once. */
    batch: number;
    tlsDir: { server: string; client: string };
  },
): Promise<RunFigures> {
  const server = start<ServerCommand, ServerReport>('./edge-fanout-server.ts', 'server', 4096);
  const envoys = start<ClientCommand, ClientReport>('./edge-fanout-clients.ts', 'clients', 8192);
  try {
    server.send({
      kind: 'start',
      mode,
      tlsDir: options.tlsDir.server,
      clusters: options.clusters,
      shape: options.shape,
    });
    const { address } = await server.next('started');
    const edsNames = Array.from({ length: options.clusters }, (_, i) => serviceName(i));
    envoys.send({
      kind: 'connect',
      address,
      tlsDir: options.tlsDir.client,
      count: clients,
      edsNames,
      secretNames: secretNames(options.clusters, options.shape),
      routeNames: options.shape === 'full' ? [ROUTE_CONFIG] : [],
      batch: options.batch,
    });
    const connected = await envoys.next('connected');
    const latencies: number[] = [];
    const allUpdated: number[] = [];
    const payload: number[] = [];
    const wire: number[] = [];
    const cpu: number[] = [];
    let unreadAcks = 0;
    let stats: Extract<ServerReport, { kind: 'stats' }> | undefined;
    for (let round = 1; round <= options.rounds; round++) {
      envoys.send({ kind: 'arm', round });
      await envoys.next('armed');
      server.send({ kind: 'change', generation: round });
      const { atUs } = await server.next('changed');
      const done = await envoys.next('done');
      // The CPU figure covers the server reading every ACK, not just the clients writing them.
      server.send({ kind: 'stats', acks: clients - connected.failed });
      stats = await server.next('stats');
      const ms = done.ackedAtUs.map((t) => (t - atUs) / 1000);
      latencies.push(...ms);
      allUpdated.push(Math.max(...ms));
      payload.push(done.payloadBytes);
      wire.push(stats.wireBytes);
      cpu.push(stats.cpuMs);
      if (!stats.allAcksRead) unreadAcks++;
    }
    latencies.sort((a, b) => a - b);
    return {
      mode,
      clients,
      connectMs: connected.ms,
      failed: connected.failed,
      latencyMs: {
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        max: latencies.at(-1) ?? NaN,
      },
      allUpdatedMs: median(allUpdated),
      payloadBytesPerRound: median(payload),
      wireBytesPerRound: median(wire),
      cpuMsPerRound: median(cpu),
      unreadAcks,
      rssMiB: (stats?.rssBytes ?? NaN) / 2 ** 20,
      heapMiB: (stats?.heapBytes ?? NaN) / 2 ** 20,
      externalMiB: (stats?.externalBytes ?? NaN) / 2 ** 20,
      arrayBuffersMiB: (stats?.arrayBuffersBytes ?? NaN) / 2 ** 20,
      peakRssMiB: (stats?.peakRssBytes ?? NaN) / 2 ** 20,
      heapTotalMiB: (stats?.heapTotalBytes ?? NaN) / 2 ** 20,
    };
  } finally {
    envoys.send({ kind: 'close' });
    server.send({ kind: 'close' });
    await Promise.all([envoys.exited, server.exited]);
  }
}

/** Several runs of one kind as one: the median of each figure. */
function combine(runs: readonly RunFigures[]): RunFigures {
  const first = runs[0];
  if (first === undefined) return EMPTY;
  const m = (f: (r: RunFigures) => number): number => median(runs.map(f));
  return {
    mode: first.mode,
    clients: first.clients,
    connectMs: m((r) => r.connectMs),
    failed: Math.max(...runs.map((r) => r.failed)),
    latencyMs: {
      p50: m((r) => r.latencyMs.p50),
      p99: m((r) => r.latencyMs.p99),
      max: m((r) => r.latencyMs.max),
    },
    allUpdatedMs: m((r) => r.allUpdatedMs),
    payloadBytesPerRound: m((r) => r.payloadBytesPerRound),
    wireBytesPerRound: m((r) => r.wireBytesPerRound),
    cpuMsPerRound: m((r) => r.cpuMsPerRound),
    unreadAcks: Math.max(...runs.map((r) => r.unreadAcks)),
    rssMiB: m((r) => r.rssMiB),
    heapMiB: m((r) => r.heapMiB),
    externalMiB: m((r) => r.externalMiB),
    arrayBuffersMiB: m((r) => r.arrayBuffersMiB),
    peakRssMiB: m((r) => r.peakRssMiB),
    heapTotalMiB: m((r) => r.heapTotalMiB),
  };
}

/** A run that was not asked for: every figure NaN. */
const EMPTY: RunFigures = {
  mode: 'edge',
  clients: 0,
  connectMs: NaN,
  failed: 0,
  latencyMs: { p50: NaN, p99: NaN, max: NaN },
  allUpdatedMs: NaN,
  payloadBytesPerRound: NaN,
  wireBytesPerRound: NaN,
  cpuMsPerRound: NaN,
  unreadAcks: 0,
  rssMiB: NaN,
  heapMiB: NaN,
  externalMiB: NaN,
  arrayBuffersMiB: NaN,
  peakRssMiB: NaN,
  heapTotalMiB: NaN,
};

/** Where the figures come from: they mean little without the machine. */
function machine(): Record<string, unknown> {
  return { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, loadavg: loadavg() };
}

function option(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(name);
  return i === -1 ? fallback : (args[i + 1] ?? fallback);
}

const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : '-');

/** Where a server's memory is, at the end of its rounds. */
const memory = (f: RunFigures): string =>
  `${fmt(f.rssMiB, 0)} MiB (heap ${fmt(f.heapMiB, 0)} of ${fmt(f.heapTotalMiB, 0)}, external ${fmt(f.externalMiB, 0)}, ` +
  `array buffers ${fmt(f.arrayBuffersMiB, 0)}, peak rss ${fmt(f.peakRssMiB, 0)} MiB)`;

/** The servers each size runs against, in this order. */
const SERVER_MODES: readonly ServerMode[] = ['floor', 'edge', 'http2'];

/** One size's figures: the median of each server's runs, and the runs. */
interface SizeResult {
  clients: number;
  edge: RunFigures;
  floor: RunFigures;
  http2: RunFigures;
  runs: Record<ServerMode, RunFigures[]>;
}

/** Runs the fan-out benchmark. */
export async function main(args: string[]): Promise<void> {
  const sizes = option(args, '--sizes', '100,1000,5000').split(',').map(Number);
  const rounds = Number(option(args, '--rounds', '5'));
  const clusters = Number(option(args, '--clusters', '1000'));
  const shape = option(args, '--snapshot', 'eds') === 'full' ? 'full' : 'eds';
  const batch = Number(option(args, '--batch', '250'));
  const modes = option(args, '--modes', 'floor,edge,http2').split(',');
  const repeat = Number(option(args, '--repeat', '1'));
  const pki = await createTestPki();
  const results: SizeResult[] = [];
  try {
    const tlsDir = { server: pki.server.dir, client: pki.client.dir };
    for (const clients of sizes) {
      // The servers alternate, so a noisy neighbour on the machine weighs on all alike.
      const runs: Record<ServerMode, RunFigures[]> = { floor: [], edge: [], http2: [] };
      for (let r = 0; r < repeat; r++) {
        const options = { clusters, shape, rounds, batch, tlsDir } as const;
        for (const mode of SERVER_MODES)
          if (modes.includes(mode)) runs[mode].push(await run(mode, clients, options));
      }
      const [edge, floor, http2] = [combine(runs.edge), combine(runs.floor), combine(runs.http2)];
      results.push({ clients, edge, floor, http2, runs });
      console.log(
        `N=${clients}: edge all-updated ${fmt(edge.allUpdatedMs)} ms (floor ${fmt(floor.allUpdatedMs)} ms, ` +
          `http2 floor ${fmt(http2.allUpdatedMs)} ms), rss ${memory(edge)} (floor ${memory(floor)}; ` +
          `http2 floor ${memory(http2)})`,
      );
    }
  } finally {
    await pki.cleanup();
  }
  printTable(results, clusters, shape);
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    `${dir}edge-fanout.json`,
    `${JSON.stringify({ date: new Date().toISOString(), clusters, shape, rounds, repeat, machine: machine(), results }, null, 2)}\n`,
  );
}

function printTable(results: readonly SizeResult[], clusters: number, shape: SnapshotShape): void {
  const rows: string[][] = [
    [
      'N',
      'who',
      'p50 ms',
      'p99 ms',
      'max ms',
      'all ms',
      'payload B',
      'wire B',
      'cpu ms',
      'cpu µs/stream',
      'rss MiB',
      'connect s',
    ],
  ];
  for (const { clients, edge, floor, http2 } of results) {
    for (const f of [edge, floor, http2]) {
      if (f.clients === 0) continue;
      rows.push([
        String(clients),
        f.mode,
        fmt(f.latencyMs.p50),
        fmt(f.latencyMs.p99),
        fmt(f.latencyMs.max),
        fmt(f.allUpdatedMs),
        String(f.payloadBytesPerRound),
        String(f.wireBytesPerRound),
        fmt(f.cpuMsPerRound),
        fmt((f.cpuMsPerRound * 1000) / f.clients, 0) + (f.unreadAcks > 0 ? '*' : ''),
        fmt(f.rssMiB, 0),
        fmt(f.connectMs / 1000),
      ]);
    }
    if (edge.clients !== 0 && floor.clients !== 0) rows.push(ratioRow(clients, 'ratio', edge, floor));
    if (edge.clients !== 0 && http2.clients !== 0) rows.push(ratioRow(clients, '/http2', edge, http2));
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  console.log(
    `\nedge-fanout: ${clusters} clusters (${shape} snapshot), one endpoint change, time until every client ACKed it`,
  );
  for (const row of rows) console.log(row.map((cell, c) => cell.padStart(widths[c]!)).join('  '));
  if (results.some((x) => [x.edge, x.floor, x.http2].some((f) => f.unreadAcks > 0)))
    console.log('* some ACKs were still unread when the CPU was taken: that figure is short');
  const at = (n: number) => results.find((x) => x.clients === n);
  const thousand = at(1000);
  const fiveK = at(5000);
  console.log('\ntargets (2-core machine):');
  if (thousand !== undefined && thousand.edge.clients !== 0 && thousand.floor.clients !== 0) {
    const ratio = thousand.edge.allUpdatedMs / thousand.floor.allUpdatedMs;
    console.log(
      `  1,000 Envoys updated in ≤ 2x the floor: ${fmt(ratio, 2)}x ${ratio <= 2 ? 'OK' : 'MISSED'}`,
    );
  }
  if (fiveK !== undefined && fiveK.edge.clients !== 0) {
    const rss = fiveK.edge.rssMiB;
    console.log(
      `  5,000 streams in ≤ 600 MiB edge RSS:    ${fmt(rss, 0)} MiB ${rss <= 600 ? 'OK' : 'MISSED'}` +
        (fiveK.http2.clients === 0 ? '' : ` (http2 floor: ${fmt(fiveK.http2.rssMiB, 0)} MiB)`),
    );
  }
}

/** The edge's figures over a floor's. */
function ratioRow(clients: number, label: string, edge: RunFigures, floor: RunFigures): string[] {
  const r = (a: number, b: number): string => `${fmt(a / b, 2)}x`;
  return [
    String(clients),
    label,
    r(edge.latencyMs.p50, floor.latencyMs.p50),
    r(edge.latencyMs.p99, floor.latencyMs.p99),
    r(edge.latencyMs.max, floor.latencyMs.max),
    r(edge.allUpdatedMs, floor.allUpdatedMs),
    r(edge.payloadBytesPerRound, floor.payloadBytesPerRound),
    r(edge.wireBytesPerRound, floor.wireBytesPerRound),
    r(edge.cpuMsPerRound, floor.cpuMsPerRound),
    '',
    r(edge.rssMiB, floor.rssMiB),
    '',
  ];
}
