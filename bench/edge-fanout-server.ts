// The server side of `npm run bench -- edge-fanout`, in its own process (forked by edge-fanout.ts over IPC) so
// its CPU and RSS are its own: either the real edge fed by an in-memory bus, or a floor that streams the same
// pre-encoded bytes over the same mutual TLS and does nothing else: a bare grpc-js server ('floor'), or gRPC
// framed by hand straight on node:http2 with paced writes ('http2', the least any Node server can hold).
import { readFileSync, writeFileSync } from 'node:fs';
import { createSecureServer, type Http2Session, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
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

/** What serves the clients: the real edge, or one of the two floors. */
export type ServerMode = 'edge' | 'floor' | 'http2';

/** Messages from the parent. */
export type ServerCommand =
  | { kind: 'start'; mode: ServerMode; tlsDir: string; clusters: number; shape: SnapshotShape }
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

/** The initial response of each type the snapshot holds, encoded once at version v0. */
function initialResponses(clusters: number, shape: SnapshotShape): Map<string, Buffer> {
  const resources = [...fanoutResources(clusters, shape).values()];
  const initial = new Map<string, Buffer>();
  for (const typeUrl of Object.values(TypeUrl)) {
    const ofType = resources.filter((r) => r.typeUrl === typeUrl);
    if (ofType.length > 0) initial.set(typeUrl, encodeResponse(typeUrl, 'v0', ofType));
  }
  return initial;
}

/** Round `generation`'s endpoint change as a floor sends it. */
const changeResponse = (generation: number): Buffer =>
  encodeResponse(TypeUrl.ClusterLoadAssignment, `v${generation}`, [changedEndpoints(generation)]);

/**
 * What a floor stream does with each request: the bare minimum. It answers the first request of each type
 * with that type's initial response (returned) and, once every initial response is out, only counts the
 * requests (the ACKs of endpoint changes) without even parsing them. `subscribed` runs when the client asks
 * for endpoints, which the changes are sent to.
 */
function floorStream(
  initial: ReadonlyMap<string, Buffer>,
  counter: { acks: number },
  subscribed: () => void,
): (bytes: Buffer) => Buffer | undefined {
  const sent = new Set<string>();
  return (bytes) => {
    if (sent.size === initial.size) {
      counter.acks++;
      return undefined;
    }
    const t = requestType(bytes);
    if (sent.has(t)) return undefined;
    sent.add(t);
    if (t === TypeUrl.ClusterLoadAssignment) subscribed();
    return initial.get(t);
  };
}

const ADS_PATH = '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources';

async function startFloor(tlsDir: string, clusters: number, shape: SnapshotShape): Promise<Fanout> {
  const initial = initialResponses(clusters, shape);
  const counter = { acks: 0 };
  const edsStreams = new Set<ServerDuplexStream<Buffer, Buffer>>();
  const read = (f: string): Buffer => readFileSync(`${tlsDir}/${f}`);
  const server = new Server({ 'grpc.max_concurrent_streams': 65_536, 'grpc.enable_channelz': 0 });
  server.register(
    ADS_PATH,
    (call: ServerDuplexStream<Buffer, Buffer>) => {
      const onRequest = floorStream(initial, counter, () => edsStreams.add(call));
      call.on('data', (bytes: Buffer) => {
        const r = onRequest(bytes);
        if (r !== undefined) call.write(r);
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
      const bytes = changeResponse(generation);
      return () => {
        for (const call of edsStreams) call.write(bytes);
        return Promise.resolve();
      };
    },
    acks: () => Promise.resolve(counter.acks),
    close() {
      server.forceShutdown();
      return Promise.resolve();
    },
  };
}

/** A gRPC length-prefixed message: uncompressed flag, big-endian length, bytes. */
function grpcFrame(message: Buffer): Buffer {
  const out = Buffer.allocUnsafe(message.length + 5);
  out[0] = 0;
  out.writeUInt32BE(message.length, 1);
  message.copy(out, 5);
  return out;
}

const EMPTY_BYTES = Buffer.alloc(0);

/** Cuts a stream's DATA into gRPC messages, whatever the chunk boundaries. */
function grpcMessages(onMessage: (message: Buffer) => void): (chunk: Buffer) => void {
  let pending: Buffer = EMPTY_BYTES;
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 5) {
      const end = 5 + pending.readUInt32BE(1);
      if (pending.length < end) break;
      onMessage(pending.subarray(5, end));
      pending = pending.subarray(end);
    }
    // Keep no view of a chunk between reads: it would hold the whole chunk (a 25 KiB ACK) per stream.
    pending = pending.length === 0 ? EMPTY_BYTES : Buffer.from(pending);
  };
}

/** The edge's piece size: one TLS record's worth, the next piece once the last is written. */
const PIECE_BYTES = 16 * 1024;

/** Writes `framed` to `stream` in paced pieces, after whatever the stream is still writing. */
function pacedWriter(stream: ServerHttp2Stream): (framed: Buffer) => void {
  let tail = Promise.resolve();
  const piece = (framed: Buffer, offset: number): Promise<void> =>
    new Promise((resolve) => {
      if (offset >= framed.length || stream.destroyed) resolve();
      else
        stream.write(framed.subarray(offset, offset + PIECE_BYTES), () =>
          resolve(piece(framed, offset + PIECE_BYTES)),
        );
    });
  return (framed) => {
    tail = tail.then(() => piece(framed, 0));
  };
}

/**
 * The http2 floor: gRPC framed by hand on a node:http2 server (no grpc-js), answering only the ADS method
 * with the same bytes as the grpc-js floor, written in the edge's paced pieces. What it holds per connection
 * is Node's own TLS and HTTP/2 state, the least a server in Node can hold for these clients.
 */
async function startHttp2Floor(tlsDir: string, clusters: number, shape: SnapshotShape): Promise<Fanout> {
  const initial = new Map([...initialResponses(clusters, shape)].map(([t, r]) => [t, grpcFrame(r)]));
  const counter = { acks: 0 };
  const edsStreams = new Map<ServerHttp2Stream, (framed: Buffer) => void>();
  const sessions = new Set<Http2Session>();
  const read = (f: string): Buffer => readFileSync(`${tlsDir}/${f}`);
  const server = createSecureServer({
    ca: read('ca.crt'),
    cert: read('tls.crt'),
    key: read('tls.key'),
    requestCert: true,
    rejectUnauthorized: true,
    settings: { maxConcurrentStreams: 100 },
  });
  server.on('session', (session: Http2Session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
    session.on('error', () => undefined);
  });
  server.on('stream', (stream, headers) => {
    if (headers[':path'] !== ADS_PATH) {
      stream.respond(
        { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12' },
        { endStream: true },
      );
      return;
    }
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    const write = pacedWriter(stream);
    const onRequest = floorStream(initial, counter, () => edsStreams.set(stream, write));
    stream.on(
      'data',
      grpcMessages((message) => {
        const r = onRequest(message);
        if (r !== undefined) write(r);
      }),
    );
    const done = (): void => void edsStreams.delete(stream);
    stream.on('error', done);
    stream.on('close', done);
    stream.on('end', () => {
      done();
      stream.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    prepare(generation) {
      const framed = grpcFrame(changeResponse(generation));
      return () => {
        for (const write of edsStreams.values()) write(framed);
        return Promise.resolve();
      };
    },
    acks: () => Promise.resolve(counter.acks),
    close() {
      for (const session of sessions) session.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
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
      fanout = await { edge: startEdge, floor: startFloor, http2: startHttp2Floor }[command.mode](
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
