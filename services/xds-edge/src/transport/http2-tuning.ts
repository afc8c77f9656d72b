import type { EventEmitter } from 'node:events';
import type { Http2Session, ServerHttp2Stream, Settings } from 'node:http2';
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
 * Tunes the HTTP/2 servers of a bound grpc-js server (call after binding): the receive windows, and paced
 * writes on every stream (see `paceWrites`). grpc-js passes only `maxConcurrentStreams` through to Node, so
 * this reads its private `http2Servers` map (present in grpc-js 1.10 to 1.14, as `watchHandshakes` does);
 * without it Node's defaults simply stay.
 */
export function tuneHttp2Servers(server: Server, windows: Http2Windows, maxConcurrentStreams: number): void {
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
    // After grpc-js's own listener, before anything is written on the stream.
    http2Server.on('stream', (stream: ServerHttp2Stream) => paceWrites(stream, PIECE_BYTES));
  }
}

const tuned = new WeakSet<EventEmitter>();

/** A TLS record's worth: what one flush to the socket carries at most once writes are paced. */
export const PIECE_BYTES = 16 * 1024;

type WriteCallback = (err?: Error | null) => void;

/**
 * Hands a stream's data to HTTP/2 at most `pieceBytes` at a time, the next piece once the last one is
 * written. Node's TLS layer keeps native buffers about the size of the largest write it was given, for as long
 * as the connection lives: a whole initial response written at once (hundreds of KiB) left that much behind on
 * every connection, most of an edge's memory with thousands of Envoys. Writes keep their order, and `end`
 * waits for the writes before it.
 */
export function paceWrites(stream: ServerHttp2Stream, pieceBytes: number): void {
  const write = stream.write.bind(stream) as (chunk: Uint8Array, cb: WriteCallback) => boolean;
  const end = stream.end.bind(stream) as (...args: unknown[]) => ServerHttp2Stream;
  const queue: Array<() => void> = [];
  let busy = false;
  const next = (): void => {
    const job = queue.shift();
    if (job === undefined) busy = false;
    else job();
  };
  const run = (job: () => void): void => {
    if (busy) queue.push(job);
    else {
      busy = true;
      job();
    }
  };
  const writePieces = (chunk: Uint8Array, offset: number, done: WriteCallback): void => {
    const last = offset + pieceBytes >= chunk.length;
    write(last && offset === 0 ? chunk : chunk.subarray(offset, offset + pieceBytes), (err) => {
      if (err || last) done(err);
      else writePieces(chunk, offset + pieceBytes, done);
    });
  };
  const paced = (chunk: Uint8Array | string, encoding?: unknown, cb?: unknown): boolean => {
    const callback = (typeof encoding === 'function' ? encoding : cb) as WriteCallback | undefined;
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    run(() =>
      writePieces(bytes, 0, (err) => {
        callback?.(err);
        next();
      }),
    );
    return true;
  };
  stream.write = paced as typeof stream.write;
  stream.end = ((...args: unknown[]) => {
    run(() => {
      end(...args);
      next();
    });
    return stream;
  }) as typeof stream.end;
}
