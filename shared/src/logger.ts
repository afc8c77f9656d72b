import { pino, type Logger } from 'pino';

/** The levels `--log-level` accepts. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** One of the accepted log levels. */
export type LogLevel = (typeof LOG_LEVELS)[number];

export type { Logger };

/**
 * The root logger of a process: pino JSON on stdout (or the given destination), errors under `err`.
 * Components receive children made with `logger.child({ component })`; nothing imports a logger.
 */
export function createLogger(options: {
  level: LogLevel;
  name?: string;
  destination?: NodeJS.WritableStream;
}): Logger {
  return pino(
    {
      level: options.level,
      ...(options.name === undefined ? {} : { name: options.name }),
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
