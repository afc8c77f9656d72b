import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryBus, ErrorCode, TypeUrl, type SnapshotBus, type SnapshotUpdate } from '@sesame/shared';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { capturingLogger } from '../../../../test/logs/capturing-logger.js';
import type { LoadedObjects } from '../source/load-manifests.js';
import type { ObjectSource } from '../source/object-source.js';
import { createWatcher } from './watcher.js';

/** Resolves with the first bus update that satisfies `predicate`, or rejects after `ms`. */
function nextUpdate(
  bus: SnapshotBus,
  predicate: (u: SnapshotUpdate) => boolean,
  ms = 10_000,
): Promise<SnapshotUpdate> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      subscription.close();
      reject(new Error(`no matching snapshot within ${ms} ms`));
    }, ms);
    const subscription = bus.subscribe((update) => {
      if (!predicate(update)) return;
      clearTimeout(timer);
      subscription.close();
      resolve(update);
    });
  });
}

/** Polls `check` until it holds or the deadline passes. */
async function eventually(check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const SERVICE = `apiVersion: v1
kind: Service
metadata: {name: echo, namespace: default}
spec:
  ports: [{name: http, port: 80}]
`;
const ingressYaml = (host: string): string => `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: ${host.split('.')[0] ?? host}, namespace: default}
spec:
  rules:
    - host: ${host}
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: echo, port: {number: 80}}}}
`;
const hasHost =
  (host: string) =>
  (u: SnapshotUpdate): boolean =>
    Buffer.from(u.snapshot.get(TypeUrl.RouteConfiguration, 'ingress_http')?.body ?? []).includes(host);

describe('watcher over a real folder', () => {
  let dir: string;
  let bus: SnapshotBus;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sesame-watcher-'));
    bus = createMemoryBus();
  });
  afterEach(async () => {
    await bus.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('publishes on start, then follows added, broken and removed files', async () => {
    await writeFile(join(dir, 'svc.yaml'), SERVICE);
    await writeFile(join(dir, 'one.yaml'), ingressYaml('one.example.com'));
    const { logger, lines } = capturingLogger();
    const registry = new Registry();
    const watcher = createWatcher({
      source: { dir },
      bus,
      logger,
      registry,
      holdoffMs: 20,
      holdoffMaxMs: 100,
    });
    try {
      await watcher.start();
      const first = watcher.lastPublished();
      expect(first).toBeDefined();
      const initial = await nextUpdate(bus, () => true);
      expect(initial.snapshot.version).toBe(first);
      expect(hasHost('one.example.com')(initial)).toBe(true);

      const added = nextUpdate(bus, hasHost('two.example.com'));
      await writeFile(join(dir, 'two.yaml'), ingressYaml('two.example.com'));
      const second = await added;
      expect(second.change.previousVersion).toBe(first);
      expect(second.change.upserts.map((r) => r.name)).toContain('ingress_http');

      await writeFile(join(dir, 'broken.yaml'), 'kind: [\n');
      await eventually(() =>
        lines.some((l) => l['level'] === 'warn' && String(l['file']).endsWith('broken.yaml')),
      );
      expect(watcher.lastPublished()).toBe(second.snapshot.version);

      const removed = nextUpdate(bus, (u) => !hasHost('one.example.com')(u));
      await unlink(join(dir, 'one.yaml'));
      expect(hasHost('two.example.com')(await removed)).toBe(true);

      const info = lines.filter((l) => l['msg'] === 'published snapshot');
      expect(info.at(-1)).toMatchObject({
        level: 'info',
        component: 'watcher',
        resources: { lds: 1, rds: 1, cds: 1, eds: 1, sds: 0 },
      });
      expect(await registry.getSingleMetricAsString('sesame_watcher_resources')).toContain(
        'sesame_watcher_resources{type="cds"} 1',
      );
    } finally {
      await watcher.close();
    }
  });

  it('refuses to start on a folder that does not exist', async () => {
    const { logger } = capturingLogger();
    const watcher = createWatcher({ source: { dir: join(dir, 'absent') }, bus, logger });
    await expect(watcher.start()).rejects.toMatchObject({ code: ErrorCode.ManifestInvalid });
    expect(watcher.lastPublished()).toBeUndefined();
  });
});

/** A source whose contents and change events the test controls. */
function fakeSource(
  initial: string[],
): ObjectSource & { hosts: string[]; fail: boolean; change(): void; loads: number } {
  let onChange: (() => void) | undefined;
  const source = {
    description: 'fake',
    hosts: initial,
    fail: false,
    loads: 0,
    load(): Promise<LoadedObjects> {
      source.loads++;
      if (source.fail) return Promise.reject(new Error('source unavailable'));
      const service = {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'echo' },
        spec: { ports: [{ port: 80 }] },
      };
      const backend = { service: { name: 'echo', port: { number: 80 } } };
      const objects = [
        service,
        ...source.hosts.map((host) => ({
          apiVersion: 'networking.k8s.io/v1',
          kind: 'Ingress',
          metadata: { name: host },
          spec: {
            rules: [
              { host: `${host}.example.com`, http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } },
            ],
          },
        })),
      ].map((manifest) => ({ manifest }));
      return Promise.resolve({ objects, diagnostics: [] });
    },
    watch(callback: () => void) {
      onChange = callback;
      return { close: () => (onChange = undefined) };
    },
    change() {
      onChange?.();
    },
  };
  return source;
}

