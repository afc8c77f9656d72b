// Raw clients for the edge's xDS port, below what a gRPC library would let a test send: bytes that are not
// TLS, TLS without a client certificate, and gRPC frames whose payload is not a protobuf message.
import { readFileSync } from 'node:fs';
import { connect as http2Connect } from 'node:http2';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { grpcFrame } from '../fleet/index.js';

const ADS = '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources';

/** Writes `bytes` to a plain TCP connection; resolves when the server has closed it. */
export function sendRawBytes(address: string, bytes: Buffer): Promise<void> {
  const [host, port] = split(address);
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host, port }, () => socket.end(bytes));
    socket.on('error', () => undefined);
    socket.on('data', () => undefined);
    socket.once('close', () => resolve());
    socket.setTimeout(10_000, () => reject(new Error('the edge kept a garbage connection open')));
  });
}

/** A TLS handshake without a client certificate; resolves with how the connection ended. */
export function handshakeWithoutCertificate(address: string, tlsDir: string): Promise<string> {
  const [host, port] = split(address);
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host,
      port,
      ca: readFileSync(join(tlsDir, 'ca.crt')),
      servername: 'sesame-xds',
      ALPNProtocols: ['h2'],
    });
    let outcome = 'closed';
    socket.on('error', (err: Error) => (outcome = err.message));
    // With TLS 1.3 the client finishes first; the server's refusal arrives as an alert right after.
    socket.on('secureConnect', () => socket.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'));
    socket.on('data', () => undefined);
    socket.once('close', () => resolve(outcome));
    socket.setTimeout(10_000, () =>
      reject(new Error('the edge kept a connection without a certificate open')),
    );
  });
}

/** Sends gRPC frames on an ADS stream over mutual TLS; resolves with the stream's grpc-status and message. */
export function sendRawFrames(
  address: string,
  tlsDir: string,
  payloads: readonly Buffer[],
): Promise<{ status: number; message: string }> {
  const read = (file: string): Buffer => readFileSync(join(tlsDir, file));
  return new Promise((resolve, reject) => {
    const session = http2Connect(`https://${address}`, {
      ca: read('ca.crt'),
      cert: read('tls.crt'),
      key: read('tls.key'),
      servername: 'sesame-xds',
    });
    session.on('error', reject);
    const stream = session.request({
      ':method': 'POST',
      ':path': ADS,
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    // The server ends the call with trailers (or a trailers-only response); our side stays open.
    const finish = (h: Record<string, string | string[] | undefined>): void => {
      if (h['grpc-status'] === undefined) return;
      stream.close();
      session.close();
      resolve({ status: Number(h['grpc-status']), message: String(h['grpc-message'] ?? '') });
    };
    stream.on('response', finish);
    stream.on('trailers', finish);
    stream.on('data', () => undefined);
    stream.on('error', () => undefined);
    stream.once('close', () => reject(new Error('the stream closed without a gRPC status')));
    for (const p of payloads) stream.write(grpcFrame(p));
  });
}

function split(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i), Number(address.slice(i + 1))];
}
