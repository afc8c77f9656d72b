import { readFileSync } from 'node:fs';
import { Redis, type RedisOptions } from 'ioredis';
import { ErrorCode, SesameError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { BusStore, StoreWatch } from './store.js';
import { HEAD_KEY } from './wire.js';

/** Where and how to reach Redis, and the key prefix of the bus. */
export interface RedisStoreOptions {
  /** `redis://[[user]:pass@]host:port[/db]` or `rediss://…` (TLS), as ioredis parses it. */
  readonly url: string;
  /** Prefix of every key and of the notification channel, e.g. `sesame:`. */
  readonly prefix: string;
  readonly username?: string;
  readonly password?: string;
  /** TLS files for a private CA and client auth (the URL's `rediss://` alone uses the system CAs). */
  readonly tls?: { readonly caFile?: string; readonly certFile?: string; readonly keyFile?: string };
  readonly logger: Logger;
}

/**
 * Commits entries and the head in one atomic script, only if the head's revision is still the expected one,
 * and notifies in the same step. A script (rather than WATCH/MULTI) cannot lose its guard to a reconnect that
 * happens between WATCH and EXEC. The revision counter makes any foreign write visible, even one that wrote
 * the same head bytes back.
 * KEYS: head, revision, entries…; ARGV: expected revision ('' for no head), new head, channel, entry values…
 */
const COMMIT_SCRIPT = `
local exists = redis.call('EXISTS', KEYS[1]) == 1
if ARGV[1] == '' then
  if exists then return false end
elseif not exists or redis.call('GET', KEYS[2]) ~= ARGV[1] then
  return false
end
for i = 3, #KEYS do redis.call('SET', KEYS[i], ARGV[i + 1]) end
redis.call('SET', KEYS[1], ARGV[2])
local revision = redis.call('INCR', KEYS[2])
redis.call('PUBLISH', ARGV[3], '1')
return tostring(revision)
`;

interface CommitCommand {
  sesameBusCommit(numKeys: number, ...args: Array<string | Buffer>): Promise<string | null>;
}

/** Escapes glob characters so a prefix matches only itself in SCAN MATCH. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/**
 * The bus over Redis. Commands fail fast while disconnected (the bus retries them), except before the first
 * connection, which they wait for. Notifications arrive on a pub/sub channel; every (re)connection of either
 * connection also notifies, since a head written meanwhile would otherwise go unnoticed.
 */
export function createRedisStore(options: RedisStoreOptions): BusStore {
  const { prefix, logger } = options;
  const channel = `${prefix}${HEAD_KEY}`;
  const headKey = `${prefix}${HEAD_KEY}`;
  const revisionKey = `${prefix}revision`;
  const watchers = new Set<() => void>();
  const fire = (): void => {
    for (const w of [...watchers]) w();
  };
  const tls = options.tls;
  const redisOptions: RedisOptions = {
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 7), 2000),
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2000,
    ...(options.username === undefined ? {} : { username: options.username }),
    ...(options.password === undefined ? {} : { password: options.password }),
    ...(tls === undefined
      ? {}
      : {
          tls: {
            ...(tls.caFile === undefined ? {} : { ca: readFileSync(tls.caFile) }),
            ...(tls.certFile === undefined ? {} : { cert: readFileSync(tls.certFile) }),
            ...(tls.keyFile === undefined ? {} : { key: readFileSync(tls.keyFile) }),
          },
        }),
  };
  const client = new Redis(options.url, redisOptions);
  client.defineCommand('sesameBusCommit', { lua: COMMIT_SCRIPT });
  const commands = client as unknown as CommitCommand;
  let subscriber: Redis | undefined;
  let down = false;

  client.on('error', (err: unknown) => {
    if (!down) logger.warn({ err }, 'Redis connection error; retrying');
    down = true;
  });
  let closed = false;
  let abandon: (() => void) | undefined;
  const firstReady = new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve());
    abandon = () => reject(new SesameError(ErrorCode.BusUnavailable, 'the Redis bus store is closed'));
  });
  firstReady.catch(() => undefined);
  client.on('ready', () => {
    if (down) logger.info('reconnected to Redis');
    down = false;
    fire();
  });
  client.on('close', () => {
    if (!down) logger.warn('disconnected from Redis');
    down = true;
  });

  const ready = async (): Promise<void> => {
    if (closed) throw new SesameError(ErrorCode.BusUnavailable, 'the Redis bus store is closed');
    if (client.status !== 'ready') await firstReady;
  };

  const startSubscriber = (): Redis => {
    const sub = client.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    sub.on('error', () => undefined);
    sub.on('ready', fire);
    sub.on('message', fire);
    sub.subscribe(channel).catch((err: unknown) => logger.warn({ err }, 'Redis subscribe failed'));
    return sub;
  };

  return {
    async readHead() {
      await ready();
      const [value, revision] = await client.mgetBuffer(headKey, revisionKey);
      return value === null || value === undefined
        ? undefined
        : { value, token: revision?.toString() ?? '0' };
    },
    async get(key) {
      await ready();
      return (await client.getBuffer(prefix + key)) ?? undefined;
    },
    async commit(entries, head, expected) {
      await ready();
      const keys = [headKey, revisionKey, ...entries.map((e) => prefix + e.key)];
      const args = [expected ?? '', Buffer.from(head), channel, ...entries.map((e) => Buffer.from(e.value))];
      const revision = await commands.sesameBusCommit(keys.length, ...keys, ...args);
      return revision === null ? { ok: false } : { ok: true, token: revision };
    },
    async delete(keys) {
      await ready();
      for (let i = 0; i < keys.length; i += 500) {
        await client.unlink(...keys.slice(i, i + 500).map((k) => prefix + k));
      }
    },
    async listKeys(keyPrefix) {
      await ready();
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await client.scan(
          cursor,
          'MATCH',
          `${escapeGlob(prefix + keyPrefix)}*`,
          'COUNT',
          1000,
        );
        cursor = next;
        for (const k of batch) keys.push(k.slice(prefix.length));
      } while (cursor !== '0');
      return [...new Set(keys)];
    },
    watchHead(onChange): StoreWatch {
      subscriber ??= startSubscriber();
      const w = (): void => onChange();
      watchers.add(w);
      return { close: () => void watchers.delete(w) };
    },
    async close() {
      closed = true;
      abandon?.();
      watchers.clear();
      subscriber?.disconnect();
      client.disconnect();
      return Promise.resolve();
    },
  };
}
