// One TLS handshake against a server such as the edge, reporting who refused whom: what a test needs to tell
// "the edge refused this client" from "this client refused the edge" and to see which certificate is served.
import { connect } from 'node:tls';
import type { HostPort, TlsMaterial } from '@sesame/shared';

/** The DNS name Envoys check on the edge (INTERFACE.md). */
const EDGE_SERVER_NAME = 'sesame-xds';

/** The error of a connection the server closed before sending anything. */
export const CLOSED_BEFORE_DATA = 'CLOSED_BEFORE_DATA';

/** Whether a probe shows the server refusing the client: it saw the server's certificate, then was cut off. */
export function refusedByServer(probe: TlsProbe): boolean {
  return (
    !probe.accepted &&
    probe.served !== undefined &&
    (probe.error === CLOSED_BEFORE_DATA || probe.error === 'ECONNRESET')
  );
}

/** What one connection attempt showed. */
export interface TlsProbe {
  /** The server sent application data (HTTP/2 SETTINGS), so it accepted the client's certificate. */
  readonly accepted: boolean;
  /** SHA-256 fingerprint of the certificate the server presented, once the client accepted it. */
  readonly served: string | undefined;
  /**
   * What ended the attempt: the client's verdict on the server (e.g. `UNABLE_TO_VERIFY_LEAF_SIGNATURE`), or
   * `CLOSED_BEFORE_DATA` / `ECONNRESET` when the server hung up on the client (a Node server refuses a client
   * certificate after the handshake without an alert).
   */
  readonly error: string | undefined;
}

/**
 * Connects as an Envoy would (ALPN h2, SNI and name check `sesame-xds`) with `tls`, and resolves once the
 * server either speaks or ends the connection. Under TLS 1.3 a client finishes its side of the handshake
 * before the server has judged its certificate, so only the server's first bytes prove acceptance.
 */
export function probeTls(options: {
  address: HostPort;
  tls: TlsMaterial;
  noClientCert?: boolean;
  servername?: string;
}): Promise<TlsProbe> {
  const { address, tls } = options;
  return new Promise((resolve) => {
    const socket = connect({
      host: address.host,
      port: address.port,
      ca: tls.ca,
      ...(options.noClientCert === true ? {} : { cert: tls.cert, key: tls.key }),
      servername: options.servername ?? EDGE_SERVER_NAME,
      ALPNProtocols: ['h2'],
    });
    let served: string | undefined;
    let settled = false;
    const finish = (accepted: boolean, error?: NodeJS.ErrnoException): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve({ accepted, served, error: error === undefined ? undefined : (error.code ?? error.message) });
    };
    socket.once('secureConnect', () => {
      served = socket.getPeerX509Certificate()?.fingerprint256;
    });
    socket.once('data', () => finish(true));
    socket.once('error', (error: Error) => finish(false, error));
    socket.once('close', () =>
      finish(false, Object.assign(new Error('closed'), { code: CLOSED_BEFORE_DATA })),
    );
  });
}

/** Probes until `done` holds for a probe, failing after `timeoutMs`; returns the last probe. */
export async function probeUntil(
  options: Parameters<typeof probeTls>[0],
  done: (probe: TlsProbe) => boolean,
  what: string,
  timeoutMs = 5_000,
): Promise<TlsProbe> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const probe = await probeTls(options);
    if (done(probe)) return probe;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(probe)}`);
  }
}
