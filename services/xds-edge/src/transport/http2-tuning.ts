import type { EventEmitter } from 'node:events';
import type { Http2Session, Settings } from 'node:http2';
import type { Server } from '@grpc/grpc-js';

/** HTTP/2 receive windows the edge grants each client. */
export interface Http2Windows {
  /** Per stream (SETTINGS_INITIAL_WINDOW_SIZE). */
  readonly streamWindowBytes: number;
  /** Per connection (a WINDOW_UPDATE on stream 0 when the session starts). */
  readonly connectionWindowBytes: number;
}

/**
 * Windows large enough for Envoy's biggest request in one go: a state-of-the-world ACK repeats the whole
 * subscription (10,000 EDS names are ~400 KiB). With HTTP/2's default 64 KiB the client stalls every 64 KiB
 * until the edge grants more, so each ACK costs several round trips and as many WINDOW_UPDATE writes (each a
 * TLS record and a syscall). They cost no memory up front: grpc-js reads every message as it arrives, and a
 * message is capped by `maxReceiveMessageBytes` whatever the window.
 */
export const DEFAULT_HTTP2_WINDOWS: Http2Windows = {
  streamWindowBytes: 1024 * 1024,
  connectionWindowBytes: 4 * 1024 * 1024,
};

/**
 * Applies the windows to the HTTP/2 servers of a bound grpc-js server (call after binding). grpc-js passes
 * only `maxConcurrentStreams` through to Node, so this reads its private `http2Servers` map (present in
 * grpc-js 1.10 to 1.14, as `watchHandshakes` does); without it the defaults simply stay.
 */
export function applyHttp2Windows(server: Server, windows: Http2Windows, maxConcurrentStreams: number): void {
  const internals = server as unknown as { http2Servers?: Map<EventEmitter, unknown> };
  if (!(internals.http2Servers instanceof Map)) return;
  for (const http2Server of internals.http2Servers.keys()) {
    if (tuned.has(http2Server)) continue;
    tuned.add(http2Server);
    const settings: Settings = { initialWindowSize: windows.streamWindowBytes, maxConcurrentStreams };
    (http2Server as EventEmitter & { updateSettings?: (s: Settings) => void }).updateSettings?.(settings);
    http2Server.on('session', (session: Http2Session) => {
      // Before the session's first flush, so the grant goes out with the server's SETTINGS.
      session.setLocalWindowSize(windows.connectionWindowBytes);
    });
  }
}

const tuned = new WeakSet<EventEmitter>();
