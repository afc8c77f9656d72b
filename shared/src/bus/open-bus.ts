import type { Registry } from 'prom-client';
import { ErrorCode, SesameError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Result } from '../result.js';
import type { SnapshotBus } from './bus.js';
import { createLogBus, type LogBusTuning } from './log-bus.js';
import { createMemoryBus } from './memory-bus.js';
import { createNatsStore } from './nats-store.js';
import { createRedisStore } from './redis-store.js';
import { readBusKeyFile } from './seal.js';

/** A parsed `--bus` URL. */
export type BusTarget =
  | { readonly kind: 'memory' }
  | {
      readonly kind: 'nats';
      readonly servers: readonly string[];
      readonly user?: string;
      readonly pass?: string;
      readonly token?: string;
      readonly tls: boolean;
    }
  | { readonly kind: 'redis'; readonly url: string; readonly tls: boolean };

/** TLS files for the connection to NATS or Redis. */
export interface BusTlsFiles {
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
}

/** Options of `openBus`. */
export interface OpenBusOptions {
  readonly logger: Logger;
  /** `--bus-key-file`: authenticates and encrypts every payload. */
  readonly keyFile?: string;
  readonly registry?: Registry;
  readonly role: 'watcher' | 'edge';
  /** NATS KV bucket, or Redis key prefix (`<prefix>:`). Default `sesame`. */
  readonly prefix?: string;
  /** TLS to the bus server; implies TLS even with `nats://` or `redis://`. */
  readonly tls?: BusTlsFiles;
  /** Credentials when they are not in the URL. */
  readonly username?: string;
  readonly password?: string;
  /** NATS token authentication. */
  readonly token?: string;
  readonly tuning?: Partial<LogBusTuning>;
}

const DEFAULT_NATS_PORT = 4222;
const BUS_URL_HELP =
  'expected memory:, nats://[user:pass@]HOST:PORT (or tls://) or redis://[:pass@]HOST:PORT[/db] (or rediss://)';

/** Parses a `--bus` URL; credentials in the URL are kept, percent-decoded. */
export function parseBusUrl(text: string): Result<BusTarget, string> {
  const value = text.trim();
  if (value === 'memory:' || value === 'memory://') return { ok: true, value: { kind: 'memory' } };
  const scheme = /^([a-z]+):\/\//i.exec(value)?.[1]?.toLowerCase();
  if (scheme === 'redis' || scheme === 'rediss') {
    try {
      const url = new URL(value);
      if (url.hostname === '') return { ok: false, errors: `${BUS_URL_HELP}; got "${text}" (no host)` };
    } catch {
      return { ok: false, errors: `${BUS_URL_HELP}; got "${text}"` };
    }
    return { ok: true, value: { kind: 'redis', url: value, tls: scheme === 'rediss' } };
  }
  if (scheme === 'nats' || scheme === 'tls') {
    const servers: string[] = [];
    let user: string | undefined;
    let pass: string | undefined;
    for (const item of value.split(',')) {
      let url: URL;
      try {
        url = new URL(/^[a-z]+:\/\//i.test(item) ? item.replace(/^[a-z]+:/i, 'nats:') : `nats://${item}`);
      } catch {
        return { ok: false, errors: `${BUS_URL_HELP}; got "${text}"` };
      }
      if (url.hostname === '') return { ok: false, errors: `${BUS_URL_HELP}; got "${text}" (no host)` };
      servers.push(`${url.hostname}:${url.port === '' ? DEFAULT_NATS_PORT : url.port}`);
      if (url.username !== '' && user === undefined) {
        user = decodeURIComponent(url.username);
        pass = url.password === '' ? undefined : decodeURIComponent(url.password);
      }
    }
    const credentials = user === undefined ? {} : pass === undefined ? { token: user } : { user, pass };
    return { ok: true, value: { kind: 'nats', servers, ...credentials, tls: scheme === 'tls' } };
  }
  return { ok: false, errors: `${BUS_URL_HELP}; got "${text}"` };
}

/**
 * Opens the bus a `--bus` URL names. Returns at once: connections are made (and remade) in the background,
 * publishes wait and retry, subscribers start delivering once the bus answers. `memory:` is the in-process bus
 * of `sesame local` and reaches nothing outside this process.
 */
export async function openBus(url: string, options: OpenBusOptions): Promise<SnapshotBus> {
  const parsed = parseBusUrl(url);
  if (!parsed.ok) throw new SesameError(ErrorCode.ConfigInvalid, `--bus: ${parsed.errors}`);
  const target = parsed.value;
  const logger = options.logger.child({ component: 'bus', role: options.role });
  if (target.kind === 'memory') return createMemoryBus();
  const key = options.keyFile === undefined ? undefined : await readBusKeyFile(options.keyFile);
  const prefix = options.prefix ?? 'sesame';
  if (!/^[-\w]+$/.test(prefix)) {
    throw new SesameError(ErrorCode.ConfigInvalid, `bus prefix "${prefix}" must be letters, digits, - or _`);
  }
  const store =
    target.kind === 'nats'
      ? createNatsStore({
          servers: target.servers,
          bucket: prefix,
          logger,
          ...pick({ user: target.user ?? options.username, pass: target.pass ?? options.password }),
          ...pick({ token: target.token ?? options.token }),
          ...(target.tls || options.tls !== undefined ? { tls: { ...options.tls } } : {}),
        })
      : createRedisStore({
          url: target.url,
          prefix: `${prefix}:`,
          logger,
          ...pick({ username: options.username, password: options.password }),
          ...(options.tls === undefined ? {} : { tls: options.tls }),
        });
  logger.info({ kind: target.kind, prefix, authenticated: key !== undefined }, 'opening the snapshot bus');
  return createLogBus({
    store,
    logger,
    ...(key === undefined ? {} : { key }),
    ...(options.registry === undefined ? {} : { registry: options.registry }),
    ...(options.tuning === undefined ? {} : { tuning: options.tuning }),
  });
}

/** Drops undefined values, so an absent option never overrides a client default. */
function pick<T extends Record<string, string | undefined>>(values: T): Partial<Record<keyof T, string>> {
  const out: Partial<Record<keyof T, string>> = {};
  for (const [k, v] of Object.entries(values)) if (v !== undefined) out[k as keyof T] = v;
  return out;
}
