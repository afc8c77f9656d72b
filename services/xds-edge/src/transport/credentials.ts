import type { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createSecureContext, type TLSSocket } from 'node:tls';
import { experimental, type Server, type ServerCredentials, type ServerOptions } from '@grpc/grpc-js';
import { ErrorCode, readTlsDir, SesameError, TLS_FILES, type Logger } from '@sesame/shared';
import { DEFAULT_HTTP2_WINDOWS } from './http2-tuning.js';

/** Transport limits; the defaults follow Contour's xDS server. */
export interface EdgeLimits {
  /** Largest request accepted. */
  readonly maxReceiveMessageBytes: number;
  /** Streams per HTTP/2 connection: Envoy without ADS opens one EDS stream per cluster. */
  readonly maxConcurrentStreams: number;
  /** Streams per edge, over all connections: more are refused with RESOURCE_EXHAUSTED. */
  readonly maxStreams: number;
  /** Server pings on idle connections (Contour learned that idle Envoys otherwise go stale). */
  readonly keepaliveTimeMs: number;
  readonly keepaliveTimeoutMs: number;
  /** HTTP/2 receive window per stream (see `DEFAULT_HTTP2_WINDOWS` for why it is not HTTP/2's 64 KiB). */
  readonly streamWindowBytes: number;
  /** HTTP/2 receive window per connection. */
  readonly connectionWindowBytes: number;
}

/** Default limits. */
export const DEFAULT_LIMITS: EdgeLimits = {
  maxReceiveMessageBytes: 4 * 1024 * 1024,
  maxConcurrentStreams: 65_536,
  maxStreams: 100_000,
  keepaliveTimeMs: 60_000,
  keepaliveTimeoutMs: 20_000,
  ...DEFAULT_HTTP2_WINDOWS,
};

/** grpc-js server options for the limits. */
export function serverOptions(limits: EdgeLimits): ServerOptions {
  return {
    'grpc.max_receive_message_length': limits.maxReceiveMessageBytes,
    'grpc.max_concurrent_streams': limits.maxConcurrentStreams,
    'grpc.keepalive_time_ms': limits.keepaliveTimeMs,
    'grpc.keepalive_timeout_ms': limits.keepaliveTimeoutMs,
    'grpc.keepalive_permit_without_calls': 1,
  };
}

/** Mutual-TLS server credentials that follow the files of a TLS directory. */
export interface ServerTls {
  readonly credentials: ServerCredentials;
  /** Stops watching the files (the server's own watch ends when it closes). */
  close(): void;
}

/**
 * Credentials from `tls.crt` and `tls.key` in `tlsDir` (plus `ca.crt` when clients must authenticate), re-read
 * every `refreshMs` so a rotated certificate or CA (a Kubernetes Secret update) applies to new connections
 * without dropping streams. With `clientAuth: 'require'` clients must present a certificate that chains to
 * the CA (mutual TLS); with 'none' only the server authenticates (the proxyless port). Resolves once the files
 * were read and form a usable context; a missing or broken file at start is a TlsMaterial error.
 */
export async function createServerTls(options: {
  tlsDir: string;
  refreshMs: number;
  logger: Logger;
  clientAuth?: 'require' | 'none';
}): Promise<ServerTls> {
  const { tlsDir, logger } = options;
  const mutual = (options.clientAuth ?? 'require') === 'require';
  const material = mutual ? await readTlsDir(tlsDir) : await readIdentity(tlsDir);
  try {
    createSecureContext(material);
  } catch (cause) {
    throw new SesameError(
      ErrorCode.TlsMaterial,
      `unusable TLS material in ${tlsDir}: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
  const provider = new experimental.FileWatcherCertificateProvider({
    ...(mutual ? { caCertificateFile: join(tlsDir, TLS_FILES.ca) } : {}),
    certificateFile: join(tlsDir, TLS_FILES.cert),
    privateKeyFile: join(tlsDir, TLS_FILES.key),
    refreshIntervalMs: options.refreshMs,
  });
  let lastCert: Buffer | null | undefined;
  let settle: (error?: SesameError) => void = () => undefined;
  const loaded = new Promise<void>((resolve, reject) => {
    settle = (error) => (error === undefined ? resolve() : reject(error));
  });
  // Our own listener: it waits for the first read and logs rotations and failures (grpc-js only traces them).
  const onIdentity: experimental.IdentityCertificateUpdateListener = (update) => {
    const cert = update?.certificate ?? null;
    if (lastCert === undefined) {
      settle(
        cert === null
          ? new SesameError(ErrorCode.TlsMaterial, `cannot read TLS files in ${tlsDir}`)
          : undefined,
      );
    } else if (cert === null) {
      if (lastCert !== null)
        logger.error({ tlsDir }, 'cannot read the edge certificate; new connections are refused');
    } else if (lastCert === null || !cert.equals(lastCert)) {
      logger.info({ tlsDir }, 'edge certificate reloaded');
    }
    lastCert = cert;
  };
  provider.addIdentityCertificateListener(onIdentity);
  try {
    await loaded;
  } catch (err) {
    provider.removeIdentityCertificateListener(onIdentity);
    throw err;
  }
  // grpc-js names the parameters of this function in the opposite order from the constructor it calls (which
  // takes the identity provider first, then the CA provider). With one provider in both roles the order
  // cannot matter; for server-only TLS the provider goes first and there is no CA provider.
  const credentials = mutual
    ? experimental.createCertificateProviderServerCredentials(provider, provider, true)
    : experimental.createCertificateProviderServerCredentials(provider, null, false);
  return {
    credentials,
    close: () => provider.removeIdentityCertificateListener(onIdentity),
  };
}

async function readIdentity(dir: string): Promise<{ cert: Buffer; key: Buffer }> {
  const read = async (file: string): Promise<Buffer> => {
    const path = join(dir, file);
    try {
      return await readFile(path);
    } catch (cause) {
      throw new SesameError(ErrorCode.TlsMaterial, `cannot read ${path}: ${(cause as Error).message}`, {
        cause,
      });
    }
  };
  const [cert, key] = await Promise.all([read(TLS_FILES.cert), read(TLS_FILES.key)]);
  return { cert, key };
}

/**
 * Logs and counts TLS handshakes the server refused (a client certificate that is missing, expired or from
 * another CA), which grpc-js only traces. grpc-js does not expose its HTTP/2 servers, so this reads its
 * private `http2Servers` map (present in grpc-js 1.10 to 1.14); without it, refusals are simply not logged.
 */
export function watchHandshakes(server: Server, onRefused: (err: Error, peer: string) => void): void {
  const internals = server as unknown as { http2Servers?: Map<EventEmitter, unknown> };
  if (!(internals.http2Servers instanceof Map)) return;
  for (const http2Server of internals.http2Servers.keys()) {
    if (watched.has(http2Server)) continue;
    watched.add(http2Server);
    http2Server.on('tlsClientError', (err: Error, socket: TLSSocket) => {
      onRefused(err, `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`);
    });
  }
}

const watched = new WeakSet<EventEmitter>();
