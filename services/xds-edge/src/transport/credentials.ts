import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { experimental, type ServerCredentials, type ServerOptions } from '@grpc/grpc-js';
import { ErrorCode, readTlsDir, SesameError, TLS_FILES, type Logger } from '@sesame/shared';

/** Transport limits; the defaults follow Contour's xDS server. */
export interface EdgeLimits {
  /** Largest request accepted. */
  readonly maxReceiveMessageBytes: number;
  /** Streams per HTTP/2 connection: Envoy without ADS opens one EDS stream per cluster. */
  readonly maxConcurrentStreams: number;
  readonly keepaliveTimeMs: number;
  readonly keepaliveTimeoutMs: number;
}

/** Default limits. */
export const DEFAULT_LIMITS: EdgeLimits = {
  maxReceiveMessageBytes: 4 * 1024 * 1024,
  maxConcurrentStreams: 65_536,
  keepaliveTimeMs: 60_000,
  keepaliveTimeoutMs: 20_000,
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
 * Credentials from `ca.crt`, `tls.crt` and `tls.key` in `tlsDir`, re-read every `refreshMs` so a rotated
 * certificate (a Kubernetes Secret update) applies to new connections without dropping streams. Clients must
 * present a certificate that chains to the CA. Resolves once the files were read and form a usable context;
 * a missing or broken file at start is a TlsMaterial error.
 */
export async function createServerTls(options: {
  tlsDir: string;
  refreshMs: number;
  logger: Logger;
}): Promise<ServerTls> {
  const { tlsDir, logger } = options;
  const material = await readTlsDir(tlsDir);
  try {
    createSecureContext({ ca: material.ca, cert: material.cert, key: material.key });
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
    caCertificateFile: join(tlsDir, TLS_FILES.ca),
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
  // grpc-js names the parameters of this function in the opposite order from the constructor it calls; one
  // provider serves both roles, so the order cannot matter.
  const credentials = experimental.createCertificateProviderServerCredentials(provider, provider, true);
  return {
    credentials,
    close: () => provider.removeIdentityCertificateListener(onIdentity),
  };
}
