// An Envoy that subscribes and then never reads: a raw HTTP/2 client (so no gRPC library reads on its behalf)
// that advertises a zero flow-control window, sends its ADS requests and never consumes a byte. The edge can
// write at most into its own buffers; the test checks that this costs it a bounded amount of memory and
// delays nobody else.
import { readFileSync } from 'node:fs';
import { connect, type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import { join } from 'node:path';
import { TypeUrl } from '@sesame/shared';
import { createRequestEncoder } from './wire.js';

const ADS = '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources';

/** A connected, never-reading Envoy. */
export interface StalledEnvoy {
  /** Resolves once the edge answered the stream with its response headers (it is serving it). */
  readonly accepted: Promise<void>;
  close(): void;
}

/** A gRPC message frame: not compressed, 4-byte big-endian length, the message. */
export function grpcFrame(message: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(message.length, 1);
  return Buffer.concat([header, message]);
}

/** Opens a stalled Envoy against `address` (`host:port`) with the client certificate in `tlsDir`. */
export function openStalledEnvoy(options: {
  address: string;
  tlsDir: string;
  nodeId: string;
  /** EDS names to subscribe to, so that the stuck responses are large. */
  edsNames?: readonly string[];
  serverName?: string;
}): Promise<StalledEnvoy> {
  const read = (file: string): Buffer => readFileSync(join(options.tlsDir, file));
  return new Promise((resolve, reject) => {
    const session: ClientHttp2Session = connect(`https://${options.address}`, {
      ca: read('ca.crt'),
      cert: read('tls.crt'),
      key: read('tls.key'),
      servername: options.serverName ?? 'sesame-xds',
      // Not one byte of DATA may be sent to us until we say so, and we never will.
      settings: { initialWindowSize: 0 },
    });
    session.on('error', (err: Error) => reject(err));
    session.once('connect', () => {
      const stream: ClientHttp2Stream = session.request({
        ':method': 'POST',
        ':path': ADS,
        'content-type': 'application/grpc',
        te: 'trailers',
      });
      stream.on('error', () => undefined);
      stream.pause();
      const encode = createRequestEncoder();
      const node = { id: options.nodeId, cluster: 'sesame-fleet' };
      stream.write(grpcFrame(encode({ typeUrl: TypeUrl.Cluster, versionInfo: '', nonce: '', node })));
      stream.write(grpcFrame(encode({ typeUrl: TypeUrl.Listener, versionInfo: '', nonce: '' })));
      if ((options.edsNames?.length ?? 0) > 0) {
        const names = options.edsNames ?? [];
        stream.write(
          grpcFrame(encode({ typeUrl: TypeUrl.ClusterLoadAssignment, versionInfo: '', nonce: '', names })),
        );
      }
      const accepted = new Promise<void>((done, failed) => {
        stream.once('response', () => done());
        stream.once('close', () => failed(new Error('the edge closed the stalled stream')));
      });
      accepted.catch(() => undefined);
      resolve({
        accepted,
        close: () => {
          stream.close();
          session.destroy();
        },
      });
    });
  });
}
