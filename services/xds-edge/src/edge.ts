import { performance } from 'node:perf_hooks';
import { ServerCredentials, type Server } from '@grpc/grpc-js';
import {
  ErrorCode,
  formatHostPort,
  SesameError,
  TypeUrl,
  type HostPort,
  type Logger,
  type SnapshotBus,
  type SnapshotUpdate,
} from '@sesame/shared';
import type { Registry } from 'prom-client';
import { createResourceCache } from './cache/resource-cache.js';
import {
  createServerTls,
  DEFAULT_LIMITS,
  watchHandshakes,
  type EdgeLimits,
  type ServerTls,
} from './transport/credentials.js';
import { createDiscoveryServer } from './transport/discovery-server.js';
import { tuneHttp2Servers } from './transport/http2-tuning.js';
import { createEdgeMetrics } from './transport/metrics.js';
import { createNodeRegistry } from './transport/nodes.js';
import type { ActiveStream, StreamContext } from './transport/serve-call.js';
import { DISCOVERY_SERVICES } from './transport/services.js';

/** The opt-in port for proxyless gRPC clients, which cannot do mutual TLS to their xDS server. */
export interface ProxylessOptions {
  readonly address: HostPort;
  /**
   * Serve server-only TLS with `tls.crt` and `tls.key` from this directory (re-read like the main port's);
   * plaintext when absent.
   */
  readonly tlsDir?: string;
}

/** How to build an edge. Only the first five are required. */
export interface EdgeOptions {
  readonly bus: SnapshotBus;
  /** A TLS directory (`ca.crt`, `tls.crt`, `tls.key`): the edge's identity and the CA clients must chain to. */
  readonly tlsDir: string;
  /** Where to listen; port 0 picks a free port (read it back from `Edge.address`). */
  readonly address: HostPort;
  readonly logger: Logger;
  /** Where the edge's metrics are registered. */
  readonly registry: Registry;
  /** How often the TLS files are re-read (default 15 s). */
  readonly tlsRefreshMs?: number;
  readonly limits?: Partial<EdgeLimits>;
  /** `control_plane.identifier` in every response (default "sesame-xds-edge"). */
  readonly controlPlaneId?: string;
  /** Off by default: a second port serving only the gRPC view (never a Secret) without client certificates. */
  readonly proxyless?: ProxylessOptions;
}

/** A running xDS edge. */
export interface Edge {
  /** The bound address (the real port when 0 was asked for). */
  readonly address: HostPort;
  /** The bound proxyless address, when that port is enabled. */
  readonly proxylessAddress: HostPort | undefined;
  /** True once a complete snapshot has arrived from the bus. */
  ready(): boolean;
  /** The version of the snapshot being served, once there is one. */
  snapshotVersion(): string | undefined;
  /**
   * Shuts down: stops accepting connections, sends every connected client HTTP/2 GOAWAY and ends its streams
   * with UNAVAILABLE (so Envoy reconnects, to another replica), waits up to `graceMs` (default 5 s) for the
   * connections to close, then cuts the rest.
   */
  close(options?: { graceMs?: number }): Promise<void>;
}

/** The services of the proxyless port: no SDS, since a gRPC client never receives a Secret. */
const PROXYLESS_SERVICES = DISCOVERY_SERVICES.filter((s) => s.typeUrl !== TypeUrl.Secret);

