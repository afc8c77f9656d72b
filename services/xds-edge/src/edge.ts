import { performance } from 'node:perf_hooks';
import { Server, status, type ServerCredentials, type ServerDuplexStream } from '@grpc/grpc-js';
import {
  ErrorCode,
  formatHostPort,
  SesameError,
  type HostPort,
  type Logger,
  type SnapshotBus,
  type SnapshotUpdate,
} from '@sesame/shared';
import type { Registry } from 'prom-client';
import { createResourceCache } from './cache/resource-cache.js';
import type { DiscoveryRequest, DiscoveryResponse } from './protocol/codec.js';
import { createServerTls, DEFAULT_LIMITS, serverOptions, type EdgeLimits } from './transport/credentials.js';
import { createEdgeMetrics } from './transport/metrics.js';
import { createNodeRegistry } from './transport/nodes.js';
import { DISCOVERY_SERVICES, serviceDefinition } from './transport/services.js';
import { serveSotwCall, type ActiveStream, type StreamContext } from './transport/sotw-call.js';

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
}

/** A running xDS edge. */
export interface Edge {
  /** The bound address (the real port when 0 was asked for). */
  readonly address: HostPort;
  /** True once a complete snapshot has arrived from the bus. */
  ready(): boolean;
  /** The version of the snapshot being served, once there is one. */
  snapshotVersion(): string | undefined;
  /**
   * Stops accepting connections and ends every stream with UNAVAILABLE (clients reconnect elsewhere), then
   * waits up to `graceMs` (default 5 s) for connections to close before cutting them.
   */
  close(options?: { graceMs?: number }): Promise<void>;
}

/** Starts an edge: subscribes to the bus and serves xDS v3 (ADS and per-type services) over mutual TLS. */
export async function createEdge(options: EdgeOptions): Promise<Edge> {
  const logger = options.logger.child({ component: 'xds-edge' });
  // TLS first: bad material fails the start before anything is registered or subscribed.
  const tls = await createServerTls({
    tlsDir: options.tlsDir,
    refreshMs: options.tlsRefreshMs ?? 15_000,
    logger,
  });
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

  const server = new Server(serverOptions(limits));
  for (const service of DISCOVERY_SERVICES) {
    server.addService(serviceDefinition(service), {
      [service.sotwMethod]: (call: ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>) => {
        const stream = serveSotwCall(call, service, ctx);
        active.add(stream);
        void stream.done.then(() => active.delete(stream));
      },
      [service.deltaMethod]: (call: ServerDuplexStream<Buffer, Buffer>) => {
        call.emit('error', {
          code: status.UNIMPLEMENTED,
          details: 'incremental (delta) xDS is not served yet',
        });
      },
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

  let port: number;
  try {
    port = await bind(server, options.address, tls.credentials);
  } catch (err) {
    subscription.close();
    tls.close();
    server.forceShutdown();
    throw err;
  }
  const address: HostPort = { host: options.address.host, port };
  logger.info({ address: formatHostPort(address) }, 'xDS edge listening (mutual TLS)');

  let closing: Promise<void> | undefined;
  const close = (closeOptions?: { graceMs?: number }): Promise<void> => {
    closing ??= (async () => {
      subscription.close();
      const graceful = new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      for (const stream of [...active]) stream.close('the xDS edge is shutting down');
      let timer: NodeJS.Timeout | undefined;
      const forced = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          logger.warn('grace period over; closing the remaining connections');
          server.forceShutdown();
          resolve();
        }, closeOptions?.graceMs ?? 5_000);
      });
      await Promise.race([graceful, forced]);
      clearTimeout(timer);
      tls.close();
      logger.info('xDS edge closed');
    })();
    return closing;
  };

  return { address, ready: () => cache.ready(), snapshotVersion: () => cache.snapshotVersion(), close };
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
