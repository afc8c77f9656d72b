import { randomBytes } from 'node:crypto';
import { Registry } from 'prom-client';
import { vi } from 'vitest';
import {
  createLogBus,
  createLogger,
  createResource,
  createSnapshot,
  TypeUrl,
  type BusStore,
  type LogBus,
  type LogBusTuning,
  type Resource,
  type Snapshot,
  type SnapshotBus,
  type StoredHead,
  type SnapshotUpdate,
} from '@sesame/shared';

/** A silent logger for buses under test. */
export const quietLogger = createLogger({ level: 'silent' });

/** Fast timers so tests converge quickly; the layout stays at its defaults unless a test overrides it. */
export const FAST_TUNING: Partial<LogBusTuning> = {
  pollIntervalMs: 250,
  retryInitialMs: 20,
  retryMaxMs: 250,
};

/** Builds a snapshot or fails the test. */
export function snapshotOf(resources: Iterable<Resource>): Snapshot {
  const r = createSnapshot(resources);
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.value;
}

/** The i-th of a sequence of distinct snapshots: a cluster, its endpoints, a secret, and some extras. */
export function snapshotAt(i: number): Snapshot {
  const body = (text: string): Uint8Array => Buffer.from(text);
  const resources: Resource[] = [
    createResource({ typeUrl: TypeUrl.Cluster, name: 'web', body: body(`web-${i % 3}`) }),
    createResource({ typeUrl: TypeUrl.ClusterLoadAssignment, name: 'web', body: body(`endpoints-${i}`) }),
    createResource({
      typeUrl: TypeUrl.Secret,
      name: 'tls',
      body: body('-----BEGIN PRIVATE KEY-----'),
      audience: 'envoy',
    }),
  ];
  for (let j = 0; j < i % 4; j++) {
    resources.push(
      createResource({ typeUrl: TypeUrl.Cluster, name: `extra-${j}`, body: body(`extra-${j}`) }),
    );
  }
  return snapshotOf(resources);
}

/** `snapshotAt(i)` plus a 4 KiB resource that never changes, so a change is small next to a checkpoint. */
export function paddedSnapshotAt(i: number): Snapshot {
  const padding = createResource({ typeUrl: TypeUrl.Cluster, name: 'padding', body: Buffer.alloc(4096, 1) });
  const resources = [...snapshotAt(i).types.values()].flatMap((t) => [...t.resources.values()]);
  return snapshotOf([...resources, padding]);
}

/** A snapshot of `count` clusters with random bodies of `bodyBytes` each. */
export function largeSnapshot(count: number, bodyBytes: number): Snapshot {
  return snapshotOf(
    Array.from({ length: count }, (_, i) =>
      createResource({ typeUrl: TypeUrl.Cluster, name: `ns/svc-${i}/80`, body: randomBytes(bodyBytes) }),
    ),
  );
}

/** Every resource of a snapshot as `type name → version`, to compare contents. */
export function contents(snapshot: Snapshot): Map<string, string> {
  const out = new Map<string, string>();
  for (const t of snapshot.types.values()) {
    for (const r of t.resources.values()) out.set(`${r.typeUrl} ${r.name}`, r.version);
  }
  return out;
}

/** Collects a bus's updates and waits for a version to arrive. */
export interface Tracker {
  readonly updates: SnapshotUpdate[];
  last(): SnapshotUpdate | undefined;
  waitForVersion(version: string, timeoutMs?: number): Promise<SnapshotUpdate>;
  close(): void;
}

/** Subscribes to `bus` and records every update. */
export function track(bus: SnapshotBus): Tracker {
  const updates: SnapshotUpdate[] = [];
  const sub = bus.subscribe((u) => updates.push(u));
  return {
    updates,
    last: () => updates.at(-1),
    async waitForVersion(version, timeoutMs = 10_000) {
      return vi.waitFor(
        () => {
          const found = updates.findLast((u) => u.snapshot.version === version);
          if (found === undefined) {
            throw new Error(
              `version ${version} not delivered; last ${updates.at(-1)?.snapshot.version ?? 'none'}`,
            );
          }
          return found;
        },
        { timeout: timeoutMs, interval: 10 },
      );
    },
    close: () => sub.close(),
  };
}

export { metricValue } from '../metrics/metric-value.js';

/** Opens log buses over fresh stores and closes them all at the end of a test. */
export function busFactory(connect: () => BusStore | Promise<BusStore>): {
  open(options?: { key?: Uint8Array; tuning?: Partial<LogBusTuning>; store?: BusStore }): Promise<{
    bus: LogBus;
    registry: Registry;
  }>;
  closeAll(): Promise<void>;
} {
  const opened: LogBus[] = [];
  return {
    async open(options = {}) {
      const registry = new Registry();
      const bus = createLogBus({
        store: options.store ?? (await connect()),
        logger: quietLogger,
        registry,
        ...(options.key === undefined ? {} : { key: options.key }),
        tuning: { ...FAST_TUNING, ...options.tuning },
      });
      opened.push(bus);
      return { bus, registry };
    },
    async closeAll() {
      await Promise.all(opened.splice(0).map((b) => b.close()));
    },
  };
}

/**
 * Wraps a store so a test can freeze what its reader sees: while paused the head stays the one read at
 * `pause()` and notifications are held back; `resume()` releases them. Lets a test put a reader behind.
 */
export function pausable(store: BusStore): { store: BusStore; pause(): Promise<void>; resume(): void } {
  let frozen: { head: StoredHead | undefined } | undefined;
  const held = new Set<() => void>();
  return {
    store: {
      ...store,
      readHead: () => (frozen === undefined ? store.readHead() : Promise.resolve(frozen.head)),
      watchHead(onChange) {
        const inner = store.watchHead(() => {
          if (frozen === undefined) onChange();
        });
        held.add(onChange);
        return {
          close() {
            inner.close();
            held.delete(onChange);
          },
        };
      },
    },
    async pause() {
      frozen = { head: await store.readHead() };
    },
    resume() {
      frozen = undefined;
      for (const w of held) w();
    },
  };
}
