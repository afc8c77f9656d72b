import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCertificates } from '@sesame/certgen';
import { formatHostPort, type HostPort, type Logger } from '@sesame/shared';
import { busBinary, startBusServer } from './bus-server.js';
import { fatalError, forwardedLine, listeningAddress } from './child-logs.js';
import { describeExit, startChild, type ManagedChild } from './child-process.js';
import { waitUntilReady } from './readiness.js';
import { watchStopSignals } from './signals.js';
import type { StackConfig } from './stack-config.js';
import { formatSummary, tryCommands, type EdgeEndpoint, type StackSummary } from './summary.js';

/** The `sesame` bin the children run: the one this CLI belongs to. */
const SESAME_BIN = fileURLToPath(new URL('../../../bin/sesame.js', import.meta.url));

/** What `runStack` needs from its surroundings (the CLI passes the real ones). */
export interface StackEnvironment {
  readonly logger: Logger;
  /** Full path of nats-server or redis-server, already looked up. */
  readonly busBinary: string;
  /** The children's environment. */
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Copies a tagged child log line to stdout. */
  readonly out: (line: string) => void;
  /** Prints the human summary. */
  readonly print: (text: string) => void;
  /** The stop signals' source (the process). */
  readonly signals?: NodeJS.EventEmitter;
}

/** The stack failed: a part did not start, or died while running. Everything has been stopped. */
export class StackFailure extends Error {}

class Interrupted extends Error {}

/**
 * Runs the split deployment as processes on this machine: a bus server, the watcher and N edges. Resolves
 * after a stop signal once every child is gone; rejects with a StackFailure, also after stopping every child,
 * when a part fails to start or exits on its own.
 */
export async function runStack(config: StackConfig, env: StackEnvironment): Promise<void> {
  const { logger } = env;
  const signals = watchStopSignals(env.signals);
  const busChildren: ManagedChild[] = [];
  const sesameChildren: ManagedChild[] = [];
  let stopping = false;
  // The first part that dies or logs a fatal error, while the stack is not stopping, fails the stack.
  let fail: (message: string) => void = () => {};
  const failed = new Promise<string>((resolve) => {
    fail = (message) => {
      if (!stopping) resolve(message);
    };
  });
  const track = (list: ManagedChild[]) => (child: ManagedChild) => {
    list.push(child);
    logger.info({ child: child.name, childPid: child.pid, log: child.logFile }, 'process started');
    if (stopping) child.kill();
    void child.exited.then(() => fail(deathMessage(child)));
  };
  signals.onRepeat((signal) => {
    logger.warn({ signal }, 'second signal: killing every process now');
    for (const child of [...sesameChildren, ...busChildren]) child.kill();
  });

  let startTimer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    startTimer = setTimeout(
      () => reject(new StackFailure(`not ready within ${config.readyTimeoutMs} ms`)),
      config.readyTimeoutMs,
    );
  });
  // Any step of the start-up gives way to a stop signal, a dead child or the start-up deadline.
  const aborted = Promise.race([
    signals.first.then((signal) => Promise.reject(new Interrupted(signal))),
    failed.then((message) => Promise.reject(new StackFailure(message))),
    expired,
  ]);
  aborted.catch(() => {});
  const guard = <T>(step: Promise<T>): Promise<T> => Promise.race([step, aborted]);

  const startup = new AbortController();
  const started = startAll(config, env, {
    busTrack: track(busChildren),
    sesameTrack: track(sesameChildren),
    guard,
    fail,
    signal: startup.signal,
  });
  try {
    const summary = await guard(started);
    clearTimeout(startTimer);
    const commands = tryCommands(summary, summary.edges[0]!, env.cwd);
    logger.info(
      {
        bus: summary.bus,
        watcher: { ...summary.watcher, admin: formatHostPort(summary.watcher.admin) },
        edges: summary.edges.map((e) => ({
          ...e,
          xds: formatHostPort(e.xds),
          admin: formatHostPort(e.admin),
        })),
        certs: summary.certs,
        logs: summary.logs,
        try: commands.xds,
      },
      'sesame stack is ready',
    );
    env.print(formatSummary(summary, env.cwd));
    const outcome = await Promise.race([
      signals.first.then((signal) => ({ signal })),
      failed.then((message) => ({ message })),
    ]);
    if ('message' in outcome) throw new StackFailure(outcome.message);
    logger.info({ signal: outcome.signal }, 'stopping');
  } catch (err) {
    if (err instanceof Interrupted) {
      logger.info({ signal: err.message }, 'stopping before the stack was ready');
    } else {
      const failure = err instanceof StackFailure ? err : new StackFailure((err as Error).message);
      logger.error({ err: failure }, 'stack failed; stopping every process');
      throw failure;
    }
  } finally {
    stopping = true;
    clearTimeout(startTimer);
    startup.abort();
    // Every step of the start-up is guarded, so it gives up at once; wait for it so that it starts nothing
    // after the children are collected below.
    await started.catch(() => {});
    // The watcher and the edges first (they hold the bus's connections), then the bus server.
    await Promise.all(sesameChildren.map((c) => stopChild(c, config.graceMs, logger)));
    await Promise.all(busChildren.map((c) => stopChild(c, config.graceMs, logger)));
    signals.dispose();
    logger.info('stopped');
  }
}

