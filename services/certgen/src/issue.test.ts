import { X509Certificate, createPrivateKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyPool } from '../../../test/certgen/key-pool.js';
import { createOpensslChecker, hasOpenssl } from '../../../test/tls/openssl.js';
import { issueCertificateBundle } from './bundle.js';
import {
  createCa,
  crossSignCa,
  edgeDnsNames,
  edgeProfile,
  envoyProfile,
  issueLeaf,
  type KeySource,
} from './issue.js';

const NOW = new Date('2030-01-01T00:00:00Z');
const DAY_MS = 24 * 60 * 60 * 1000;

const bundle = (() => {
  const result = issueCertificateBundle({ edgeDns: ['localhost'], edgeIps: ['127.0.0.1', '::1'], now: NOW });
  if (!result.ok) throw new Error(result.errors.join('; '));
  return result.value;
})();
const ca = new X509Certificate(bundle.ca.certPem);
let keySource: KeySource;
beforeAll(async () => {
  keySource = await createKeyPool(6);
});
const edge = new X509Certificate(bundle.edge.certPem);
const envoy = new X509Certificate(bundle.envoy.certPem);

describe('edgeDnsNames', () => {
  it('names the sesame-xds Service in every form, then the extras, without duplicates', () => {
    expect(edgeDnsNames('ns', ['localhost', 'sesame-xds'])).toEqual([
      'sesame-xds',
      'sesame-xds.ns',
      'sesame-xds.ns.svc',
      'sesame-xds.ns.svc.cluster.local',
      'localhost',
    ]);
  });
});