describe('watcher timing (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('coalesces a burst of changes into one rebuild after the holdoff', async () => {
    const source = fakeSource(['a']);
    const bus = createMemoryBus();
    const publish = vi.spyOn(bus, 'publish');
    const watcher = createWatcher({
      source,
      bus,
      logger: capturingLogger().logger,
      holdoffMs: 100,
      holdoffMaxMs: 500,
    });
    await watcher.start();
    expect(source.loads).toBe(1);
    source.change();
    await vi.advanceTimersByTimeAsync(50);
    source.change();
    await vi.advanceTimersByTimeAsync(50);
    source.change();
    await vi.advanceTimersByTimeAsync(99);
    expect(source.loads).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(source.loads).toBe(2);
    // The same content again: the watcher does not even ask the bus.
    expect(publish).toHaveBeenCalledTimes(1);
    await watcher.close();
    source.change();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(source.loads).toBe(2);
  });

  it('keeps the last snapshot when a rebuild fails, and retries until the source is back', async () => {
    const source = fakeSource(['a']);
    const bus = createMemoryBus();
    const { logger, lines } = capturingLogger();
    const watcher = createWatcher({ source, bus, logger, holdoffMs: 100, holdoffMaxMs: 500 });
    await watcher.start();
    const first = watcher.lastPublished();
    source.fail = true;
    source.change();
    await vi.advanceTimersByTimeAsync(100);
    expect(source.loads).toBe(2);
    expect(watcher.lastPublished()).toBe(first);
    expect(lines.some((l) => l['level'] === 'error' && l['retryInMs'] === 500)).toBe(true);
    await vi.advanceTimersByTimeAsync(500);
    expect(source.loads).toBe(3);
    source.fail = false;
    source.hosts = ['a', 'b'];
    // The second retry waits twice as long.
    await vi.advanceTimersByTimeAsync(999);
    expect(source.loads).toBe(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(source.loads).toBe(4);
    expect(watcher.lastPublished()).not.toBe(first);
    await watcher.close();
  });

  it('rebuilds again when changes arrive during a rebuild', async () => {
    const source = fakeSource(['a']);
    let release: (() => void) | undefined;
    const bus = createMemoryBus();
    const realPublish = bus.publish.bind(bus);
    const watcher = createWatcher({
      source,
      bus: {
        ...bus,
        publish: async (snapshot) => {
          // Hold the second publish until the test releases it.
          if (source.loads === 2) await new Promise<void>((r) => (release = r));
          return realPublish(snapshot);
        },
      },
      logger: capturingLogger().logger,
      holdoffMs: 10,
      holdoffMaxMs: 50,
    });
    await watcher.start();
    source.hosts = ['a', 'b'];
    source.change();
    await vi.advanceTimersByTimeAsync(10);
    expect(source.loads).toBe(2);
    source.hosts = ['a', 'b', 'c'];
    source.change();
    await vi.advanceTimersByTimeAsync(10);
    expect(source.loads).toBe(2);
    release?.();
    await vi.advanceTimersByTimeAsync(0);
    expect(source.loads).toBe(3);
    await watcher.close();
  });
});
