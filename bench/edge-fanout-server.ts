// The server side of `npm run bench -- edge-fanout`, in its own process (forked by edge-fanout.ts over IPC) so
// its CPU and RSS are its own: either the real edge fed by an in-memory bus, or the floor, a bare grpc-js
// server over the same mutual TLS that streams the same pre-encoded bytes and does nothing else.
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { Server, ServerCredentials, type ServerDuplexStream } from '@grpc/grpc-js';
import {
  createLogger,
  createMemoryBus,
  createSnapshot,
  lookupMessage,
  TypeUrl,
  type Resource,
  type Snapshot,
} from '@sesame/shared';
import { createEdge, type Edge } from '@sesame/xds-edge';
import protobuf from 'protobufjs';
import { Registry } from 'prom-client';
import { changedEndpoints, fanoutResources, type SnapshotShape } from './edge-fanout.js';

/** Messages from the parent. */
export type ServerCommand =
  | { kind: 'start'; mode: 'edge' | 'floor'; tlsDir: string; clusters: number; shape: SnapshotShape }
  | { kind: 'change'; generation: number }
  /** Taken once the server has read `acks` endpoint ACKs since the change (or after a deadline). */
  | { kind: 'stats'; acks: number }
  | { kind: 'close' };

/** Messages to the parent. */
export type ServerReport =
  | { kind: 'started'; address: string }
  | { kind: 'changed'; atUs: number }
  | {
      kind: 'stats';
      cpuMs: number;
      wireBytes: number;
      rssBytes: number;
      heapBytes: number;
      externalBytes: number;
      arrayBuffersBytes: number;
      /** The highest RSS the process reached (VmHWM): the initial push, typically. */
      peakRssBytes: number;
      /** The V8 heap the process holds, used or not. */
      heapTotalBytes: number;
      /** False when the deadline passed before the server read every ACK. */
      allAcksRead: boolean;
    }
  | { kind: 'error'; message: string };

interface Fanout {
  address: string;
  /**
   * Readies round `generation`'s change (the snapshot a watcher would publish, the floor's encoded
   * response) and returns the act of publishing it, which is what the clock measures.
   */
  prepare(generation: number): () => Promise<void>;
  /** Endpoint (EDS) ACKs the server has read so far. */
  acks(): Promise<number>;
  close(): Promise<void>;
}

function snapshotOf(resources: Iterable<Resource>): Snapshot {
  const r = createSnapshot(resources);
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.value;
}

async function startEdge(tlsDir: string, clusters: number, shape: SnapshotShape): Promise<Fanout> {
  const bus = createMemoryBus();
  const resources = fanoutResources(clusters, shape);
  const registry = new Registry();
  await bus.publish(snapshotOf(resources.values()));
  const edge: Edge = await createEdge({
    bus,
    tlsDir,
    address: { host: '127.0.0.1', port: 0 },
    logger: createLogger({ level: 'silent' }),
    registry,
  });
  return {
    address: `127.0.0.1:${edge.address.port}`,
    prepare(generation) {
      const r = changedEndpoints(generation);
      resources.set(`${r.typeUrl} ${r.name}`, r);
      const snapshot = snapshotOf(resources.values());
      return async () => {
        await bus.publish(snapshot);
      };
    },
    async acks() {
      const metric = await registry.getSingleMetric('sesame_xds_acks_total')?.get();
      return metric?.values.find((v) => v.labels['type'] === 'eds')?.value ?? 0;
    },
    async close() {
      await edge.close({ graceMs: 100 });
      await bus.close();
    },
  };
}

const RESPONSE = 'envoy.service.discovery.v3.DiscoveryResponse';

function encodeResponse(typeUrl: string, version: string, resources: Iterable<Resource>): Buffer {
  const type = lookupMessage(RESPONSE);
  const message = {
    version_info: version,
    type_url: typeUrl,
    nonce: version,
    resources: [...resources].map((r) => ({ type_url: r.typeUrl, value: r.body })),
  };
  return Buffer.from(type.encode(message).finish());
}

/** The type_url of a request, skipping every other field. */
function requestType(bytes: Buffer): string {
  const reader = protobuf.Reader.create(bytes);
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 === 4) return reader.string();
    reader.skipType(tag & 7);
  }
  return '';
}

