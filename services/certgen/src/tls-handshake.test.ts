import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCertificates, type TestCertificates } from '../../../test/certgen/test-certificates.js';
import { issueCertificateBundle } from './bundle.js';

interface Pem {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

let certs: TestCertificates;
let edge: Pem;
let envoy: Pem;

async function readDir(layout: { ca: string; cert: string; key: string }): Promise<Pem> {
  const [ca, cert, key] = await Promise.all(
    [layout.ca, layout.cert, layout.key].map((f) => readFile(f, 'utf8')),
  );
  return { ca: ca!, cert: cert!, key: key! };
}

beforeAll(async () => {
  certs = await createTestCertificates();
  edge = await readDir(certs.layout.edge);
  envoy = await readDir(certs.layout.envoy);
});
afterAll(async () => {
  await certs.cleanup();
});

/**
 * An mTLS server like the edge: it answers "hello" to clients whose certificate chains to the CA. A strict
 * server lets Node refuse the others (it closes them without saying why); an observing one accepts the
 * handshake, records Node's verdict and then hangs up, so tests can read the reason.
 */
async function startServer(
  identity: Pem,
  strict = true,
): Promise<{ server: tls.Server; port: number; verdicts: (string | null)[] }> {
  const verdicts: (string | null)[] = [];
  const server = tls.createServer(
    {
      ca: identity.ca,
      cert: identity.cert,
      key: identity.key,
      requestCert: true,
      rejectUnauthorized: strict,
    },
    (socket) => {
      verdicts.push(socket.authorized ? null : String(socket.authorizationError));
      if (socket.authorized) socket.end('hello');
      else socket.destroy();
    },
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port, verdicts };
}

async function stop(server: tls.Server): Promise<void> {
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Dials like Envoy does (SNI and name check `sesame-xds`); resolves, once closed, with what the server said or the error. */
async function dial(port: number, identity: Pem, servername = 'sesame-xds'): Promise<string | Error> {
  const socket = tls.connect({
    host: '127.0.0.1',
    port,
    servername,
    ca: identity.ca,
    cert: identity.cert,
    key: identity.key,
  });
  let received = '';
  let failure: Error | undefined;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (received += chunk));
  socket.on('error', (error: Error) => {
    failure = error;
  });
  // events.once would reject on 'error'; 'close' always follows it, so wait for that alone.
  await new Promise<void>((resolve) => {
    socket.once('close', () => resolve());
  });
  return failure ?? received;
}

describe('mTLS between the edge and Envoy certificates', () => {
  it('lets Envoy in and shows the edge who it is', async () => {
    const { server, port } = await startServer(edge);
    const peer = once(server, 'secureConnection') as Promise<[tls.TLSSocket]>;
    expect(await dial(port, envoy)).toBe('hello');
    const [socket] = await peer;
    expect(socket.getPeerCertificate().subject.CN).toBe('envoy');
    await stop(server);
  });

  it('refuses the edge certificate as a client certificate (server auth only)', async () => {
    const strict = await startServer(edge);
    expect(await dial(strict.port, edge)).not.toBe('hello');
    await stop(strict.server);
    const observing = await startServer(edge, false);
    expect(await dial(observing.port, edge)).not.toBe('hello');
    expect(observing.verdicts).toEqual(['INVALID_PURPOSE']);
    await stop(observing.server);
  });

  it('makes Envoy refuse a server presenting the Envoy certificate (client auth only)', async () => {
    const { server, port } = await startServer(envoy);
    const result = await dial(port, envoy);
    expect(result).toBeInstanceOf(Error);
    expect((result as Error).message).toMatch(/unsuitable certificate purpose/i);
    await stop(server);
  });

  it('makes Envoy refuse the edge under a name it does not carry', async () => {
    const { server, port } = await startServer(edge);
    const result = await dial(port, envoy, 'elsewhere.example');
    expect(result).toBeInstanceOf(Error);
    expect((result as NodeJS.ErrnoException).code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    await stop(server);
  });

  it('refuses a client from another CA', async () => {
    const other = issueCertificateBundle();
    if (!other.ok) throw new Error(other.errors.join('; '));
    const stranger: Pem = { ca: edge.ca, cert: other.value.envoy.certPem, key: other.value.envoy.keyPem };
    const strict = await startServer(edge);
    expect(await dial(strict.port, stranger)).not.toBe('hello');
    await stop(strict.server);
    const observing = await startServer(edge, false);
    expect(await dial(observing.port, stranger)).not.toBe('hello');
    expect(observing.verdicts).toEqual(['UNABLE_TO_VERIFY_LEAF_SIGNATURE']);
    await stop(observing.server);
  });
});
