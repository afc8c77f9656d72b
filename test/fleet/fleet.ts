// A fleet of simulated Envoys (see simulated-envoy.ts), usable in-process or, through fleet-process.ts, from a
// child process of its own. Connects in batches (the next batch once the previous one holds its first
// configuration), times armed changes to the last ACK, and sums up what every Envoy holds.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSecureContext, type SecureContext } from 'node:tls';
import { createDerivations, type MarkerSpec } from './derive.js';
import type { ArmSpec, EnvoyState, ShortType } from './envoy-state.js';
import { SimulatedEnvoy } from './simulated-envoy.js';
import { createRequestPartsEncoder } from './wire.js';

/** How to build a fleet. */
export interface FleetOptions {
  /** Edge addresses (`host:port`); Envoy i starts on servers[i % n] and moves to the next one on failure. */
  readonly servers: readonly string[];
  /** A TLS directory with `ca.crt`, `tls.crt`, `tls.key` (certgen's `envoy/`). */
  readonly tlsDir: string;
  readonly count: number;
  /** Node ids are `<idPrefix>-<i>` (default "envoy"). */
  readonly idPrefix?: string;
  /** node.cluster (default "sesame-fleet"). */
  readonly cluster?: string;
  /** The name checked in the edge certificate (default "sesame-xds"). */
  readonly serverName?: string;
  /** Connections opened at once (default 100). */
  readonly batch?: number;
  readonly markers?: readonly MarkerSpec[];
  /** Reject every response instead of accepting it. */
  readonly nack?: boolean;
  /** Keep every response's version and digest per Envoy (tests; costly for big fleets). */
  readonly history?: boolean;
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
}

/** Aggregates over the fleet: enough to assert convergence without shipping every Envoy's state. */
export interface FleetSummary {
  readonly envoys: number;
  readonly connected: number;
  readonly initialized: number;
  readonly streams: number;
  readonly failures: number;
  readonly bytes: number;
  readonly violations: number;
  /** Per type: responses received, over all Envoys. */
  readonly received: Readonly<Partial<Record<ShortType, number>>>;
  /** Per type: responses rejected, over all Envoys. */
  readonly nacked: Readonly<Partial<Record<ShortType, number>>>;
  /** Per type: how many Envoys ACKed each version last. */
  readonly accepted: Readonly<Partial<Record<ShortType, Readonly<Record<string, number>>>>>;
  /** Per marker: how many Envoys hold each value (last ACKed), and the lowest and highest. */
  readonly markers: Readonly<
    Record<string, { readonly held: Readonly<Record<string, number>>; min?: number; max?: number }>
  >;
  /** Per edge address: Envoys connected to it now. */
  readonly servers: Readonly<Record<string, number>>;
}

/** The outcome of timing one change. */
export interface ArmResult {
  /** process.hrtime in microseconds (CLOCK_MONOTONIC: comparable across processes) of each Envoy's ACK. */
  readonly ackedAtUs: readonly number[];
  /** Envoys that had not ACKed it when the deadline passed. */
  readonly missing: readonly string[];
  /** Bytes the fleet received between arming and the last ACK. */
  readonly bytes: number;
}

/** A running fleet. */
export interface Fleet {
  /** Opens every Envoy's stream, batch by batch; resolves when each holds its configuration or failed once. */
  start(): Promise<{ readonly ms: number }>;
  summary(): FleetSummary;
  /** Every Envoy's state (histories included when kept). */
  states(): EnvoyState[];
  /** Arms every Envoy for a change; resolves when all ACKed it, or at the deadline with the missing ones. */
  arm(spec: ArmSpec, timeoutMs: number): Promise<ArmResult>;
  /** Replaces the edge list (Envoys use it from their next connection). */
  setServers(servers: readonly string[]): void;
  /** Drops the connections of `count` Envoys at once (they reconnect after their backoff). */
  disconnect(count: number): void;
  close(): void;
}

