// The simulated Envoys of `npm run bench -- edge-fanout`, in their own process (forked by edge-fanout.ts over
// IPC): N ADS streams, each on its own mutual-TLS connection, that subscribe like an Envoy with ADS (CDS
// wildcard, then EDS for every cluster and, when the snapshot has them, LDS wildcard, then RDS and SDS for what
// the listeners name), ACK every response (repeating the whole name list, as Envoy does) and report when they
// ACKed the change the parent armed them for. They read only a response's envelope, so the client side stays cheap.
import { readFileSync } from 'node:fs';
import {
  Client,
  credentials,
  Metadata,
  type ChannelCredentials,
  type ClientDuplexStream,
} from '@grpc/grpc-js';
import { lookupMessage, TypeUrl } from '@sesame/shared';
import protobuf from 'protobufjs';

/** Messages from the parent. */
export type ClientCommand =
  | {
      kind: 'connect';
      address: string;
      tlsDir: string;
      count: number;
      edsNames: readonly string[];
      /** Empty when the snapshot holds only clusters and endpoints: then no LDS, RDS or SDS either. */
      secretNames: readonly string[];
      routeNames: readonly string[];
      /** Connections opened at once; the next batch starts when these hold their initial state. */
      batch: number;
    }
  | { kind: 'arm'; round: number }
  | { kind: 'close' };

/** Messages to the parent. */
export type ClientReport =
  | { kind: 'connected'; ms: number; failed: number }
  | { kind: 'armed'; round: number }
  | {
      kind: 'done';
      round: number;
      /** process.hrtime in microseconds (CLOCK_MONOTONIC, comparable across processes) at each ACK. */
      ackedAtUs: number[];
      /** Bytes of the response messages that carried the change. */
      payloadBytes: number;
    }
  | { kind: 'error'; message: string };

const REQUEST = 'envoy.service.discovery.v3.DiscoveryRequest';

interface Envelope {
  typeUrl: string;
  version: string;
  nonce: string;
  bytes: number;
}

/** Reads version_info (1), type_url (4) and nonce (5) of a DiscoveryResponse and skips the resources. */
function envelope(bytes: Buffer): Envelope {
  const reader = protobuf.Reader.create(bytes);
  const out: Envelope = { typeUrl: '', version: '', nonce: '', bytes: bytes.length };
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const field = tag >>> 3;
    if (field === 1) out.version = reader.string();
    else if (field === 4) out.typeUrl = reader.string();
    else if (field === 5) out.nonce = reader.string();
    else reader.skipType(tag & 7);
  }
  return out;
}

/**
 * Request encoder: the subscription part of each type is encoded once and reused by every client and every
 * ACK; only version, nonce (and the node on the first request) are encoded per request. Concatenated
 * protobuf encodings of the same message merge into one.
 */
function requestEncoder(
  names: Pick<Extract<ClientCommand, { kind: 'connect' }>, 'edsNames' | 'secretNames' | 'routeNames'>,
) {
  const type = lookupMessage(REQUEST);
  const encode = (o: Record<string, unknown>): Buffer =>
    Buffer.from(type.encode(type.fromObject(o)).finish());
  const fixed = new Map<string, Buffer>([
    [TypeUrl.Cluster, encode({ type_url: TypeUrl.Cluster })],
    [TypeUrl.Listener, encode({ type_url: TypeUrl.Listener })],
    [
      TypeUrl.ClusterLoadAssignment,
      encode({ type_url: TypeUrl.ClusterLoadAssignment, resource_names: names.edsNames }),
    ],
    [
      TypeUrl.RouteConfiguration,
      encode({ type_url: TypeUrl.RouteConfiguration, resource_names: names.routeNames }),
    ],
    [TypeUrl.Secret, encode({ type_url: TypeUrl.Secret, resource_names: names.secretNames })],
  ]);
  return (typeUrl: string, version: string, nonce: string, nodeId?: string): Buffer => {
    const subscription = fixed.get(typeUrl) ?? encode({ type_url: typeUrl });
    const variable = encode({
      version_info: version,
      response_nonce: nonce,
      ...(nodeId === undefined ? {} : { node: { id: nodeId, cluster: 'bench', user_agent_name: 'envoy' } }),
    });
    return Buffer.concat([subscription, variable]);
  };
}

class SimulatedEnvoy {
  private readonly client: Client;
  private readonly call: ClientDuplexStream<Buffer, Buffer>;
  private readonly versions = new Map<string, string>();
  private armedFrom: string | undefined;
  private armed = false;
  failed = false;

