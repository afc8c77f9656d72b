import type { AddressInfo } from 'node:net';
import {
  constants,
  createSecureServer,
  type Http2SecureServer,
  type Http2Session,
  type ServerHttp2Stream,
} from 'node:http2';
import { createSecureContext } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type TestPki } from '../tls/pki.js';
import { openAdsConnection } from './ads-connection.js';
import { grpcFrame } from './stalled-envoy.js';

/** What a test server does with the ADS stream it receives. */
type Behaviour = (stream: ServerHttp2Stream, session: Http2Session) => void;

describe('ADS connection over node:http2', () => {
  let pki: TestPki;
  let server: Http2SecureServer;
  let address = '';
  let behaviour: Behaviour = () => undefined;
  const sessions = new Set<Http2Session>();
  const requests: Array<{ path: string | undefined; contentType: string | undefined; body: Buffer[] }> = [];

  beforeAll(async () => {
    pki = await createTestPki();
    server = createSecureServer({
      ca: pki.server.ca,
      cert: pki.server.cert,
      key: pki.server.key,
      requestCert: true,
      rejectUnauthorized: true,
    });
    server.on('session', (session: Http2Session) => {
      sessions.add(session);
      session.on('close', () => sessions.delete(session));
    });
    server.on('stream', (stream: ServerHttp2Stream, headers) => {
      const request = {
        path: headers[':path'],
        contentType: headers['content-type'],
        body: [] as Buffer[],
      };
      requests.push(request);
      stream.on('data', (chunk: Buffer) => request.body.push(chunk));
      stream.on('error', () => undefined);
      behaviour(stream, stream.session as Http2Session);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const s of sessions) s.destroy();
    await new Promise((resolve) => server.close(resolve));
    await pki.cleanup();
  });

  /** Opens a stream with `b` as the server's behaviour; resolves with the chunks received and the end. */
  const open = (
    b: Behaviour,
    options: { address?: string; send?: Buffer[][]; cancel?: boolean } = {},
  ): Promise<{ data: Buffer; error: string }> => {
    behaviour = b;
    const chunks: Buffer[] = [];
    return new Promise((resolve) => {
      const conn = openAdsConnection({
        address: options.address ?? address,
        secureContext: createSecureContext({ ca: pki.client.ca, cert: pki.client.cert, key: pki.client.key }),
        serverName: 'sesame-xds',
        userAgent: 'test',
        onData: (chunk) => {
          chunks.push(chunk);
          if (options.cancel === true) conn.cancel();
        },
        onEnd: (error) => resolve({ data: Buffer.concat(chunks), error }),
      });
      for (const m of options.send ?? []) conn.send(m);
    });
  };

  const respond = (stream: ServerHttp2Stream): void =>
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });

  it('sends framed messages and reads data and the trailers status', async () => {
    const response = grpcFrame(Buffer.from('hello'));
    const got = await open(
      (stream) => {
        respond(stream);
        stream.on('wantTrailers', () =>
          stream.sendTrailers({ 'grpc-status': '14', 'grpc-message': 'shutting%20down' }),
        );
        // Answer once the request arrived, then end the stream.
        stream.once('data', () => stream.end(response));
      },
      { send: [[Buffer.from('a'), Buffer.from('bc')]] },
    );
    expect(got).toEqual({ data: response, error: '14 shutting down' });
    const request = requests.at(-1);
    expect(request?.path).toBe(
      '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources',
    );
    expect(request?.contentType).toBe('application/grpc');
    expect(Buffer.concat(request?.body ?? [])).toEqual(grpcFrame(Buffer.from('abc')));
  });

  it('reads the status of a trailers-only response', async () => {
    const got = await open((stream) =>
      stream.respond(
        {
          ':status': 200,
          'content-type': 'application/grpc',
          'grpc-status': '8',
          'grpc-message': 'too many',
        },
        { endStream: true },
      ),
    );
    expect(got.error).toBe('8 too many');
  });

  it('maps a reset stream to the status a gRPC client reports', async () => {
    const got = await open((stream) => stream.close(constants.NGHTTP2_REFUSED_STREAM));
    expect(got.error).toBe('14 Stream refused by server');
  });

  it('follows a graceful GOAWAY until the stream ends', async () => {
    const got = await open((stream, session) => {
      respond(stream);
      stream.on('wantTrailers', () =>
        stream.sendTrailers({ 'grpc-status': '14', 'grpc-message': 'reconnect elsewhere' }),
      );
      session.goaway(constants.NGHTTP2_NO_ERROR);
      stream.end();
    });
    expect(got.error).toBe('14 reconnect elsewhere');
  });

  it('reports a connection cut without a status', async () => {
    const got = await open((stream, session) => {
      respond(stream);
      stream.write(grpcFrame(Buffer.from('partial')), () => session.destroy());
    });
    expect(got.error).toMatch(/^14 /);
  });

  it('reports a refused connection', async () => {
    const closed = createSecureServer({});
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const got = await open(() => undefined, { address: `127.0.0.1:${port}` });
    expect(got.error).toMatch(/^14 .*ECONNREFUSED/);
  });

  it('cancels on request, once', async () => {
    const got = await open(
      (stream) => {
        respond(stream);
        stream.write(grpcFrame(Buffer.from('one')));
      },
      { cancel: true },
    );
    expect(got.error).toBe('1 Cancelled on client');
  });
});
