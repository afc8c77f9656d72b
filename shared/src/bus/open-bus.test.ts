import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../errors.js';
import { FAST_TUNING, quietLogger, snapshotAt, track } from '../../../test/servers/bus-fixtures.js';
import { startNatsServer } from '../../../test/servers/nats-server.js';
import { startRedisServer } from '../../../test/servers/redis-server.js';
import type { SnapshotBus } from './bus.js';
import { openBus, parseBusUrl } from './open-bus.js';

const dir = mkdtempSync(join(tmpdir(), 'sesame-open-bus-'));
const keyFile = join(dir, 'bus.key');
writeFileSync(keyFile, 'a shared secret\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('parseBusUrl', () => {
  it.each([
    ['memory:', { kind: 'memory' }],
    ['nats://127.0.0.1:4222', { kind: 'nats', servers: ['127.0.0.1:4222'], tls: false }],
    ['nats://nats', { kind: 'nats', servers: ['nats:4222'], tls: false }],
    [
      'nats://u:p%40ss@a:1,b:2',
      { kind: 'nats', servers: ['a:1', 'b:2'], user: 'u', pass: 'p@ss', tls: false },
    ],
    ['nats://s3cret@a:1', { kind: 'nats', servers: ['a:1'], token: 's3cret', tls: false }],
    ['tls://a:1,tls://b:2', { kind: 'nats', servers: ['a:1', 'b:2'], tls: true }],
    ['redis://:pw@r:6379/2', { kind: 'redis', url: 'redis://:pw@r:6379/2', tls: false }],
    ['rediss://r:6380', { kind: 'redis', url: 'rediss://r:6380', tls: true }],
  ])('parses %s', (url, expected) => {
    expect(parseBusUrl(url)).toEqual({ ok: true, value: expected });
  });

  it.each(['', 'kafka://k:9092', 'nats://', 'redis://', 'localhost:4222'])('refuses "%s"', (url) => {
    const r = parseBusUrl(url);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors).toMatch(/expected memory:, nats:/);
  });
});

describe('openBus', () => {
  it('opens the in-process bus for memory:', async () => {
    const bus = await openBus('memory:', { logger: quietLogger, role: 'watcher' });
    expect(await bus.publish(snapshotAt(1))).toBe('published');
    await bus.close();
  });

  it('refuses a bad URL, a bad prefix and a missing key file with a config error', async () => {
    const options = { logger: quietLogger, role: 'edge' } as const;
    await expect(openBus('kafka://k', options)).rejects.toMatchObject({ code: ErrorCode.ConfigInvalid });
    await expect(openBus('nats://a:1', { ...options, prefix: 'a.b' })).rejects.toMatchObject({
      code: ErrorCode.ConfigInvalid,
    });
    await expect(openBus('nats://a:1', { ...options, keyFile: join(dir, 'none') })).rejects.toMatchObject({
      code: ErrorCode.ConfigInvalid,
    });
  });

  const authenticated = {
    nats: async () => {
      const server = await startNatsServer({ args: ['--user', 'sesame', '--pass', 'p@ss'] });
      return { server, url: `nats://sesame:p%40ss@127.0.0.1:${server.port}` };
    },
    redis: async () => {
      const server = await startRedisServer({ args: ['--requirepass', 'p@ss'] });
      return { server, url: `redis://:p%40ss@127.0.0.1:${server.port}` };
    },
  };

  it.each(['nats', 'redis'] as const)(
    'carries a sealed snapshot over %s with credentials in the URL',
    async (kind) => {
      const { server, url } = await authenticated[kind]();
      cleanups.push(() => server.stop());
      const open = async (role: 'watcher' | 'edge'): Promise<SnapshotBus> => {
        const bus = await openBus(url, { logger: quietLogger, role, keyFile, tuning: FAST_TUNING });
        cleanups.push(() => bus.close());
        return bus;
      };
      const writer = await open('watcher');
      const t = track(await open('edge'));
      await writer.publish(snapshotAt(1));
      await t.waitForVersion(snapshotAt(1).version);
    },
  );
});
