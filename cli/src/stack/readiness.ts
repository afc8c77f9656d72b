import { formatHostPort, type HostPort } from '@sesame/shared';

/** Options of `waitUntilReady`. */
export interface ReadinessOptions {
  /** Give up at this time (ms since the epoch). */
  readonly deadline: number;
  /** How long to wait between two probes. */
  readonly intervalMs?: number;
  /** The clock, injected for tests. */
  readonly now?: () => number;
  /** Stops the polling (it then rejects): the stack gave up for another reason. */
  readonly signal?: AbortSignal;
  /** One probe: true when the process answers ready. Defaults to GET /readyz on `admin`. */
  readonly probe?: (admin: HostPort) => Promise<boolean>;
}

/** GET http://ADMIN/readyz: true on 200, false on any other answer or none. */
export async function probeReadyz(admin: HostPort): Promise<boolean> {
  try {
    const response = await fetch(`http://${formatHostPort(admin)}/readyz`, {
      signal: AbortSignal.timeout(2000),
    });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

/**
 * Polls a process's `/readyz` until it answers 200 (an edge does once it holds a complete snapshot, the
 * watcher once it has published). Rejects at the deadline.
 */
export async function waitUntilReady(
  name: string,
  admin: HostPort,
  options: ReadinessOptions,
): Promise<void> {
  const now = options.now ?? Date.now;
  const probe = options.probe ?? probeReadyz;
  for (;;) {
    options.signal?.throwIfAborted();
    if (await probe(admin)) return;
    const left = options.deadline - now();
    if (left <= 0) {
      throw new Error(`${name} was not ready in time (http://${formatHostPort(admin)}/readyz)`);
    }
    await pause(Math.min(options.intervalMs ?? 100, left), options.signal);
  }
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
