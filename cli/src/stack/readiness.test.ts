import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { probeReadyz, waitUntilReady } from './readiness.js';

const ADMIN = { host: '127.0.0.1', port: 1 };

describe('waitUntilReady', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('probes until the process answers ready', async () => {
    vi.useFakeTimers();
    const answers = [false, false, true];
    const probe = vi.fn(() => Promise.resolve(answers.shift() ?? false));
    const ready = waitUntilReady('edge-1', ADMIN, { deadline: Date.now() + 10_000, probe, intervalMs: 100 });
    await vi.advanceTimersByTimeAsync(250);
    await ready;
    expect(probe).toHaveBeenCalledTimes(3);
  });

  it('gives up at the deadline, naming the process and its /readyz', async () => {
    vi.useFakeTimers();
    const probe = (): Promise<boolean> => Promise.resolve(false);
    const ready = waitUntilReady('edge-2', ADMIN, { deadline: Date.now() + 1000, probe });
    const outcome = expect(ready).rejects.toThrow('edge-2 was not ready in time (http://127.0.0.1:1/readyz)');
    await vi.advanceTimersByTimeAsync(1100);
    await outcome;
  });

  it('stops polling when aborted', async () => {
    const controller = new AbortController();
    const probe = vi.fn(() => {
      controller.abort();
      return Promise.resolve(false);
    });
    await expect(
      waitUntilReady('watcher', ADMIN, { deadline: Date.now() + 60_000, probe, signal: controller.signal }),
    ).rejects.toThrow();
    expect(probe).toHaveBeenCalledTimes(1);
  });
});

describe('probeReadyz', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  it('is true on 200 only', async () => {
    let status = 503;
    server = createServer((_req, res) => res.writeHead(status).end());
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const admin = { host: '127.0.0.1', port: (server.address() as AddressInfo).port };
    expect(await probeReadyz(admin)).toBe(false);
    status = 200;
    expect(await probeReadyz(admin)).toBe(true);
  });

  it('is false when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await probeReadyz({ host: '127.0.0.1', port })).toBe(false);
  });
});
