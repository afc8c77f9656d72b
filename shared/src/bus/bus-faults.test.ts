import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  FAST_TUNING,
  quietLogger,
  snapshotAt,
  track,
  type Tracker,
} from '../../../test/servers/bus-fixtures.js';
import { startNatsServer } from '../../../test/servers/nats-server.js';
import { startRedisServer } from '../../../test/servers/redis-server.js';
import type { TestServer } from '../../../test/servers/server-process.js';
import type { SnapshotBus } from './bus.js';
import { openBus } from './open-bus.js';

const dir = mkdtempSync(join(tmpdir(), 'sesame-bus-faults-'));
const keyFile = join(dir, 'bus.key');
writeFileSync(keyFile, 'fault-test-secret');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Each update either replaces the state (a full change) or continues from the one before. */
function expectUnbrokenChain(t: Tracker): void {
  let previous: string | undefined;
  for (const u of t.updates) {
    if (u.change.previousVersion !== null) expect(u.change.previousVersion).toBe(previous);
    previous = u.snapshot.version;
  }
}

const servers: Record<string, () => Promise<TestServer & { url: string }>> = {
  nats: () => startNatsServer(),
  redis: () => startRedisServer({ persist: true }),
};

/**
 * A fresh bus server of `kind` (stopped after the test) and a way to open buses on it under one random
 * prefix, each closed after the test too.
 */
async function startBus(
  kind: string,
  prefixLetter: string,
): Promise<{
  server: TestServer & { url: string };
  open: (role: 'watcher' | 'edge') => Promise<SnapshotBus>;
}> {
  const server = await (servers[kind] as () => Promise<TestServer & { url: string }>)();
  cleanups.push(() => server.stop());
  const prefix = `${prefixLetter}${randomBytes(4).toString('hex')}`;
  const open = async (role: 'watcher' | 'edge'): Promise<SnapshotBus> => {
    const bus = await openBus(server.url, {
      logger: quietLogger,
      role,
      prefix,
      keyFile,
      tuning: FAST_TUNING,
    });
    cleanups.push(() => bus.close());
    return bus;
  };
  return { server, open };
}

describe.each(['nats', 'redis'])('%s killed -9 during a stream of publishes', (kind) => {
  it.each([true, false])('converges after a restart (keep data: %s)', async (keepData) => {
    const { server, open } = await startBus(kind, 'f');
    const writer = await open('watcher');
    const readers = [track(await open('edge')), track(await open('edge'))];

    for (let i = 0; i < 10; i++) await writer.publish(snapshotAt(i));
    await Promise.all(readers.map((t) => t.waitForVersion(snapshotAt(9).version)));

    const pending = [writer.publish(snapshotAt(10))];
    await server.kill();
    for (let i = 11; i < 15; i++) pending.push(writer.publish(snapshotAt(i)));
    for (const t of readers) expect(t.last()?.snapshot.version).toBe(snapshotAt(9).version);
    await server.restart({ keepData });

    const outcomes = await Promise.all(pending);
    expect(outcomes.every((o) => o === 'published')).toBe(true);
    const last = snapshotAt(14).version;
    await Promise.all(readers.map((t) => t.waitForVersion(last, 15_000)));
    for (const t of readers) expectUnbrokenChain(t);

    const late = track(await open('edge'));
    await late.waitForVersion(last, 15_000);
    const restarted = await open('watcher');
    expect(await restarted.publish(snapshotAt(14))).toBe('unchanged');
  });
});

describe.each(['nats', 'redis'])('%s restarted without its data while the publisher is idle', (kind) => {
  it('gets the last snapshot back from the publisher, for readers that start afterwards', async () => {
    const { server, open } = await startBus(kind, 'i');
    const writer = await open('watcher');
    const reader = track(await open('edge'));
    for (let i = 0; i < 3; i++) await writer.publish(snapshotAt(i));
    await reader.waitForVersion(snapshotAt(2).version);

    await server.restart({ keepData: false });
    const late = track(await open('edge'));
    await late.waitForVersion(snapshotAt(2).version, 15_000);
    expect(reader.last()?.snapshot.version).toBe(snapshotAt(2).version);
    expect(await writer.publish(snapshotAt(2))).toBe('unchanged');
  });
});
