import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream';

/** How a child ended: its exit code, or the signal that killed it. */
export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** What `startChild` runs and where its output goes. */
export interface ChildOptions {
  /** Short name for messages and log tagging (`nats`, `watcher`, `edge-1`). */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  /** Every byte the child writes (stdout and stderr) is appended here. */
  readonly logFile: string;
  /** Called with each complete output line, e.g. to copy it to the terminal. */
  readonly onLine?: (line: string) => void;
}

/** A child process the stack started and must stop. */
export interface ManagedChild {
  readonly name: string;
  readonly pid: number | undefined;
  readonly logFile: string;
  /** Settles once the process has exited (never rejects). */
  readonly exited: Promise<ChildExit>;
  /** The exit, once there is one. */
  exit(): ChildExit | undefined;
  /** The last output lines, for error messages. */
  tail(): string[];
  /** Resolves with the first output line (past or future) for which `match` returns a value. */
  waitForLine<T>(match: (line: string) => T | undefined, what: string): Promise<T>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. Idempotent. */
  stop(graceMs: number): Promise<ChildExit>;
  /** SIGKILL at once. */
  kill(): void;
}

const TAIL_LINES = 20;
/** Lines kept for `waitForLine` to look back on: enough for any start-up, bounded for long runs. */
const HISTORY_LINES = 1000;

/** A one-line description of an exit, e.g. `exited with code 1` or `was killed by SIGKILL`. */
export function describeExit(exit: ChildExit): string {
  return exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${String(exit.code)}`;
}

/**
 * Starts a child in its own process group, so a Ctrl-C in the terminal reaches only the stack, which then
 * stops its children in order instead of all of them racing to exit at once.
 */
export function startChild(options: ChildOptions): ManagedChild {
  const log = createWriteStream(options.logFile, { flags: 'w' });
  // A log file that cannot be written must not take the stack down; the lines still reach `onLine`.
  log.on('error', () => {});
  const child = spawn(options.command, [...options.args], {
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const history: string[] = [];
  const waiters = new Set<(line: string) => boolean>();
  let exitInfo: ChildExit | undefined;

  const onLine = (line: string): void => {
    history.push(line);
    if (history.length > HISTORY_LINES) history.shift();
    options.onLine?.(line);
    for (const waiter of [...waiters]) if (waiter(line)) waiters.delete(waiter);
  };
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    // Decoded by the stream, so a character split across two chunks arrives whole.
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      log.write(chunk);
      partial += chunk;
      let nl: number;
      while ((nl = partial.indexOf('\n')) !== -1) {
        onLine(partial.slice(0, nl));
        partial = partial.slice(nl + 1);
      }
    });
  }

  const exited = new Promise<ChildExit>((resolve) => {
    const finish = (info: ChildExit): void => {
      if (exitInfo !== undefined) return;
      exitInfo = info;
      log.end();
      // Settle once the log file is complete (or has failed), so that nothing writes to it afterwards.
      finished(log, () => resolve(info));
    };
    // 'close' waits for the output pipes too, so the log file is complete when this settles.
    child.once('close', (code, signal) => finish({ code, signal }));
    // A missing or non-executable command: no 'close' without a spawned process on some versions.
    child.once('error', (err) => {
      onLine(`${options.name}: ${err.message}`);
      finish({ code: 127, signal: null });
    });
  });

  const running = (): boolean =>
    exitInfo === undefined && child.exitCode === null && child.signalCode === null;

  return {
    name: options.name,
    pid: child.pid,
    logFile: options.logFile,
    exited,
    exit: () => exitInfo,
    tail: () => history.slice(-TAIL_LINES),
    waitForLine<T>(match: (line: string) => T | undefined, what: string): Promise<T> {
      for (const line of history) {
        const found = match(line);
        if (found !== undefined) return Promise.resolve(found);
      }
      return new Promise<T>((resolve, reject) => {
        const waiter = (line: string): boolean => {
          const found = match(line);
          if (found === undefined) return false;
          resolve(found);
          return true;
        };
        waiters.add(waiter);
        void exited.then((info) => {
          if (!waiters.delete(waiter)) return;
          const last = history.at(-1);
          reject(
            new Error(
              `${options.name} ${describeExit(info)} before ${what}` +
                `${last === undefined ? '' : ` (last output: ${last.trim()})`}; see ${options.logFile}`,
            ),
          );
        });
      });
    },
    async stop(graceMs: number): Promise<ChildExit> {
      if (running()) child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), graceMs);
      });
      const outcome = await Promise.race([exited, late]);
      clearTimeout(timer);
      if (outcome === 'late' && running()) child.kill('SIGKILL');
      return exited;
    },
    kill(): void {
      if (running()) child.kill('SIGKILL');
    },
  };
}
