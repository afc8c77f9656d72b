import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSesame, startSesame, type SesameProcess } from '../../../test/cli/run-sesame.js';

const EXAMPLES = fileURLToPath(new URL('../../../examples/manifests', import.meta.url));
const ECHO_EDS = 'default/echo/http';

interface ReadyLine {
  bus: { url: string; pid: number };
  watcher: { pid: number; admin: string };
  edges: Array<{ name: string; pid: number; xds: string; admin: string }>;
  certs: string;
}

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Resolves with the exit code once `stack` has exited. */
function exitCode(stack: SesameProcess): Promise<number | null> {
  const { child } = stack;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Every pid the stack reported starting (the bus server, the watcher, the edges). */
function startedPids(stack: SesameProcess): number[] {
  return stack.lines.filter((l) => l['msg'] === 'process started').map((l) => Number(l['childPid']));
}

/** What `sesame xds --type eds` prints for the echo Service on one edge: its version and endpoints. */
async function echoEndpoints(server: string, certs: string): Promise<{ version: string; body: string }> {
  const run = await runSesame([
    ...['xds', ECHO_EDS, '--server', server, '--tls-dir', join(certs, 'envoy'), '--type', 'eds'],
  ]);
  expect(run.code, run.stderr).toBe(0);
  const out = JSON.parse(run.stdout) as { eds: { version: string; resources: unknown[] } };
  return { version: out.eds.version, body: JSON.stringify(out.eds.resources) };
}

/** Kills whatever a failed test left running: only processes this test's stack started. */
function killLeftovers(stack: SesameProcess | undefined): void {
  if (stack === undefined) return;
  stack.child.kill('SIGKILL');
  for (const pid of startedPids(stack)) if (alive(pid)) process.kill(pid, 'SIGKILL');
}

describe('sesame stack', () => {
  let dir: string;
  let manifests: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sesame-stack-'));
    manifests = join(dir, 'manifests');
    await cp(EXAMPLES, manifests, { recursive: true });
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('--bus nats --edges 3', () => {
    let stack: SesameProcess | undefined;
    let ready: ReadyLine;

    beforeAll(async () => {
      stack = startSesame([
        ...['stack', '--bus', 'nats', '--edges', '3', '--dir', join(dir, 'state')],
        ...['--manifests', manifests],
      ]);
      ready = (await stack.waitForLog(
        (l) => l['msg'] === 'sesame stack is ready',
        60_000,
      )) as unknown as ReadyLine;
    }, 70_000);

    afterAll(() => killLeftovers(stack));

    it('starts a bus server, the watcher and three edges, each its own process', () => {
      expect(ready.bus.url).toMatch(/^nats:\/\/127\.0\.0\.1:\d+$/);
      expect(ready.edges.map((e) => e.name)).toEqual(['edge-1', 'edge-2', 'edge-3']);
      const pids = [ready.bus.pid, ready.watcher.pid, ...ready.edges.map((e) => e.pid)];
      expect(new Set(pids).size).toBe(5);
      expect(pids.every(alive)).toBe(true);
      expect(startedPids(stack!).sort()).toEqual([...pids].sort());
    });

    it('serves a manifest change on every edge, as `sesame xds` shows', async () => {
      const before = await Promise.all(ready.edges.map((e) => echoEndpoints(e.xds, ready.certs)));
      expect(new Set(before.map((b) => b.version)).size).toBe(1);
      expect(before[0]?.body).toContain('10.0.1.11');

      const file = join(manifests, 'services.yaml');
      await writeFile(file, (await readFile(file, 'utf8')).replace("'10.0.1.11'", "'10.0.1.77'"));

      // Poll each edge through the debug client until the change is there, within a deadline.
      const deadline = Date.now() + 30_000;
      const after = await Promise.all(
        ready.edges.map(async (e) => {
          for (;;) {
            const seen = await echoEndpoints(e.xds, ready.certs);
            if (seen.body.includes('10.0.1.77') || Date.now() > deadline) return seen;
          }
        }),
      );
      for (const seen of after) {
        expect(seen.body).toContain('10.0.1.77');
        expect(seen.body).not.toContain('10.0.1.11');
        expect(seen.version).not.toBe(before[0]?.version);
      }
      expect(new Set(after.map((a) => a.version)).size).toBe(1);
    }, 60_000);

    it('stops everything on SIGINT and exits 0, leaving no process behind', async () => {
      const pids = startedPids(stack!);
      stack!.child.kill('SIGINT');
      expect(await exitCode(stack!)).toBe(0);
      expect(pids.filter(alive)).toEqual([]);
      expect(stack!.lines.some((l) => l['msg'] === 'stopped')).toBe(true);
    }, 30_000);
  });

  it('stops the rest and exits non-zero when a part dies', async () => {
    const stack = startSesame([
      ...['stack', '--bus', 'redis', '--edges', '2', '--dir', join(dir, 'state-redis')],
      ...['--manifests', manifests],
    ]);
    try {
      const ready = (await stack.waitForLog(
        (l) => l['msg'] === 'sesame stack is ready',
        60_000,
      )) as unknown as ReadyLine;
      const pids = startedPids(stack);
      // edge-2 is a process this test started (through the stack).
      process.kill(ready.edges[1]!.pid, 'SIGKILL');
      expect(await exitCode(stack)).toBe(1);
      const failed = stack.lines.find((l) => l['msg'] === 'stack failed; stopping every process');
      expect(JSON.stringify(failed)).toContain('edge-2 was killed by SIGKILL');
      expect(pids.filter(alive)).toEqual([]);
    } finally {
      killLeftovers(stack);
    }
  }, 70_000);

  it('stops what it started when a part fails half way through the start-up', async () => {
    // The watcher's admin port is taken, so the watcher cannot start; the bus server is already up.
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    const stack = startSesame([
      ...['stack', '--edges', '1', '--dir', join(dir, 'state-busy'), '--manifests', manifests],
      ...['--admin-base-port', String(port)],
    ]);
    try {
      expect(await exitCode(stack)).toBe(1);
      const pids = startedPids(stack);
      expect(pids.length).toBeGreaterThanOrEqual(2);
      expect(pids.filter(alive)).toEqual([]);
      const failed = stack.lines.find((l) => l['msg'] === 'stack failed; stopping every process');
      // The watcher and the edges start together; the watcher's port is surely taken, and edge-1's (the next
      // one) may be taken by an unrelated process on a busy machine, so either may be the first to fail.
      expect(JSON.stringify(failed)).toMatch(/(watcher|edge-1) failed: listen EADDRINUSE/);
    } finally {
      killLeftovers(stack);
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
  }, 70_000);

  it('exits non-zero with one line when the bus server is not on PATH', async () => {
    const emptyPath = join(dir, 'empty-path');
    await mkdir(emptyPath);
    const run = await runSesame(['stack', '--dir', join(dir, 'state-missing'), '--manifests', manifests], {
      env: { PATH: emptyPath },
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'sesame stack: nats-server not found on PATH (needed for --bus nats); ' +
        'install it (apt-get install nats-server, or use --bus redis)\n',
    );
    expect(run.stdout).toBe('');
  });
});
