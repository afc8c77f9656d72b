import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { formatHostPort, type HostPort } from './config.js';
import type { Logger } from './logger.js';

/** The admin HTTP endpoint of every process: `/metrics`, `/healthz`, `/readyz`. */
export interface AdminServer {
  /** The bound address (the real port when 0 was asked for). */
  readonly address: HostPort;
  close(): Promise<void>;
}

/** Starts the admin server; `ready()` decides `/readyz` (200 only when it returns true). */
export async function startAdminServer(options: {
  address: HostPort;
  registry: Registry;
  ready: () => boolean;
  logger: Logger;
}): Promise<AdminServer> {
  const { registry, ready, logger } = options;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (path === '/readyz') {
      const isReady = ready();
      res
        .writeHead(isReady ? 200 : 503, { 'content-type': 'text/plain' })
        .end(isReady ? 'ready\n' : 'not ready\n');
    } else if (path === '/metrics') {
      registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
        (err: unknown) => {
          logger.error({ err }, 'collecting metrics failed');
          res.writeHead(500).end();
        },
      );
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.address.port, options.address.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const address = { host: options.address.host, port: bound.port };
  logger.info({ address: formatHostPort(address) }, 'admin server listening');
  return {
    address,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