  constructor(
    id: number,
    address: string,
    creds: ChannelCredentials,
    private readonly encode: ReturnType<typeof requestEncoder>,
    /** The types whose first response makes this client ready (the snapshot's types). */
    private readonly awaited: ReadonlySet<string>,
    private readonly onReady: () => void,
    private readonly onChange: (at: bigint, bytes: number) => void,
  ) {
    this.client = new Client(address, creds, {
      'grpc.ssl_target_name_override': 'sesame-xds',
      'grpc.default_authority': 'sesame-xds',
      // One connection per simulated Envoy, as in a real fleet (grpc-js would otherwise share one).
      'grpc.use_local_subchannel_pool': 1,
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
    });
    this.call = this.client.makeBidiStreamRequest(
      '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources',
      (b: Buffer) => b,
      (b: Buffer) => b,
      new Metadata(),
    );
    this.call.on('data', (bytes: Buffer) => this.onResponse(envelope(bytes)));
    this.call.on('error', () => {
      this.failed = true;
      this.onReady();
    });
    this.call.write(this.encode(TypeUrl.Cluster, '', '', `envoy-${id}`));
  }

  private onResponse(r: Envelope): void {
    const first = !this.versions.has(r.typeUrl);
    this.versions.set(r.typeUrl, r.version);
    this.call.write(this.encode(r.typeUrl, r.version, r.nonce));
    if (r.typeUrl === TypeUrl.Cluster && first) {
      // Envoy asks for the endpoints of the clusters it just received, then for the listeners.
      this.call.write(this.encode(TypeUrl.ClusterLoadAssignment, '', ''));
      if (this.awaited.has(TypeUrl.Listener)) this.call.write(this.encode(TypeUrl.Listener, '', ''));
    }
    if (r.typeUrl === TypeUrl.Listener && first) {
      // ... and for the routes and secrets the listeners name.
      this.call.write(this.encode(TypeUrl.RouteConfiguration, '', ''));
      this.call.write(this.encode(TypeUrl.Secret, '', ''));
    }
    if (first && [...this.awaited].every((t) => this.versions.has(t))) this.onReady();
    if (r.typeUrl === TypeUrl.ClusterLoadAssignment) {
      if (first) return;
      if (this.armed && r.version !== this.armedFrom) {
        this.armed = false;
        this.onChange(process.hrtime.bigint(), r.bytes);
      }
    }
  }

  arm(): void {
    this.armed = true;
    this.armedFrom = this.versions.get(TypeUrl.ClusterLoadAssignment);
  }

  close(): void {
    this.call.cancel();
    this.client.close();
  }
}

async function connectAll(command: Extract<ClientCommand, { kind: 'connect' }>): Promise<SimulatedEnvoy[]> {
  const read = (f: string): Buffer => readFileSync(`${command.tlsDir}/${f}`);
  const creds = credentials.createSsl(read('ca.crt'), read('tls.key'), read('tls.crt'));
  const encode = requestEncoder(command);
  const awaited = new Set<string>([TypeUrl.Cluster, TypeUrl.ClusterLoadAssignment]);
  if (command.secretNames.length > 0) {
    for (const t of [TypeUrl.Listener, TypeUrl.RouteConfiguration, TypeUrl.Secret]) awaited.add(t);
  }
  const envoys: SimulatedEnvoy[] = [];
  for (let start = 0; start < command.count; start += command.batch) {
    const size = Math.min(command.batch, command.count - start);
    await new Promise<void>((resolve) => {
      let ready = 0;
      const onReady = (): void => {
        if (++ready === size) resolve();
      };
      for (let i = 0; i < size; i++) {
        envoys.push(
          new SimulatedEnvoy(start + i, command.address, creds, encode, awaited, onReady, (at, bytes) =>
            change(at, bytes),
          ),
        );
      }
    });
  }
  return envoys;
}

let envoys: SimulatedEnvoy[] = [];
let round: { id: number; acked: number[]; bytes: number } | undefined;

function change(at: bigint, bytes: number): void {
  if (round === undefined) return;
  round.acked.push(Number(at / 1000n));
  round.bytes += bytes;
  // A simulated Envoy whose stream failed never ACKs: wait only for the live ones.
  if (round.acked.length === envoys.filter((e) => !e.failed).length) {
    send({ kind: 'done', round: round.id, ackedAtUs: round.acked, payloadBytes: round.bytes });
    round = undefined;
  }
}

function send(report: ClientReport): void {
  process.send?.(report);
}

async function onCommand(command: ClientCommand): Promise<void> {
  switch (command.kind) {
    case 'connect': {
      const t0 = performance.now();
      envoys = await connectAll(command);
      send({ kind: 'connected', ms: performance.now() - t0, failed: envoys.filter((e) => e.failed).length });
      break;
    }
    case 'arm':
      round = { id: command.round, acked: [], bytes: 0 };
      for (const e of envoys) e.arm();
      send({ kind: 'armed', round: command.round });
      break;
    case 'close':
      for (const e of envoys) e.close();
      process.disconnect?.();
      break;
  }
}

/** Not a benchmark of its own: edge-fanout.ts forks this file. */
export function main(): Promise<void> {
  console.error('edge-fanout-clients is started by `npm run bench -- edge-fanout`');
  process.exitCode = 2;
  return Promise.resolve();
}

if (process.send !== undefined && process.env['SESAME_BENCH_ROLE'] === 'clients') {
  process.on('message', (command: ClientCommand) => {
    onCommand(command).catch((err: unknown) => send({ kind: 'error', message: (err as Error).message }));
  });
}
