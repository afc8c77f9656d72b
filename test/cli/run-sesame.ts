import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built `sesame` bin, as users run it (`npm test` builds before the tests). */
export const SESAME_BIN = fileURLToPath(new URL('../../bin/sesame.js', import.meta.url));

/** The outcome of a finished `sesame` run. */
export interface SesameRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `sesame ARGS` to completion. */
export function runSesame(
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<SesameRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SESAME_BIN, ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A long-running `sesame` process whose JSON log lines can be awaited. */
export interface SesameProcess {
  readonly child: ChildProcess;
  /** Every log line seen so far, parsed. */
  readonly lines: Array<Record<string, unknown>>;
  /** Resolves with the first log line (past or future) matching `predicate`; rejects at the deadline. */
  waitForLog(
    predicate: (line: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `sesame ARGS` in the background. */
export function startSesame(args: readonly string[], options: { cwd?: string } = {}): SesameProcess {
  const child = spawn(process.execPath, [SESAME_BIN, ...args], {
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Array<Record<string, unknown>> = [];
  const waiters = new Set<{
    predicate: (l: Record<string, unknown>) => boolean;
    resolve: (l: Record<string, unknown>) => void;
  }>();
  let buffered = '';
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout?.on('data', (d: Buffer) => {
    buffered += d.toString();
    let nl: number;
    while ((nl = buffered.indexOf('\n')) !== -1) {
      const text = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        line = { msg: text, unparsed: true };
      }
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.predicate(line)) {
          waiters.delete(w);
          w.resolve(line);
        }
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    lines,
    waitForLog(predicate, timeoutMs = 20_000) {
      const seen = lines.find(predicate);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = { predicate, resolve };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(
            new Error(
              `no matching log line within ${timeoutMs} ms; stderr: ${stderr}; log: ${JSON.stringify(lines.slice(-5))}`,
            ),
          );
        }, timeoutMs);
        waiter.resolve = (l) => {
          clearTimeout(timer);
          resolve(l);
        };
        waiters.add(waiter);
        void exited.then((code) => {
          if (waiters.has(waiter)) {
            clearTimeout(timer);
            waiters.delete(waiter);
            reject(new Error(`sesame exited with ${code} before the expected log line; stderr: ${stderr}`));
          }
        });
      });
    },
    stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
