import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ManagedChild } from './child-process.js';
import { BUS_KINDS, busBinary, startBusServer, type BusKind } from './bus-server.js';
import { findBinary } from './find-binary.js';

const dir = mkdtempSync(join(tmpdir(), 'sesame-bus-server-'));
const started: ManagedChild[] = [];
afterAll(async () => {
  await Promise.all(started.map((c) => c.stop(5000)));
  rmSync(dir, { recursive: true, force: true });
});

/** The first line a server sends or answers: NATS greets with INFO, Redis answers PING with +PONG. */
function firstLine(port: number, send: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(send));
    let data = '';
    socket.on('data', (d: Buffer) => {
      data += d.toString();
      const nl = data.indexOf('\r\n');
      if (nl !== -1) {
        socket.destroy();
        resolve(data.slice(0, nl));
      }
    });
    socket.once('error', reject);
  });
}

const GREETING: Record<BusKind, { send: string; expect: RegExp }> = {
  nats: { send: '', expect: /^INFO \{.*"jetstream":true/ },
  redis: { send: 'PING\r\n', expect: /^\+PONG$/ },
};

describe.each(BUS_KINDS)('startBusServer: %s', (kind) => {
  it('runs the server from PATH on a free loopback port, with its data under the data dir', async () => {
    const binary = findBinary(busBinary(kind), process.env['PATH'] ?? '');
    expect(binary, `${busBinary(kind)} must be installed (.ci/run installs it)`).toBeDefined();
    const server = await startBusServer({
      kind,
      binary: binary!,
      host: '127.0.0.1',
      port: 0,
      dataDir: join(dir, kind),
      logDir: dir,
      env: process.env,
      track: (child) => started.push(child),
    });
    const url = new URL(server.url);
    expect(url.protocol).toBe(`${kind}:`);
    expect(url.hostname).toBe('127.0.0.1');
    expect(await firstLine(Number(url.port), GREETING[kind].send)).toMatch(GREETING[kind].expect);
    expect(await server.child.stop(5000)).toMatchObject({ signal: null });
  });
});
