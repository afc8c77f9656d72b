import type { Logger, Result, SnapshotBus } from '@sesame/shared';
import { CommandError } from './run.js';

/** A parsed `--bus` URL (INTERFACE.md: `memory:`, `nats://HOST:PORT`, `redis://HOST:PORT`). */
export type BusUrl =
  | { readonly kind: 'memory' }
  | { readonly kind: 'nats'; readonly url: string }
  | { readonly kind: 'redis'; readonly url: string };

/** Parses a bus URL; the scheme picks the implementation. */
export function parseBusUrl(value: string): Result<BusUrl, string> {
  const v = value.trim();
  if (v === 'memory:' || v === 'memory://') return { ok: true, value: { kind: 'memory' } };
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    return { ok: false, errors: `expected memory:, nats://HOST:PORT or redis://HOST:PORT, got "${value}"` };
  }
  if (url.protocol === 'nats:' || url.protocol === 'tls:')
    return { ok: true, value: { kind: 'nats', url: v } };
  if (url.protocol === 'redis:' || url.protocol === 'rediss:')
    return { ok: true, value: { kind: 'redis', url: v } };
  return {
    ok: false,
    errors: `unsupported bus scheme "${url.protocol}" (expected memory:, nats:// or redis://)`,
  };
}

/**
 * Opens the bus a URL names. `memory:` only connects components inside one process, so the standalone
 * watcher and edge refuse it.
 */
export function openBus(
  url: BusUrl,
  _options: { logger: Logger; role: 'watcher' | 'edge' },
): Promise<SnapshotBus> {
  switch (url.kind) {
    case 'memory':
      return Promise.reject(
        new CommandError('--bus memory: only connects the parts of `sesame local`; use nats:// or redis://'),
      );
    case 'nats':
    case 'redis':
      return Promise.reject(new CommandError(`--bus ${url.kind}:// is not supported by this build`));
  }
}