/** Starts an edge: subscribes to the bus and serves xDS v3 (ADS and per-type services) over mutual TLS. */
export async function createEdge(options: EdgeOptions): Promise<Edge> {
  const logger = options.logger.child({ component: 'xds-edge' });
  const refreshMs = options.tlsRefreshMs ?? 15_000;
  // TLS first: bad material fails the start before anything is registered or subscribed.
  const tls: ServerTls[] = [await createServerTls({ tlsDir: options.tlsDir, refreshMs, logger })];
  const proxylessTlsDir = options.proxyless?.tlsDir;
  if (proxylessTlsDir !== undefined) {
    tls.push(await createServerTls({ tlsDir: proxylessTlsDir, refreshMs, logger, clientAuth: 'none' }));
  }
  const limits: EdgeLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const cache = createResourceCache();
  const nodes = createNodeRegistry();
  const metrics = createEdgeMetrics(options.registry, () => nodes.size());
  const active = new Set<ActiveStream>();
  const ctx: StreamContext = {
    cache,
    nodes,
    metrics,
    logger,
    now: () => performance.now(),
    controlPlane: options.controlPlaneId ?? 'sesame-xds-edge',
  };
  const servers: Array<{ server: Server; name: string }> = [
    { server: createDiscoveryServer({ services: DISCOVERY_SERVICES, ctx, limits, active }), name: 'xds' },
  ];
  if (options.proxyless !== undefined) {
    const proxylessCtx: StreamContext = {
      ...ctx,
      logger: logger.child({ listener: 'proxyless' }),
      forcedView: 'grpc',
    };
    servers.push({
      server: createDiscoveryServer({ services: PROXYLESS_SERVICES, ctx: proxylessCtx, limits, active }),
      name: 'proxyless',
    });
  }

  const subscription = options.bus.subscribe((update: SnapshotUpdate) => {
    const first = !cache.ready();
    try {
      cache.update(update, ctx.now());
    } catch (err) {
      logger.error({ err, version: update.snapshot.version }, 'applying a snapshot failed');
      return;
    }
    metrics.setSnapshotVersion(update.snapshot.version);
    (first ? logger.info.bind(logger) : logger.debug.bind(logger))(
      { version: update.snapshot.version, resources: update.snapshot.size },
      first ? 'first snapshot received; serving' : 'snapshot updated',
    );
  });

  const releaseAll = (): void => {
    subscription.close();
    for (const t of tls) t.close();
    for (const { server } of servers) server.forceShutdown();
  };
  let address: HostPort;
  let proxylessAddress: HostPort | undefined;
  try {
    const main = servers[0]!.server;
    address = { host: options.address.host, port: await bind(main, options.address, tls[0]!.credentials) };
    if (options.proxyless !== undefined) {
      const credentials = tls[1]?.credentials ?? ServerCredentials.createInsecure();
      const port = await bind(servers[1]!.server, options.proxyless.address, credentials);
      proxylessAddress = { host: options.proxyless.address.host, port };
    }
  } catch (err) {
    releaseAll();
    throw err;
  }
  for (const { server, name } of servers) {
    tuneHttp2Servers(server, limits, limits.maxConcurrentStreams);
    watchHandshakes(server, (err, peer) => {
      metrics.handshakeFailures.inc({ listener: name });
      logger.warn({ listener: name, peer, error: err.message }, 'TLS handshake refused');
    });
  }
  logger.info({ address: formatHostPort(address) }, 'xDS edge listening (mutual TLS)');
  if (proxylessAddress !== undefined) {
    logger.info(
      {
        address: formatHostPort(proxylessAddress),
        tls: proxylessTlsDir === undefined ? 'none' : 'server-only',
      },
      'proxyless gRPC port listening (gRPC view only, no Secrets)',
    );
  }

  let closing: Promise<void> | undefined;
  const close = (closeOptions?: { graceMs?: number }): Promise<void> => {
    closing ??= (async () => {
      subscription.close();
      // tryShutdown stops the listeners and sends GOAWAY on every connection: no new stream is accepted.
      const graceful = Promise.all(
        servers.map(({ server }) => new Promise<void>((resolve) => server.tryShutdown(() => resolve()))),
      );
      // Long-lived xDS streams never end on their own: end them, so each client reconnects elsewhere.
      for (const stream of [...active])
        stream.close('the xDS edge is shutting down; reconnect to another replica');
      let timer: NodeJS.Timeout | undefined;
      const forced = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          logger.warn('grace period over; closing the remaining connections');
          for (const { server } of servers) server.forceShutdown();
          resolve();
        }, closeOptions?.graceMs ?? 5_000);
      });
      await Promise.race([graceful, forced]);
      clearTimeout(timer);
      for (const t of tls) t.close();
      logger.info('xDS edge closed');
    })();
    return closing;
  };

  return {
    address,
    proxylessAddress,
    ready: () => cache.ready(),
    snapshotVersion: () => cache.snapshotVersion(),
    close,
  };
}

function bind(server: Server, address: HostPort, credentials: ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(formatHostPort(address), credentials, (err, port) => {
      if (err === null) resolve(port);
      else
        reject(
          new SesameError(
            ErrorCode.ConfigInvalid,
            `cannot listen on ${formatHostPort(address)}: ${err.message}`,
            {
              cause: err,
            },
          ),
        );
    });
  });
}
