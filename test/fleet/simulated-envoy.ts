// One simulated Envoy: its own mutual-TLS connection, an ADS state-of-the-world stream that subscribes like
// Envoy (CDS and LDS wildcard, then EDS for its clusters, RDS and SDS for its listeners), ACKs (or NACKs)
// every response, and reconnects with backoff to the next edge of its list when the stream fails. It records
// what a fault test asserts on: versions ACKed per type, marker values received and ACKed, and any marker
// sent after a higher one was ACKed.
import type { SecureContext } from 'node:tls';
import { TYPE_SHORT_NAMES, TypeUrl } from '@sesame/shared';
import { openAdsConnection, type AdsConnection } from './ads-connection.js';
import type { Derivations, MarkerSpec } from './derive.js';
import type {
  ArmSpec,
  EnvoyState,
  HistoryEntry,
  MarkerRecord,
  ShortType,
  TypeRecord,
} from './envoy-state.js';
import { createResponseParser } from './response-parser.js';
import { createResponseReader, type ReadResponse } from './response-reader.js';
import type { RequestParts } from './wire.js';

/** Everything one Envoy needs that the fleet shares. */
export interface EnvoyContext {
  /** The client certificate, key and CA (read on first use: a fleet may exist before its certificates). */
  readonly secureContext: () => SecureContext;
  readonly serverName: string;
  readonly servers: () => readonly string[];
  readonly encode: (parts: RequestParts) => readonly Buffer[];
  readonly derive: Derivations;
  readonly markers: readonly MarkerSpec[];
  readonly nack: boolean;
  readonly history: boolean;
  readonly backoff: { readonly initialMs: number; readonly maxMs: number };
  /** Called when an armed change was ACKed, with process.hrtime.bigint(). */
  readonly onArmed: (envoy: SimulatedEnvoy, at: bigint) => void;
  /** Called when the Envoy first holds a complete configuration, or its first stream failed. */
  readonly onSettled: (envoy: SimulatedEnvoy) => void;
}

interface TypeState extends TypeRecord {
  nonce: string;
  /** Derived subscription (EDS, RDS, SDS); undefined for wildcard. */
  subscription: readonly string[] | undefined;
}

/** Types an Envoy subscribes to by name, because of what its clusters and listeners reference. */
const DERIVED_TYPES: readonly string[] = [
  TypeUrl.ClusterLoadAssignment,
  TypeUrl.RouteConfiguration,
  TypeUrl.Secret,
];

/** One Envoy of a fleet. */
export class SimulatedEnvoy {
  private call: AdsConnection | undefined;
  private readonly typeStates = new Map<string, TypeState>();
  private readonly markerStates = new Map<string, MarkerRecord>();
  private readonly violations: string[] = [];
  private readonly history: HistoryEntry[] = [];
  private serverIndex: number;
  private server: string | undefined;
  /** The current stream has delivered a response (so the connection works). */
  private live = false;
  private streams = 0;
  private failures = 0;
  private lastError: string | undefined;
  private bytes = 0;
  private delay: number;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private settled = false;
  private armed: ArmSpec | undefined;

  constructor(
    readonly id: string,
    private readonly cluster: string,
    firstServer: number,
    private readonly ctx: EnvoyContext,
  ) {
    this.serverIndex = firstServer;
    this.delay = ctx.backoff.initialMs;
  }

  /** Opens the first stream. */
  start(): void {
    this.connect();
  }

  /** Starts timing a change (see ArmSpec); a new arm replaces the last. */
  arm(spec: ArmSpec | undefined): void {
    this.armed = spec;
  }

  /** Whether a timed change is still awaited. */
  isArmed(): boolean {
    return this.armed !== undefined;
  }

