import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { startChild, type ManagedChild } from './child-process.js';

/** The bus servers `sesame stack` can run. */
export const BUS_KINDS = ['nats', 'redis'] as const;

/** `nats` (nats-server with JetStream) or `redis` (redis-server). */
export type BusKind = (typeof BUS_KINDS)[number];

/** How one kind of bus server is run, recognised as ready, and reached. */
interface BusServerSpec {
  readonly binary: string;
  readonly args: (host: string, port: number, dataDir: string) => string[];
  readonly ready: RegExp;
  readonly addressInUse: RegExp;
  readonly scheme: string;
}

const SPECS: Record<BusKind, BusServerSpec> = {
  nats: {
    binary: 'nats-server',
    // JetStream keeps its streams under the data dir, so the next run starts from the last snapshot.
    args: (host, port, dataDir) => ['-a', host, '-p', String(port), '-js', '-sd', dataDir],
    ready: /Server is ready/,
    addressInUse: /address already in use/i,
    scheme: 'nats',
  },
  redis: {
    binary: 'redis-server',
    args: (host, port, dataDir) => [
      ...['--bind', host, '--port', String(port), '--dir', dataDir],
      // Append-only, like JetStream's file store: the next run starts from the last snapshot.
      ...['--save', '', '--appendonly', 'yes'],
    ],
    ready: /Ready to accept connections/,
    addressInUse: /address already in use/i,
    scheme: 'redis',
  },
};

/** The executable a bus kind needs on PATH. */
export function busBinary(kind: BusKind): string {
  return SPECS[kind].binary;
}

/** A running bus server: `url` is what the watcher's and edges' `--bus` take. */
export interface BusServer {
  readonly url: string;
  readonly child: ManagedChild;
}

/** Options of `startBusServer`. */
export interface BusServerOptions {
  readonly kind: BusKind;
  /** Full path of the server executable. */
  readonly binary: string;
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly dataDir: string;
  readonly logDir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly onLine?: (line: string) => void;
  /** Called with each child as soon as it is spawned, so that it is stopped whatever happens next. */
  readonly track: (child: ManagedChild) => void;
}

/** A port that was free a moment ago on `host` (bind to 0, read it back, close). */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const FREE_PORT_ATTEMPTS = 5;

/**
 * Starts the bus server and resolves once it accepts connections. A free port can be taken between the
 * probe and the server's bind, so a picked port that turns out busy is retried with another one.
 */
export async function startBusServer(options: BusServerOptions): Promise<BusServer> {
  const spec = SPECS[options.kind];
  await mkdir(options.dataDir, { recursive: true });
  for (let attempt = 1; ; attempt++) {
    const port = options.port === 0 ? await freePort(options.host) : options.port;
    const child = startChild({
      name: options.kind,
      command: options.binary,
      args: spec.args(options.host, port, options.dataDir),
      env: options.env,
      logFile: join(options.logDir, `${options.kind}.log`),
      ...(options.onLine === undefined ? {} : { onLine: options.onLine }),
    });
    options.track(child);
    try {
      await child.waitForLine((line) => (spec.ready.test(line) ? true : undefined), 'it was ready');
      return { url: `${spec.scheme}://${options.host}:${port}`, child };
    } catch (err) {
      const inUse = child.tail().some((line) => spec.addressInUse.test(line));
      if (!inUse || options.port !== 0 || attempt >= FREE_PORT_ATTEMPTS) throw err;
    }
  }
}
