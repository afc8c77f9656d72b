// A real pino logger (the shared `createLogger`) whose JSON lines the test keeps and reads back, to check what
// an operator would see: messages, levels and the fields bound to them.
import { Writable } from 'node:stream';
import { createLogger, type Logger, type LogLevel } from '@sesame/shared';

/** One log line, parsed. */
export type LogLine = Record<string, unknown>;

/** A logger at `level` and the lines it has written so far (in order). */
export function capturingLogger(level: LogLevel = 'debug'): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n'))
        if (line !== '') lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return { logger: createLogger({ level, destination }), lines };
}
