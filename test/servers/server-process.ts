import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How to run one kind of server as a child process on a loopback port. */
export interface ServerSpec {
  /** For messages and the temp dir name. */
  readonly name: string;
  readonly command: string;
  readonly args: (port: number, dataDir: string) => string[];
  /** A log line (stdout or stderr) that says the server accepts connections. */
  readonly ready: RegExp;
  /** A log line that says the port was taken: the first start retries on another port. */
  readonly addressInUse: RegExp;
  readonly startTimeoutMs?: number;
}

/** A server child process that tests can kill -9 and restart on the same port, with or without its data. */
export interface TestServer {
  readonly host: string;
  readonly port: number;
  /** Survives restarts unless `restart({ keepData: false })`; removed by `stop()`. */
  readonly dataDir: string;
  readonly running: boolean;
  /** The server's recent log output, for failure messages. */
  output(): string;
  /** SIGKILL (or `signal`), resolving once the process has exited. No-op when not running. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port (killing it first if running); `keepData: false` wipes the data dir. */
  restart(options?: { keepData?: boolean }): Promise<void>;
  /** Kills it and removes its data dir. Idempotent. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
const dirs = new Set<string>();
let hooked = false;

/** Kills every server child and removes every temp dir if a test process exits without stopping them. */
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
}

/** A port that was free a moment ago on 127.0.0.1 (bind to 0, read it back, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const MAX_OUTPUT = 64 * 1024;

/** Starts `spec` on a free port, retrying on another port if that one was taken meanwhile. */
export async function startServer(spec: ServerSpec): Promise<TestServer> {
  hookExit();
  const dataDir = mkdtempSync(join(tmpdir(), `sesame-${spec.name}-`));
  dirs.add(dataDir);
  let output = '';
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const launch = (port: number): Promise<'ready' | 'in-use'> =>
    new Promise((resolve, reject) => {
      const proc = spawn(spec.command, spec.args(port, dataDir), { stdio: ['ignore', 'pipe', 'pipe'] });
      child = proc;
      live.add(proc);
      let settled = false;
      let partial = '';
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        proc.kill('SIGKILL');
        reject(new Error(`${spec.name} not ready within ${spec.startTimeoutMs ?? 15_000} ms:\n${output}`));
      }, spec.startTimeoutMs ?? 15_000);
      const onData = (d: Buffer): void => {
        const text = d.toString();
        output = (output + text).slice(-MAX_OUTPUT);
        partial += text;
        const lines = partial.split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          if (!settled && spec.ready.test(line)) {
            settled = true;
            clearTimeout(timer);
            resolve('ready');
          }
        }
      };
      proc.stdout?.on('data', onData);
      proc.stderr?.on('data', onData);
      exited = new Promise<void>((done) => {
        proc.once('exit', () => {
          live.delete(proc);
          if (child === proc) child = undefined;
          clearTimeout(timer);
          if (!settled) {
            settled = true;
            if (spec.addressInUse.test(output)) resolve('in-use');
            else reject(new Error(`${spec.name} exited before it was ready:\n${output}`));
          }
          done();
        });
      });
      proc.once('error', (err) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(err);
      });
    });

  let port = 0;
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    output = '';
    if ((await launch(port)) === 'ready') break;
    if (attempt >= 5) throw new Error(`${spec.name}: no free port after ${attempt + 1} tries`);
  }

  const kill = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    const proc = child;
    if (proc === undefined) return;
    proc.kill(signal);
    await exited;
  };

  return {
    host: '127.0.0.1',
    port,
    dataDir,
    get running() {
      return child !== undefined;
    },
    output: () => output,
    kill,
    async restart(options = {}) {
      await kill();
      if (options.keepData === false) {
        rmSync(dataDir, { recursive: true, force: true });
        mkdirSync(dataDir, { recursive: true });
      }
      const outcome = await launch(port);
      if (outcome === 'in-use') throw new Error(`${spec.name}: port ${port} was taken while it was down`);
    },
    async stop() {
      await kill();
      rmSync(dataDir, { recursive: true, force: true });
      dirs.delete(dataDir);
    },
  };
}