describe('issued certificates (in process)', () => {
  it('makes a self-signed CA valid for caDays, backdated one hour', () => {
    expect(ca.ca).toBe(true);
    expect(ca.subject).toMatch(/^CN=Sesame CA [0-9a-f]{8}$/);
    expect(ca.checkIssued(ca)).toBe(true);
    expect(ca.verify(ca.publicKey)).toBe(true);
    expect(new Date(ca.validFrom).getTime()).toBe(NOW.getTime() - 60 * 60 * 1000);
    expect(new Date(ca.validTo).getTime()).toBe(NOW.getTime() + 3650 * DAY_MS);
  });

  it('signs both leaves with the CA, for 365 days, with their own keys', () => {
    for (const [leaf, pair] of [
      [edge, bundle.edge],
      [envoy, bundle.envoy],
    ] as const) {
      expect(leaf.ca).toBe(false);
      expect(leaf.checkIssued(ca)).toBe(true);
      expect(leaf.verify(ca.publicKey)).toBe(true);
      expect(leaf.checkPrivateKey(createPrivateKey(pair.keyPem))).toBe(true);
      expect(new Date(leaf.validTo).getTime()).toBe(NOW.getTime() + 365 * DAY_MS);
    }
  });

  it('gives the edge its Service names, the extras and the IPs, for server auth only', () => {
    expect(edge.subject).toBe('CN=sesame-xds');
    expect(edge.subjectAltName?.split(', ')).toEqual([
      'DNS:sesame-xds',
      'DNS:sesame-xds.projectsesame',
      'DNS:sesame-xds.projectsesame.svc',
      'DNS:sesame-xds.projectsesame.svc.cluster.local',
      'DNS:localhost',
      'IP Address:127.0.0.1',
      expect.stringMatching(/^IP Address:(0:){7}1$/i),
    ]);
    expect(edge.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(edge.checkHost('sesame-xds')).toBe('sesame-xds');
    expect(edge.checkIP('::1')).toBe('::1');
  });

  it('gives Envoy CN and DNS name envoy, for client auth only', () => {
    expect(envoy.subject).toBe('CN=envoy');
    expect(envoy.subjectAltName).toBe('DNS:envoy');
    expect(envoy.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
  });

  it('uses 2048-bit RSA keys in PEM, random positive serials', () => {
    const key = createPrivateKey(bundle.edge.keyPem);
    expect(key.asymmetricKeyType).toBe('rsa');
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
    const serials = [ca, edge, envoy].map((cert) => cert.serialNumber);
    expect(new Set(serials).size).toBe(3);
    for (const serial of serials) expect(parseInt(serial.slice(0, 2), 16)).toBeLessThan(0x80);
  });

  it('never lets a leaf outlive its CA', () => {
    const shortCa = createCa({ days: 10, keySize: 2048, now: NOW, keySource });
    const leaf = issueLeaf({
      ca: shortCa,
      profile: envoyProfile(),
      days: 365,
      keySize: 2048,
      now: NOW,
      keySource,
    });
    expect(leaf.notAfter).toEqual(shortCa.notAfter);
  });

  it('reports every bad option at once', () => {
    const result = issueCertificateBundle({
      namespace: 'Bad_NS',
      edgeIps: ['300.1.1.1'],
      days: 0,
      keySize: 1024,
    });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors).toHaveLength(4);
  });
});

describe.skipIf(!hasOpenssl())('issued certificates (openssl)', () => {
  const openssl = createOpensslChecker();
  afterAll(() => openssl.cleanup());

  it('verifies the leaves against the CA, each for its purpose', () => {
    // openssl checks dates against the real clock, so these certificates are issued now.
    const now = new Date();
    const nowCa = createCa({ days: 30, keySize: 2048, now, keySource });
    const leaf = { ca: nowCa, days: 1, keySize: 2048, now, keySource };
    const server = issueLeaf({ ...leaf, profile: edgeProfile({ namespace: 'ns' }) });
    const client = issueLeaf({ ...leaf, profile: envoyProfile() });
    const verify = (cert: string, purpose: 'sslserver' | 'sslclient'): boolean =>
      openssl.verify({ trusted: nowCa.certPem, cert, purpose }).ok;
    expect(verify(server.certPem, 'sslserver')).toBe(true);
    expect(verify(client.certPem, 'sslclient')).toBe(true);
    expect(verify(server.certPem, 'sslclient')).toBe(false);
    expect(verify(client.certPem, 'sslserver')).toBe(false);
  });

  it('rejects a leaf signed by another CA', () => {
    const now = new Date();
    const other = createCa({ days: 30, keySize: 2048, now, keySource });
    const leaf = issueLeaf({ ca: other, profile: envoyProfile(), days: 1, keySize: 2048, now, keySource });
    expect(openssl.verify({ trusted: bundle.ca.certPem, cert: leaf.certPem }).ok).toBe(false);
  });

  it('writes the CA extensions critical where they must be', () => {
    const out = openssl.text(bundle.ca.certPem);
    expect(out).toMatch(/Basic Constraints: critical\s+CA:TRUE/);
    expect(out).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(out).toContain('Subject Key Identifier');
    expect(out).toContain('Signature Algorithm: sha256WithRSAEncryption');
  });

  it('writes the edge SANs, usages and the CA key identifier', () => {
    const out = openssl.text(bundle.edge.certPem);
    expect(out).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(out).toMatch(/Key Usage: critical\s+Digital Signature, Key Encipherment/);
    expect(out).toMatch(/Extended Key Usage:\s+TLS Web Server Authentication\n/);
    expect(out).toContain(
      'DNS:sesame-xds, DNS:sesame-xds.projectsesame, DNS:sesame-xds.projectsesame.svc, DNS:sesame-xds.projectsesame.svc.cluster.local, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
    );
    const caKeyId = /Subject Key Identifier:\s+([0-9A-F:]+)/.exec(openssl.text(bundle.ca.certPem))?.[1];
    expect(caKeyId).toBeDefined();
    expect(out).toMatch(new RegExp(`Authority Key Identifier:\\s+(keyid:)?${caKeyId}`));
  });

  it('writes the Envoy certificate for client authentication', () => {
    const out = openssl.text(bundle.envoy.certPem);
    expect(out).toMatch(/Extended Key Usage:\s+TLS Web Client Authentication\n/);
    expect(out).toContain('DNS:envoy');
    expect(out).toContain('Subject: CN = envoy');
  });

  it('cross-signs a new CA so that peers trusting only the old one accept its leaves', () => {
    const now = new Date();
    const [oldCa, newCa] = [1, 2].map(() => createCa({ days: 30, keySize: 2048, now, keySource }));
    const leaf = issueLeaf({ ca: newCa!, profile: envoyProfile(), days: 1, keySize: 2048, now, keySource });
    const cross = crossSignCa({ ca: newCa!.certPem, signer: oldCa!, now });
    const verify = (trusted: string, untrusted?: string): boolean =>
      openssl.verify({
        trusted,
        cert: leaf.certPem,
        purpose: 'sslclient',
        ...(untrusted ? { untrusted } : {}),
      }).ok;
    expect(verify(oldCa!.certPem)).toBe(false);
    expect(verify(oldCa!.certPem, cross)).toBe(true);
    expect(verify(newCa!.certPem, cross)).toBe(true);
    expect(verify(oldCa!.certPem + newCa!.certPem)).toBe(true);
    const out = openssl.text(cross);
    expect(out).toMatch(/Basic Constraints: critical\s+CA:TRUE/);
    const keyId = (text: string, which: string): string | undefined =>
      new RegExp(`${which} Key Identifier:\\s+(?:keyid:)?([0-9A-F:]+)`).exec(text)?.[1];
    expect(keyId(out, 'Subject')).toBe(keyId(openssl.text(newCa!.certPem), 'Subject'));
    expect(keyId(out, 'Authority')).toBe(keyId(openssl.text(oldCa!.certPem), 'Subject'));
  });
});
