import { createLogger, type Logger, type LogLevel } from '@sesame/shared';
import type { Result } from '@sesame/shared';

/** Thrown to end a command with a one-line message and an exit code, without a stack trace. */
export class CommandError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

/** Unwraps a parsed config or ends the command with every problem on one line. */
export function requireConfig<T>(command: string, config: Result<T>): T {
  if (!config.ok) throw new CommandError(`sesame ${command}: ${config.errors.join('; ')}`);
  return config.value;
}

/** Something a long-running command starts and must close on SIGTERM/SIGINT. */
export interface Closeable {
  close(): Promise<void>;
}

/** Registers something a command started, so it is closed on shutdown or when a later step fails. */
export type Own = <T extends Closeable>(item: T) => T;

/**
 * Runs a long-lived command: starts it, then on SIGTERM or SIGINT closes what it started (in reverse order)
 * within `graceMs`, and resolves when done. A second signal exits at once. If starting fails half way, what
 * was already started (passed to `own`, or returned) is closed before the error is reported.
 */
export async function serve(options: {
  name: string;
  logLevel: LogLevel;
  graceMs?: number;
  start: (logger: Logger, own: Own) => Promise<Closeable[] | void>;
}): Promise<void> {
  const logger = createLogger({ level: options.logLevel, name: options.name });
  const started: Closeable[] = [];
  const own: Own = (item) => {
    if (!started.includes(item)) started.push(item);
    return item;
  };
  try {
    const returned = await options.start(logger, own);
    for (const item of returned ?? []) own(item);
  } catch (err) {
    logger.fatal({ err }, 'start failed');
    await closeAll([...started].reverse(), logger);
    logger.flush();
    throw new CommandError(`sesame ${options.name}: ${(err as Error).message}`, 1);
  }
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        logger.warn({ signal }, 'second signal, exiting now');
        process.exit(1);
      }
      stopping = true;
      logger.info({ signal }, 'shutting down');
      const deadline = setTimeout(() => {
        logger.error('shutdown took too long, exiting');
        process.exit(1);
      }, options.graceMs ?? 10_000);
      deadline.unref();
      closeAll([...started].reverse(), logger)
        .then(() => {
          clearTimeout(deadline);
          logger.info('stopped');
          logger.flush();
          resolve();
        })
        .catch(() => resolve());
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

async function closeAll(items: Closeable[], logger: Logger): Promise<void> {
  for (const item of items) {
    try {
      await item.close();
    } catch (err) {
      logger.error({ err }, 'error while closing');
    }
  }
}
