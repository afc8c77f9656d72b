import { parseHostPort, type HostPort } from '@sesame/shared';

/** A child's output line as a JSON object: its pino log line, or `{ msg: line }` for plain text. */
export function parseLogLine(line: string): Record<string, unknown> {
  if (line.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(line);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
        return parsed as Record<string, unknown>;
      }
    } catch {
      // Not JSON after all: keep it as text.
    }
  }
  return { msg: line };
}

const LOUD_LEVELS = new Set(['warn', 'error', 'fatal']);

/**
 * What to copy to the stack's stdout from a child's line: every line with `follow`, otherwise only warnings
 * and errors (a bad manifest, a lost bus). Each copy is one JSON line tagged with the child's name.
 */
export function forwardedLine(name: string, line: string, follow: boolean): string | undefined {
  if (line.trim() === '') return undefined;
  const parsed = parseLogLine(line);
  if (!follow && !LOUD_LEVELS.has(String(parsed['level']))) return undefined;
  return JSON.stringify({ child: name, ...parsed });
}

/**
 * The address in a child's log line with message `msg` (or starting with it): the edge logs
 * `xDS edge listening (mutual TLS)`, every admin server `admin server listening`, each with `address`.
 */
export function listeningAddress(line: string, msg: string): HostPort | undefined {
  const parsed = parseLogLine(line);
  if (!String(parsed['msg']).startsWith(msg) || typeof parsed['address'] !== 'string') return undefined;
  const address = parseHostPort(parsed['address']);
  return address.ok ? address.value : undefined;
}

/** The error of a pino line at level fatal (a part that could not start), or undefined for any other line. */
export function fatalError(line: string): string | undefined {
  const parsed = parseLogLine(line);
  if (parsed['level'] !== 'fatal') return undefined;
  const err = parsed['err'];
  const message =
    typeof err === 'object' && err !== null ? (err as Record<string, unknown>)['message'] : undefined;
  return typeof message === 'string' ? message : String(parsed['msg']);
}
