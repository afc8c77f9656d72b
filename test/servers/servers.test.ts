import { existsSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startNatsServer } from './nats-server.js';
import { startRedisServer } from './redis-server.js';
import type { TestServer } from './server-process.js';

/** Whether something accepts TCP connections on the server's port right now. */
function accepts(server: TestServer): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(server.port, server.host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe.each([
  ['nats-server', () => startNatsServer()],
  ['redis-server', () => startRedisServer({ persist: true })],
])('%s test helper', (_name, start) => {
  it('starts on a free port, dies on kill -9, restarts on the same port with or without data, cleans up', async () => {
    const server = await start();
    try {
      expect(server.url).toBe(`${server.url.split(':')[0]}://127.0.0.1:${server.port}`);
      expect(server.running).toBe(true);
      expect(await accepts(server)).toBe(true);

      await server.kill();
      expect(server.running).toBe(false);
      expect(await accepts(server)).toBe(false);

      const marker = join(server.dataDir, 'marker');
      writeFileSync(marker, '');
      await server.restart();
      expect(await accepts(server)).toBe(true);
      expect(existsSync(marker)).toBe(true);

      await server.restart({ keepData: false });
      expect(await accepts(server)).toBe(true);
      expect(existsSync(marker)).toBe(false);
    } finally {
      await server.stop();
    }
    expect(server.running).toBe(false);
    expect(existsSync(server.dataDir)).toBe(false);
  });
});
