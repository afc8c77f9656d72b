import { jetstream, JetStreamApiCodes, JetStreamApiError, jetstreamManager } from '@nats-io/jetstream';
import type { JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { connect, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import { ErrorCode, SesameError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { BusStore, StoreWatch } from './store.js';
import { HEAD_KEY } from './wire.js';

/** Where and how to reach NATS, and which KV bucket holds the bus. */
export interface NatsStoreOptions {
  /** `host:port` of one or more servers. */
  readonly servers: readonly string[];
  readonly user?: string;
  readonly pass?: string;
  readonly token?: string;
  /** TLS to the server: `{}` to require it with the system CAs, or files for a private CA and client auth. */
  readonly tls?: { readonly caFile?: string; readonly certFile?: string; readonly keyFile?: string };
  /** KV bucket name (one bus per bucket). */
  readonly bucket: string;
  readonly logger: Logger;
  /** Per request; a request sent while disconnected fails after this and the caller retries. */
  readonly requestTimeoutMs?: number;
}

interface Bucket {
  readonly kv: KV;
  readonly jsm: JetStreamManager;
}

/**
 * The bus over a NATS JetStream KV bucket (history 1). The head is written with compare-and-set on its
 * revision; notifications come from a core subscription to the head's subject, which the client re-establishes
 * by itself after a reconnect (it needs no stream, so it survives a server restarted without its data).
 * Compacted keys are purged from the stream, leaving no delete markers behind.
 */
export function createNatsStore(options: NatsStoreOptions): BusStore {
  const { bucket: bucketName, logger } = options;
  const timeout = options.requestTimeoutMs ?? 2000;
  const stream = `KV_${bucketName}`;
  const headSubject = `$KV.${bucketName}.${HEAD_KEY}`;
  const watchers = new Set<() => void>();
  let closed = false;
  let nc: NatsConnection | undefined;
  let bucketPromise: Promise<Bucket> | undefined;
  let cancelWait: (() => void) | undefined;

  const fire = (): void => {
    for (const w of [...watchers]) w();
  };

  const connectOptions: NodeConnectionOptions = {
    servers: [...options.servers],
    name: 'sesame-bus',
    maxReconnectAttempts: -1,
    // Keep trying after authentication errors too: credentials may be fixed on the server side.
    ignoreAuthErrorAbort: true,
    reconnectTimeWait: 250,
    reconnectJitter: 250,
    timeout,
    ...(options.user === undefined ? {} : { user: options.user }),
    ...(options.pass === undefined ? {} : { pass: options.pass }),
    ...(options.token === undefined ? {} : { token: options.token }),
    ...(options.tls === undefined ? {} : { tls: { ...options.tls } }),
  };

  /** Connects, retrying with backoff until it works or the store is closed; then the client reconnects itself. */
  const connection: Promise<NatsConnection> = (async () => {
    let delay = 100;
    let warned = false;
    for (;;) {
      if (closed) throw new SesameError(ErrorCode.BusUnavailable, 'the NATS bus store is closed');
      try {
        const c = await connect(connectOptions);
        if (closed) {
          await c.close();
          continue;
        }
        nc = c;
        break;
      } catch (err) {
        if (!warned) logger.warn({ err, servers: options.servers }, 'cannot reach NATS; retrying');
        warned = true;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          cancelWait = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        delay = Math.min(delay * 2, 5000);
      }
    }
    const c = nc;
    logger.info({ server: c.getServer() }, 'connected to NATS');
    c.subscribe(headSubject, { callback: () => fire() });
    void (async () => {
      try {
        for await (const s of c.status()) {
          if (s.type === 'disconnect') logger.warn({ server: s.server }, 'disconnected from NATS');
          if (s.type === 'reconnect') {
            logger.info({ server: s.server }, 'reconnected to NATS');
            // The server may have come back without its data: make sure the bucket exists again.
            bucketPromise = undefined;
            fire();
          }
        }
      } catch (err) {
        if (!closed) logger.error({ err }, 'NATS status stream failed');
      }
    })();
    fire();
    return c;
  })();
  // Nobody may be waiting yet; a failure here only means the store was closed before connecting.
  connection.catch(() => undefined);

  const openBucket = async (): Promise<Bucket> => {
    const c = await connection;
    const kv = await new Kvm(jetstream(c, { timeout })).create(bucketName, { history: 1, timeout });
    return { kv, jsm: await jetstreamManager(c, { timeout }) };
  };

  /** Runs `f` on the bucket; any failure makes the next call check the bucket again (it may have vanished). */
  const withBucket = async <T>(f: (b: Bucket) => Promise<T>): Promise<T> => {
    const pending = (bucketPromise ??= openBucket());
    try {
      return await f(await pending);
    } catch (err) {
      if (bucketPromise === pending) bucketPromise = undefined;
      throw err;
    }
  };

  const read = (key: string): Promise<{ value: Uint8Array; revision: number } | undefined> =>
    withBucket(async ({ kv }) => {
      const e = await kv.get(key);
      if (e === null || e.operation !== 'PUT') return undefined;
      return { value: e.value, revision: e.revision };
    });

  return {
    async readHead() {
      const e = await read(HEAD_KEY);
      return e === undefined ? undefined : { value: e.value, token: String(e.revision) };
    },
    async get(key) {
      return (await read(key))?.value;
    },
    commit(entries, head, expected) {
      return withBucket(async ({ kv }) => {
        await Promise.all(entries.map((e) => kv.put(e.key, e.value)));
        try {
          const revision =
            expected === undefined
              ? await kv.create(HEAD_KEY, head)
              : await kv.update(HEAD_KEY, head, Number(expected));
          return { ok: true, token: String(revision) } as const;
        } catch (err) {
          const wrongSequence: number[] = [
            JetStreamApiCodes.StreamWrongLastSequence,
            JetStreamApiCodes.StreamWrongLastSequenceUnknown,
          ];
          if (err instanceof JetStreamApiError && wrongSequence.includes(err.code))
            return { ok: false } as const;
          throw err;
        }
      });
    },
    delete(keys) {
      return withBucket(async ({ jsm }) => {
        await Promise.all(keys.map((k) => jsm.streams.purge(stream, { filter: `$KV.${bucketName}.${k}` })));
      });
    },
    listKeys(prefix) {
      return withBucket(async ({ kv }) => {
        const keys: string[] = [];
        for await (const k of await kv.keys()) if (k.startsWith(prefix)) keys.push(k);
        return keys;
      });
    },
    watchHead(onChange): StoreWatch {
      const w = (): void => onChange();
      watchers.add(w);
      return { close: () => void watchers.delete(w) };
    },
    async close() {
      closed = true;
      watchers.clear();
      cancelWait?.();
      await nc?.close();
    },
  };
}