async function stopChild(child: ManagedChild, graceMs: number, logger: Logger): Promise<void> {
  const exit = await child.stop(graceMs);
  logger.info(
    { child: child.name, childPid: child.pid, code: exit.code, signal: exit.signal },
    'process stopped',
  );
}

function deathMessage(child: ManagedChild): string {
  const exit = child.exit();
  const last = child.tail().at(-1);
  return (
    `${child.name} ${exit === undefined ? 'exited' : describeExit(exit)}` +
    `${last === undefined ? '' : ` (last output: ${last.trim()})`}; see ${child.logFile}`
  );
}

interface Trackers {
  readonly busTrack: (child: ManagedChild) => void;
  readonly sesameTrack: (child: ManagedChild) => void;
  readonly guard: <T>(step: Promise<T>) => Promise<T>;
  /** Fails the stack with a message. */
  readonly fail: (message: string) => void;
  /** Aborted when the start-up is over, one way or the other. */
  readonly signal: AbortSignal;
}

async function startAll(config: StackConfig, env: StackEnvironment, t: Trackers): Promise<StackSummary> {
  const { logger } = env;
  const logs = join(config.dir, 'logs');
  const certs = join(config.dir, 'certs');
  await t.guard(mkdir(logs, { recursive: true }));
  const keyFile = await t.guard(ensureBusKey(join(config.dir, 'bus.key')));
  const outcomes = await t.guard(
    ensureCertificates({ outDir: certs, edgeDns: ['localhost'], edgeIps: ['127.0.0.1'] }),
  );
  for (const outcome of outcomes) {
    logger.info(
      { object: outcome.object, action: outcome.action, notAfter: outcome.notAfter },
      'certificate',
    );
  }
  const forward = (name: string) => (line: string) => {
    const copy = forwardedLine(name, line, config.follow);
    if (copy !== undefined) env.out(copy);
  };

  const bus = await t.guard(
    startBusServer({
      kind: config.bus,
      binary: env.busBinary,
      host: config.host,
      port: config.busPort,
      dataDir: join(config.dir, config.bus),
      logDir: logs,
      env: env.env,
      ...(config.follow ? { onLine: forward(config.bus) } : {}),
      track: t.busTrack,
    }),
  );
  logger.info({ url: bus.url, child: config.bus, childPid: bus.child.pid }, 'bus server ready');

  const busFlags = ['--bus', bus.url, '--bus-key-file', keyFile];
  const address = (port: number, offset: number): string =>
    formatHostPort({ host: config.host, port: port === 0 ? 0 : port + offset });
  const sesame = (name: string, args: readonly string[]): ManagedChild => {
    const child = startChild({
      name,
      command: process.execPath,
      args: [SESAME_BIN, ...args, '--log-level', config.logLevel],
      env: env.env,
      logFile: join(logs, `${name}.log`),
      onLine: (line) => {
        forward(name)(line);
        // A part that could not start logs a fatal error, and may linger on its open connections.
        const fatal = fatalError(line);
        if (fatal !== undefined) t.fail(`${name} failed: ${fatal}; see ${join(logs, `${name}.log`)}`);
      },
    });
    t.sesameTrack(child);
    return child;
  };
  const watcher = sesame('watcher', [
    ...['watcher', '--source', config.manifests, ...busFlags],
    ...['--admin', address(config.adminBasePort, 0)],
  ]);
  const edgeChildren = Array.from({ length: config.edges }, (_, i) =>
    sesame(`edge-${i + 1}`, [
      ...['edge', ...busFlags, '--tls-dir', join(certs, 'edge')],
      ...['--xds-address', address(config.xdsBasePort, i)],
      ...['--admin', address(config.adminBasePort, 1 + i)],
    ]),
  );

  const adminOf = (child: ManagedChild): Promise<HostPort> =>
    child.waitForLine(
      (line) => listeningAddress(line, 'admin server listening'),
      'its admin server listened',
    );
  const watcherAdmin = await t.guard(adminOf(watcher));
  const edges: EdgeEndpoint[] = await t.guard(
    Promise.all(
      edgeChildren.map(async (child) => ({
        name: child.name,
        pid: child.pid,
        xds: await child.waitForLine(
          (line) => listeningAddress(line, 'xDS edge listening'),
          'its xDS server listened',
        ),
        admin: await adminOf(child),
      })),
    ),
  );
  logger.info({ edges: edges.length }, 'waiting until the watcher has published and every edge is ready');
  const deadline = Date.now() + config.readyTimeoutMs;
  await t.guard(
    Promise.all([
      waitUntilReady('watcher', watcherAdmin, { deadline, signal: t.signal }),
      ...edges.map((e) => waitUntilReady(e.name, e.admin, { deadline, signal: t.signal })),
    ]),
  );
  return {
    bus: {
      kind: config.bus,
      server: busBinary(config.bus),
      url: bus.url,
      pid: bus.child.pid,
      dataDir: join(config.dir, config.bus),
    },
    watcher: { pid: watcher.pid, admin: watcherAdmin, manifests: config.manifests },
    edges,
    certs,
    logs,
  };
}

/** The shared secret that seals snapshots on the bus: made once, then reused by every run. */
async function ensureBusKey(path: string): Promise<string> {
  if (!existsSync(path)) {
    await writeFile(path, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' }).catch(
      (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      },
    );
  }
  return path;
}
