import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type TestPki } from './pki.js';

describe('createTestPki', () => {
  let pki: TestPki;
  beforeAll(async () => {
    pki = await createTestPki();
  });
  afterAll(async () => {
    await pki.cleanup();
  });

  it('issues a server certificate for sesame-xds, localhost and 127.0.0.1 signed by the CA', async () => {
    const ca = new X509Certificate(pki.caCert);
    const cert = new X509Certificate(pki.server.cert);
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkHost('sesame-xds')).toBe('sesame-xds');
    expect(cert.checkHost('localhost')).toBe('localhost');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(await readFile(join(pki.server.dir, 'tls.crt'))).toEqual(pki.server.cert);
    expect(await readFile(join(pki.server.dir, 'ca.crt'))).toEqual(pki.caCert);
  });

  it('issues a foreign client that the main CA did not sign, and an expired client that it did', () => {
    const ca = new X509Certificate(pki.caCert);
    expect(new X509Certificate(pki.client.cert).verify(ca.publicKey)).toBe(true);
    expect(new X509Certificate(pki.foreignClient.cert).verify(ca.publicKey)).toBe(false);
    const expired = new X509Certificate(pki.expiredClient.cert);
    expect(expired.verify(ca.publicKey)).toBe(true);
    expect(new Date(expired.validTo).getTime()).toBeLessThan(Date.now());
  });

  it('can rotate a certificate in place', async () => {
    const before = pki.client.cert;
    const rotated = await pki.issue({
      name: 'client',
      commonName: 'envoy',
      usage: 'client',
      dir: pki.client.dir,
    });
    expect(rotated.cert).not.toEqual(before);
    expect(await readFile(join(pki.client.dir, 'tls.crt'))).toEqual(rotated.cert);
  });
});
