// One Envoy's ADS transport: a mutual-TLS HTTP/2 connection of its own carrying one gRPC stream, on node:http2
// rather than a gRPC library, so that each DATA chunk is handed on as it arrives instead of being held until a
// whole (multi-MiB) message is in. It reports how the stream ended the way a gRPC client does: the status and
// message of the trailers, the status a reset stream maps to, or why the connection failed.
import { connect, constants, type ClientHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import type { SecureContext } from 'node:tls';

const ADS = '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources';

/** gRPC status codes used here. */
const Status = {
  cancelled: 1,
  unknown: 2,
  permissionDenied: 7,
  resourceExhausted: 8,
  internal: 13,
  unavailable: 14,
} as const;

/** An open stream. */
export interface AdsConnection {
  /** Sends one message, given as pieces that concatenate into it (framed here, written without copying). */
  send(message: readonly Buffer[]): void;
  /** Cancels the stream and closes the connection; `onEnd` follows with `error` (CANCELLED by default). */
  cancel(error?: string): void;
}

/** How to open a stream and where its events go. */
export interface AdsConnectionOptions {
  /** `host:port` of the edge. */
  readonly address: string;
  /** The client certificate, key and CA, made once per fleet. */
  readonly secureContext: SecureContext;
  /** The name checked in the edge's certificate (and sent as SNI and :authority). */
  readonly serverName: string;
  readonly userAgent: string;
  /** A DATA chunk, in order. */
  readonly onData: (chunk: Buffer) => void;
  /** Once, when the stream is over: `<grpc status code> <details>`. */
  readonly onEnd: (error: string) => void;
}

/** The status a gRPC client reports for a stream reset with `code` (as grpc-js maps them). */
function resetStatus(code: number): string {
  switch (code) {
    case constants.NGHTTP2_REFUSED_STREAM:
      return `${Status.unavailable} Stream refused by server`;
    case constants.NGHTTP2_CANCEL:
      return `${Status.cancelled} Call cancelled`;
    case constants.NGHTTP2_ENHANCE_YOUR_CALM:
      return `${Status.resourceExhausted} Bandwidth exhausted or memory limit exceeded`;
    case constants.NGHTTP2_INADEQUATE_SECURITY:
      return `${Status.permissionDenied} Protocol not secure enough`;
    default:
      return `${Status.internal} Received RST_STREAM with code ${code}`;
  }
}

/** grpc-status and grpc-message of trailers (or of a trailers-only response); undefined without a status. */
function trailerStatus(headers: IncomingHttpHeaders): string | undefined {
  const code = headers['grpc-status'];
  if (typeof code !== 'string') return undefined;
  const raw = headers['grpc-message'];
  let details = typeof raw === 'string' ? raw : '';
  try {
    details = decodeURIComponent(details);
  } catch {
    // Not percent-encoded after all: keep it as sent.
  }
  return `${code} ${details}`;
}

/** Connects and opens the ADS stream at once (the request waits for the TLS handshake). */
export function openAdsConnection(options: AdsConnectionOptions): AdsConnection {
  const session = connect(`https://${options.address}`, {
    secureContext: options.secureContext,
    servername: options.serverName,
  });
  let status: string | undefined;
  let sessionFailure: Error | undefined;
  let streamFailure: Error | undefined;
  let goaway: number | undefined;
  let cancelled: string | undefined;
  let ended = false;
  const stream: ClientHttp2Stream = session.request({
    ':method': 'POST',
    ':path': ADS,
    ':authority': options.serverName,
    'content-type': 'application/grpc',
    te: 'trailers',
    'user-agent': options.userAgent,
  });
  const end = (): void => {
    if (ended) return;
    ended = true;
    // A session already gone took the stream with it (its reset code is then this side's, not the edge's).
    const dropped = session.destroyed;
    session.destroy();
    let error: string;
    if (cancelled !== undefined) error = cancelled;
    else if (status !== undefined) error = status;
    else if (dropped || sessionFailure !== undefined)
      error = `${Status.unavailable} ${(sessionFailure ?? streamFailure)?.message ?? 'Connection dropped'}`;
    else if (stream.rstCode !== undefined && stream.rstCode !== constants.NGHTTP2_NO_ERROR)
      error = resetStatus(stream.rstCode);
    else if (goaway !== undefined) error = `${Status.unavailable} the edge went away (GOAWAY ${goaway})`;
    else
      error = `${Status.unavailable} ${streamFailure?.message ?? 'the connection closed without a status'}`;
    options.onEnd(error);
  };
  session.on('error', (err: Error) => (sessionFailure ??= err));
  // A graceful GOAWAY lets the stream run until the edge ends it (as it does when it shuts down); any other
  // destroys the session, and with it the stream.
  session.on('goaway', (code: number) => (goaway = code));
  session.on('close', end);
  stream.on('response', (headers: IncomingHttpHeaders) => {
    const httpStatus = Number(headers[':status']);
    if (httpStatus !== 200) status = `${Status.unavailable} Received HTTP status code ${httpStatus}`;
    status = trailerStatus(headers) ?? status;
  });
  stream.on('trailers', (headers: IncomingHttpHeaders) => {
    status = trailerStatus(headers) ?? `${Status.unknown} trailers without grpc-status`;
  });
  stream.on('data', (chunk: Buffer) => {
    if (!ended) options.onData(chunk);
  });
  stream.on('error', (err: Error) => (streamFailure ??= err));
  // The edge ending its side (trailers) ends the call, though this side never ends its own (as in gRPC).
  stream.on('end', end);
  stream.on('close', end);
  return {
    send(message) {
      if (ended || stream.destroyed) return;
      const header = Buffer.alloc(5);
      header.writeUInt32BE(
        message.reduce((sum, m) => sum + m.length, 0),
        1,
      );
      stream.write(header);
      for (const m of message) stream.write(m);
    },
    cancel(error = `${Status.cancelled} Cancelled on client`) {
      if (ended) return;
      cancelled = error;
      if (!stream.destroyed) stream.close(constants.NGHTTP2_CANCEL);
      end();
    },
  };
}