  /** Ends the stream and stops reconnecting. */
  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.call?.cancel();
  }

  /** Drops the connection now (as a crashed Envoy would) and reconnects after the backoff. */
  disconnect(): void {
    this.call?.cancel();
  }

  private state(typeUrl: string): TypeState {
    let s = this.typeStates.get(typeUrl);
    if (s === undefined) {
      s = {
        accepted: '',
        nonce: '',
        received: 0,
        acked: 0,
        nacked: 0,
        lastCount: 0,
        minCount: undefined,
        names: 0,
        subscription: undefined,
      };
      this.typeStates.set(typeUrl, s);
    }
    return s;
  }

  private connect(): void {
    if (this.closed) return;
    const servers = this.ctx.servers();
    const address = servers[this.serverIndex % servers.length];
    if (address === undefined) return;
    this.server = address;
    this.live = false;
    this.streams++;
    // Nonces die with the stream; versions and subscriptions are what a reconnecting Envoy sends again.
    for (const s of this.typeStates.values()) s.nonce = '';
    // Events arrive only after this returns, so each callback sees both `call` and `parser`.
    const call = openAdsConnection({
      address,
      secureContext: this.ctx.secureContext(),
      serverName: this.ctx.serverName,
      userAgent: `sesame-fleet/${this.id}`,
      onData: (chunk) => parser.push(chunk),
      onEnd: (error) => this.onEnded(call, error),
    });
    const parser = createResponseParser({
      digest: this.ctx.history,
      begin: () =>
        createResponseReader({
          derive: this.ctx.nack ? undefined : this.ctx.derive,
          markers: this.ctx.markers,
          armed: () => this.armed,
          onResponse: (r) => this.onResponse(call, r),
        }),
      onError: (message) => call.cancel(`13 malformed response: ${message}`),
    });
    this.call = call;
    let node: RequestParts['node'] = { id: this.id, cluster: this.cluster };
    const send = (typeUrl: string): void => {
      const s = this.state(typeUrl);
      call.send(
        this.ctx.encode({
          typeUrl,
          versionInfo: s.accepted,
          nonce: '',
          ...(s.subscription === undefined ? {} : { names: s.subscription }),
          ...(node === undefined ? {} : { node }),
        }),
      );
      node = undefined;
    };
    send(TypeUrl.Cluster);
    send(TypeUrl.Listener);
    for (const typeUrl of DERIVED_TYPES) {
      if ((this.typeStates.get(typeUrl)?.subscription?.length ?? 0) > 0) send(typeUrl);
    }
  }

  private onEnded(call: AdsConnection, error: string): void {
    if (this.call !== call) return;
    this.call = undefined;
    this.live = false;
    if (this.closed) return;
    this.failures++;
    this.lastError = error;
    this.settle();
    this.serverIndex++;
    const jittered = this.delay * (0.5 + Math.random() / 2);
    this.delay = Math.min(this.delay * 2, this.ctx.backoff.maxMs);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.connect();
    }, jittered);
  }

  private write(call: AdsConnection, parts: RequestParts): void {
    call.send(this.ctx.encode(parts));
  }

  private onResponse(call: AdsConnection, r: ReadResponse): void {
    if (this.call !== call) return;
    this.live = true;
    this.delay = this.ctx.backoff.initialMs;
    this.bytes += r.bytes;
    const s = this.state(r.typeUrl);
    s.received++;
    s.nonce = r.nonce;
    s.lastCount = r.count;
    if (r.typeUrl === TypeUrl.Cluster || r.typeUrl === TypeUrl.Listener) {
      if (s.received > 1) s.minCount = Math.min(s.minCount ?? Infinity, r.count);
    }
    const markers = this.readMarkers(r);
    const names = s.subscription === undefined ? {} : { names: s.subscription };
    if (this.ctx.nack) {
      s.nacked++;
      this.write(call, {
        typeUrl: r.typeUrl,
        versionInfo: s.accepted,
        nonce: r.nonce,
        ...names,
        errorDetail: 'rejected by the simulated Envoy',
      });
      this.record(r, false, markers);
      this.settle();
      return;
    }
    this.write(call, { typeUrl: r.typeUrl, versionInfo: r.versionInfo, nonce: r.nonce, ...names });
    s.accepted = r.versionInfo;
    s.acked++;
    for (const [key, value] of Object.entries(markers)) {
      const m = this.marker(key);
      m.acked = value;
      m.maxAcked = Math.max(m.maxAcked ?? value, value);
    }
    this.record(r, true, markers);
    if (r.eds !== undefined) this.resubscribe(call, TypeUrl.ClusterLoadAssignment, r.eds);
    if (r.listeners !== undefined) {
      this.resubscribe(call, TypeUrl.RouteConfiguration, r.listeners.rds);
      this.resubscribe(call, TypeUrl.Secret, r.listeners.sds);
    }
    this.checkArmed(r);
    if (!this.settled && this.initialized()) this.settle();
  }

  /** Sends a new subscription for a derived type when its names changed (Envoy's follow-up request). */
  private resubscribe(call: AdsConnection, typeUrl: string, names: readonly string[]): void {
    const s = this.state(typeUrl);
    const before = s.subscription ?? [];
    if (before === names) return;
    if (before.length === 0 && names.length === 0) return;
    s.subscription = names;
    s.names = names.length;
    this.write(call, { typeUrl, versionInfo: s.accepted, nonce: s.nonce, names });
  }

  private readMarkers(r: ReadResponse): Record<string, number> {
    const found: Record<string, number> = {};
    for (const spec of this.ctx.markers) {
      const resource = r.markers.get(spec);
      if (resource === undefined) continue;
      const value = this.ctx.derive.marker(spec, r.versionInfo, resource);
      if (value === undefined) continue;
      found[spec.key] = value;
      const m = this.marker(spec.key);
      m.received = value;
      if (m.maxAcked !== undefined && value < m.maxAcked) {
        this.violations.push(
          `${spec.key}: sent ${value} (version ${r.versionInfo} from ${this.server ?? '?'}) after ACKing ${m.maxAcked}`,
        );
      }
    }
    return found;
  }

  private marker(key: string): MarkerRecord {
    let m = this.markerStates.get(key);
    if (m === undefined) {
      m = { received: undefined, acked: undefined, maxAcked: undefined };
      this.markerStates.set(key, m);
    }
    return m;
  }

  private record(r: ReadResponse, acked: boolean, markers: Record<string, number>): void {
    if (!this.ctx.history) return;
    this.history.push({
      at: Date.now(),
      type: TYPE_SHORT_NAMES[r.typeUrl as TypeUrl] ?? (r.typeUrl as ShortType),
      version: r.versionInfo,
      digest: r.digest ?? '',
      resources: r.count,
      acked,
      markers,
    });
  }

  private checkArmed(r: ReadResponse): void {
    // A hit counts for the change armed now (not for one disarmed or replaced while the response streamed).
    if (r.armedHit === undefined || r.armedHit !== this.armed) return;
    this.armed = undefined;
    this.ctx.onArmed(this, process.hrtime.bigint());
  }

  /** Bytes of every response received so far. */
  bytesReceived(): number {
    return this.bytes;
  }

  /** Received everything its first configuration asks for. */
  initialized(): boolean {
    const got = (typeUrl: string): boolean => (this.typeStates.get(typeUrl)?.received ?? 0) > 0;
    if (!got(TypeUrl.Cluster) || !got(TypeUrl.Listener)) return false;
    if (this.ctx.nack) return true;
    for (const typeUrl of DERIVED_TYPES) {
      const s = this.typeStates.get(typeUrl);
      if ((s?.subscription?.length ?? 0) > 0 && (s?.received ?? 0) === 0) return false;
    }
    return true;
  }

  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    this.ctx.onSettled(this);
  }

  /** A serializable picture of this Envoy. */
  snapshot(): EnvoyState {
    const types: Partial<Record<ShortType, TypeRecord>> = {};
    for (const [typeUrl, s] of this.typeStates) {
      const short = TYPE_SHORT_NAMES[typeUrl as TypeUrl];
      if (short === undefined) continue;
      types[short] = {
        accepted: s.accepted,
        received: s.received,
        acked: s.acked,
        nacked: s.nacked,
        lastCount: s.lastCount,
        minCount: s.minCount,
        names: s.names,
      };
    }
    return {
      id: this.id,
      server: this.server,
      connected: this.live,
      initialized: this.initialized(),
      streams: this.streams,
      failures: this.failures,
      lastError: this.lastError,
      bytes: this.bytes,
      types,
      markers: Object.fromEntries([...this.markerStates].map(([k, m]) => [k, { ...m }])),
      violations: [...this.violations],
      ...(this.ctx.history ? { history: [...this.history] } : {}),
    };
  }
}