/** Creates a fleet; nothing connects before `start`. */
export function createFleet(options: FleetOptions): Fleet {
  const read = (file: string): Buffer => readFileSync(join(options.tlsDir, file));
  // Read on first use: a fleet may be created before its certificates are issued.
  let secureContext: SecureContext | undefined;
  let servers = [...options.servers];
  let armed: { remaining: Set<SimulatedEnvoy>; times: number[]; onDone: () => void } | undefined;
  const waiting = new Set<SimulatedEnvoy>();
  let onBatchSettled: (() => void) | undefined;
  const envoys: SimulatedEnvoy[] = [];
  const context = {
    secureContext: (): SecureContext =>
      (secureContext ??= createSecureContext({
        ca: read('ca.crt'),
        cert: read('tls.crt'),
        key: read('tls.key'),
      })),
    serverName: options.serverName ?? 'sesame-xds',
    servers: () => servers,
    encode: createRequestPartsEncoder(),
    derive: createDerivations(),
    markers: options.markers ?? [],
    nack: options.nack ?? false,
    history: options.history ?? false,
    backoff: options.backoff ?? { initialMs: 100, maxMs: 2000 },
    onArmed: (envoy: SimulatedEnvoy, at: bigint) => {
      if (armed === undefined || !armed.remaining.delete(envoy)) return;
      armed.times.push(Number(at / 1000n));
      if (armed.remaining.size === 0) armed.onDone();
    },
    onSettled: (envoy: SimulatedEnvoy) => {
      if (waiting.delete(envoy) && waiting.size === 0) onBatchSettled?.();
    },
  };
  const prefix = options.idPrefix ?? 'envoy';
  for (let i = 0; i < options.count; i++) {
    envoys.push(new SimulatedEnvoy(`${prefix}-${i}`, options.cluster ?? 'sesame-fleet', i, context));
  }
  const totalBytes = (): number => envoys.reduce((sum, e) => sum + e.bytesReceived(), 0);

  return {
    async start() {
      const began = performance.now();
      const batch = Math.max(1, options.batch ?? 100);
      for (let from = 0; from < envoys.length; from += batch) {
        const group = envoys.slice(from, from + batch);
        await new Promise<void>((resolve) => {
          for (const e of group) waiting.add(e);
          onBatchSettled = resolve;
          for (const e of group) e.start();
        });
      }
      onBatchSettled = undefined;
      return { ms: performance.now() - began };
    },
    summary: () => summarize(envoys.map((e) => e.snapshot())),
    states: () => envoys.map((e) => e.snapshot()),
    arm(spec, timeoutMs) {
      const bytesBefore = totalBytes();
      const result = (remaining: Set<SimulatedEnvoy>, times: number[]): ArmResult => {
        for (const e of envoys) e.arm(undefined);
        armed = undefined;
        return {
          ackedAtUs: times,
          missing: [...remaining].map((e) => e.id),
          bytes: totalBytes() - bytesBefore,
        };
      };
      return new Promise((resolve) => {
        const remaining = new Set(envoys);
        const times: number[] = [];
        const timer = setTimeout(() => resolve(result(remaining, times)), timeoutMs);
        armed = {
          remaining,
          times,
          onDone: () => {
            clearTimeout(timer);
            resolve(result(remaining, times));
          },
        };
        for (const e of envoys) e.arm(spec);
      });
    },
    setServers(next) {
      servers = [...next];
    },
    disconnect(count) {
      for (const e of envoys.slice(0, count)) e.disconnect();
    },
    close() {
      for (const e of envoys) e.close();
    },
  };
}

/** Sums up Envoy states. */
export function summarize(states: readonly EnvoyState[]): FleetSummary {
  const accepted: Partial<Record<ShortType, Record<string, number>>> = {};
  const received: Partial<Record<ShortType, number>> = {};
  const nacked: Partial<Record<ShortType, number>> = {};
  const markers: Record<string, { held: Record<string, number>; min?: number; max?: number }> = {};
  const servers: Record<string, number> = {};
  let connected = 0;
  let initialized = 0;
  let streams = 0;
  let failures = 0;
  let bytes = 0;
  let violations = 0;
  for (const s of states) {
    if (s.connected) connected++;
    if (s.initialized) initialized++;
    if (s.connected && s.server !== undefined) servers[s.server] = (servers[s.server] ?? 0) + 1;
    streams += s.streams;
    failures += s.failures;
    bytes += s.bytes;
    violations += s.violations.length;
    for (const [type, t] of Object.entries(s.types)) {
      const short = type as ShortType;
      received[short] = (received[short] ?? 0) + t.received;
      nacked[short] = (nacked[short] ?? 0) + t.nacked;
      if (t.acked === 0) continue;
      const byVersion = (accepted[short] ??= {});
      byVersion[t.accepted] = (byVersion[t.accepted] ?? 0) + 1;
    }
    for (const [key, m] of Object.entries(s.markers)) {
      const entry = (markers[key] ??= { held: {} });
      const value = m.acked;
      const label = value === undefined ? 'none' : String(value);
      entry.held[label] = (entry.held[label] ?? 0) + 1;
      if (value !== undefined) {
        entry.min = Math.min(entry.min ?? value, value);
        entry.max = Math.max(entry.max ?? value, value);
      }
    }
  }
  return {
    envoys: states.length,
    connected,
    initialized,
    streams,
    failures,
    bytes,
    violations,
    received,
    nacked,
    accepted,
    markers,
    servers,
  };
}
