// certgen's certificates in Node's own TLS, server and client: the purposes and names they carry decide who
// accepts whom. (services/xds-edge/src/integration/rotation.test.ts does the same against a running edge.)
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import type { TlsMaterial } from '@sesame/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyPool } from '../../../test/certgen/key-pool.js';
import { createTestCertificates, type TestCertificates } from '../../../test/certgen/test-certificates.js';
import { probeTls, refusedByServer, type TlsProbe } from '../../../test/tls/tls-probe.js';
import { issueCertificateBundle } from './bundle.js';
import type { KeySource } from './issue.js';

let keySource: KeySource;
let certs: TestCertificates;
let edge: TlsMaterial;
let envoy: TlsMaterial;

beforeAll(async () => {
  keySource = await createKeyPool(5);
  certs = await createTestCertificates({ keySource });
  [edge, envoy] = await Promise.all([certs.read('edge'), certs.read('envoy')]);
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
  identity: TlsMaterial,
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

/** Dials like Envoy does (SNI and name check `sesame-xds`, unless `servername`). */
function dial(port: number, identity: TlsMaterial, servername?: string): Promise<TlsProbe> {
  const address = { host: '127.0.0.1', port };
  return probeTls({ address, tls: identity, ...(servername === undefined ? {} : { servername }) });
}

describe('mTLS between the edge and Envoy certificates', () => {
  it('lets Envoy in and shows the edge who it is', async () => {
    const { server, port } = await startServer(edge);
    const peer = once(server, 'secureConnection') as Promise<[tls.TLSSocket]>;
    expect((await dial(port, envoy)).accepted).toBe(true);
    const [socket] = await peer;
    expect(socket.getPeerCertificate().subject.CN).toBe('envoy');
    await stop(server);
  });

  it('refuses the edge certificate as a client certificate (server auth only)', async () => {
    const strict = await startServer(edge);
    expect(refusedByServer(await dial(strict.port, edge))).toBe(true);
    await stop(strict.server);
    const observing = await startServer(edge, false);
    expect(refusedByServer(await dial(observing.port, edge))).toBe(true);
    expect(observing.verdicts).toEqual(['INVALID_PURPOSE']);
    await stop(observing.server);
  });

  it('makes Envoy refuse a server presenting the Envoy certificate (client auth only)', async () => {
    const { server, port } = await startServer(envoy);
    expect(await dial(port, envoy)).toMatchObject({
      accepted: false,
      error: 'INVALID_PURPOSE',
    });
    await stop(server);
  });

  it('makes Envoy refuse the edge under a name it does not carry', async () => {
    const { server, port } = await startServer(edge);
    const result = await dial(port, envoy, 'elsewhere.example');
    expect(result).toMatchObject({ accepted: false, error: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    await stop(server);
  });

  it('refuses a client from another CA', async () => {
    const other = issueCertificateBundle({ keySource });
    if (!other.ok) throw new Error(other.errors.join('; '));
    const stranger: TlsMaterial = {
      ca: edge.ca,
      cert: Buffer.from(other.value.envoy.certPem),
      key: Buffer.from(other.value.envoy.keyPem),
    };
    const strict = await startServer(edge);
    expect(refusedByServer(await dial(strict.port, stranger))).toBe(true);
    await stop(strict.server);
    const observing = await startServer(edge, false);
    expect(refusedByServer(await dial(observing.port, stranger))).toBe(true);
    expect(observing.verdicts).toEqual(['UNABLE_TO_VERIFY_LEAF_SIGNATURE']);
    await stop(observing.server);
  });
});