async function startFloor(tlsDir: string, clusters: number, shape: SnapshotShape): Promise<Fanout> {
  const resources = fanoutResources(clusters, shape);
  const initial = new Map<string, Buffer>();
  for (const typeUrl of Object.values(TypeUrl)) {
    const ofType = [...resources.values()].filter((r) => r.typeUrl === typeUrl);
    if (ofType.length > 0) initial.set(typeUrl, encodeResponse(typeUrl, 'v0', ofType));
  }
  // Once every initial response is out, the only requests left are the ACKs of endpoint changes.
  let acks = 0;
  const edsStreams = new Set<ServerDuplexStream<Buffer, Buffer>>();
  const read = (f: string): Buffer => readFileSync(`${tlsDir}/${f}`);
  const server = new Server({ 'grpc.max_concurrent_streams': 65_536, 'grpc.enable_channelz': 0 });
  server.register(
    '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources',
    (call: ServerDuplexStream<Buffer, Buffer>) => {
      const sent = new Set<string>();
      call.on('data', (bytes: Buffer) => {
        // The bare minimum: once both initial responses are out, requests (ACKs) are not even parsed.
        if (sent.size === initial.size) {
          acks++;
          return;
        }
        const t = requestType(bytes);
        if (sent.has(t)) return;
        sent.add(t);
        const r = initial.get(t);
        if (r !== undefined) call.write(r);
        if (t === TypeUrl.ClusterLoadAssignment) edsStreams.add(call);
      });
      const done = (): void => void edsStreams.delete(call);
      call.on('cancelled', done);
      call.on('error', done);
      call.on('end', () => {
        done();
        call.end();
      });
    },
    (b: Buffer) => b,
    (b: Buffer) => b,
    'bidi',
  );
  const creds = ServerCredentials.createSsl(
    read('ca.crt'),
    [{ cert_chain: read('tls.crt'), private_key: read('tls.key') }],
    true,
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', creds, (err, p) => (err === null ? resolve(p) : reject(err))),
  );
  return {
    address: `127.0.0.1:${port}`,
    prepare(generation) {
      const bytes = encodeResponse(TypeUrl.ClusterLoadAssignment, `v${generation}`, [
        changedEndpoints(generation),
      ]);
      return () => {
        for (const call of edsStreams) call.write(bytes);
        return Promise.resolve();
      };
    },
    acks: () => Promise.resolve(acks),
    close() {
      server.forceShutdown();
      return Promise.resolve();
    },
  };
}

/** The process' peak resident set size, from /proc. */
function peakRss(): number {
  const status = readFileSync('/proc/self/status', 'utf8');
  return Number(/^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1] ?? NaN) * 1024;
}

/** Bytes this process has written to file descriptors so far (sockets included), from /proc. */
function writtenBytes(): number {
  const io = readFileSync('/proc/self/io', 'utf8');
  return Number(/^wchar: (\d+)$/m.exec(io)?.[1] ?? 0);
}

/**
 * SESAME_BENCH_PROFILE=DIR: a CPU profile of the change rounds only (from the first change to the last
 * stats), written to DIR/<mode>-<pid>.cpuprofile when the process closes.
 */
const profileDir = process.env['SESAME_BENCH_PROFILE'];
const profiler = profileDir === undefined ? undefined : new Session();
let profileMode = 'server';

function post(method: string): Promise<unknown> {
  return new Promise((resolve, reject) =>
    profiler?.post(method, (err, result) => (err === null ? resolve(result) : reject(err))),
  );
}

let fanout: Fanout | undefined;
let mark = { cpu: process.cpuUsage(), wchar: 0, acks: 0 };

/** Resolves once `count` more ACKs than at the change were read, or false after a generous deadline. */
async function acksRead(count: number): Promise<boolean> {
  const deadline = performance.now() + 120_000;
  while (fanout !== undefined && (await fanout.acks()) - mark.acks < count) {
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return true;
}

function send(report: ServerReport): void {
  process.send?.(report);
}

async function onCommand(command: ServerCommand): Promise<void> {
  switch (command.kind) {
    case 'start':
      profileMode = command.mode;
      fanout = await (command.mode === 'edge' ? startEdge : startFloor)(
        command.tlsDir,
        command.clusters,
        command.shape,
      );
      send({ kind: 'started', address: fanout.address });
      break;
    case 'change': {
      if (profiler !== undefined && command.generation === 1) {
        profiler.connect();
        await post('Profiler.enable');
        await post('Profiler.start');
      }
      const publish = fanout?.prepare(command.generation);
      mark = { cpu: process.cpuUsage(), wchar: writtenBytes(), acks: (await fanout?.acks()) ?? 0 };
      const atUs = Number(process.hrtime.bigint() / 1000n);
      await publish?.();
      send({ kind: 'changed', atUs });
      break;
    }
    case 'stats': {
      const allAcksRead = await acksRead(command.acks);
      const cpu = process.cpuUsage(mark.cpu);
      const memory = process.memoryUsage();
      send({
        kind: 'stats',
        cpuMs: (cpu.user + cpu.system) / 1000,
        wireBytes: writtenBytes() - mark.wchar,
        rssBytes: memory.rss,
        heapBytes: memory.heapUsed,
        externalBytes: memory.external,
        arrayBuffersBytes: memory.arrayBuffers,
        peakRssBytes: peakRss(),
        heapTotalBytes: memory.heapTotal,
        allAcksRead,
      });
      break;
    }
    case 'close':
      if (profiler !== undefined && profileDir !== undefined) {
        const { profile } = (await post('Profiler.stop')) as { profile: object };
        writeFileSync(`${profileDir}/${profileMode}-${process.pid}.cpuprofile`, JSON.stringify(profile));
      }
      await fanout?.close();
      process.disconnect?.();
      break;
  }
}

/** Not a benchmark of its own: edge-fanout.ts forks this file. */
export function main(): Promise<void> {
  console.error('edge-fanout-server is started by `npm run bench -- edge-fanout`');
  process.exitCode = 2;
  return Promise.resolve();
}

if (process.send !== undefined && process.env['SESAME_BENCH_ROLE'] === 'server') {
  process.on('message', (command: ServerCommand) => {
    onCommand(command).catch((err: unknown) => send({ kind: 'error', message: (err as Error).message }));
  });
}
