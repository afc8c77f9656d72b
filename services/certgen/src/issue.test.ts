import { execFileSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { issueCertificateBundle } from './bundle.js';
import { createCa, edgeDnsNames, edgeProfile, envoyProfile, issueLeaf } from './issue.js';

const NOW = new Date('2030-01-01T00:00:00Z');
const DAY_MS = 24 * 60 * 60 * 1000;

const bundle = (() => {
  const result = issueCertificateBundle({ edgeDns: ['localhost'], edgeIps: ['127.0.0.1', '::1'], now: NOW });
  if (!result.ok) throw new Error(result.errors.join('; '));
  return result.value;
})();
const ca = new X509Certificate(bundle.ca.certPem);
const edge = new X509Certificate(bundle.edge.certPem);
const envoy = new X509Certificate(bundle.envoy.certPem);

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

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
    expect(ca.subject).toBe('CN=Sesame CA');
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
    const shortCa = createCa({ days: 10, keySize: 2048, now: NOW });
    const leaf = issueLeaf({ ca: shortCa, profile: envoyProfile(), days: 365, keySize: 2048, now: NOW });
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
  const dir = mkdtempSync(join(tmpdir(), 'sesame-openssl-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, contents: string): string => {
    const path = join(dir, name);
    writeFileSync(path, contents);
    return path;
  };
  const caFile = file('ca.crt', bundle.ca.certPem);
  const text = (pem: string, name: string): string =>
    execFileSync('openssl', ['x509', '-noout', '-text', '-in', file(name, pem)], { encoding: 'utf8' });
  it('verifies the leaves against the CA, each for its purpose', () => {
    // openssl checks dates against the real clock, so these certificates are issued now.
    const nowCa = createCa({ days: 30, keySize: 2048, now: new Date() });
    const nowCaFile = file('now-ca.crt', nowCa.certPem);
    const server = issueLeaf({
      ca: nowCa,
      profile: edgeProfile({ namespace: 'ns' }),
      days: 1,
      keySize: 2048,
      now: new Date(),
    });
    const client = issueLeaf({ ca: nowCa, profile: envoyProfile(), days: 1, keySize: 2048, now: new Date() });
    const verify = (pem: string, name: string, purpose: string): string =>
      execFileSync('openssl', ['verify', '-CAfile', nowCaFile, '-purpose', purpose, file(name, pem)], {
        encoding: 'utf8',
        stdio: 'pipe',
      });
    expect(verify(server.certPem, 'server.crt', 'sslserver')).toContain(': OK');
    expect(verify(client.certPem, 'client.crt', 'sslclient')).toContain(': OK');
    expect(() => verify(server.certPem, 'server2.crt', 'sslclient')).toThrow();
  });

  it('rejects a leaf signed by another CA', () => {
    const other = createCa({ days: 30, keySize: 2048, now: new Date() });
    const leaf = issueLeaf({ ca: other, profile: envoyProfile(), days: 1, keySize: 2048, now: new Date() });
    expect(() =>
      execFileSync('openssl', ['verify', '-CAfile', caFile, file('stranger.crt', leaf.certPem)], {
        stdio: 'pipe',
      }),
    ).toThrow();
  });

  it('writes the CA extensions critical where they must be', () => {
    const out = text(bundle.ca.certPem, 'ca-text.crt');
    expect(out).toMatch(/Basic Constraints: critical\s+CA:TRUE/);
    expect(out).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(out).toContain('Subject Key Identifier');
    expect(out).toContain('Signature Algorithm: sha256WithRSAEncryption');
  });

  it('writes the edge SANs, usages and the CA key identifier', () => {
    const out = text(bundle.edge.certPem, 'edge-text.crt');
    expect(out).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(out).toMatch(/Key Usage: critical\s+Digital Signature, Key Encipherment/);
    expect(out).toMatch(/Extended Key Usage:\s+TLS Web Server Authentication\n/);
    expect(out).toContain(
      'DNS:sesame-xds, DNS:sesame-xds.projectsesame, DNS:sesame-xds.projectsesame.svc, DNS:sesame-xds.projectsesame.svc.cluster.local, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
    );
    const caKeyId = /Subject Key Identifier:\s+([0-9A-F:]+)/.exec(
      text(bundle.ca.certPem, 'ca-text2.crt'),
    )?.[1];
    expect(caKeyId).toBeDefined();
    expect(out).toMatch(new RegExp(`Authority Key Identifier:\\s+(keyid:)?${caKeyId}`));
  });

  it('writes the Envoy certificate for client authentication', () => {
    const out = text(bundle.envoy.certPem, 'envoy-text.crt');
    expect(out).toMatch(/Extended Key Usage:\s+TLS Web Client Authentication\n/);
    expect(out).toContain('DNS:envoy');
    expect(out).toContain('Subject: CN = envoy');
  });
});
