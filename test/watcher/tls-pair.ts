// Self-signed certificates for TLS Secrets in watcher tests, generated at test time (no keys checked in).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

/** A PEM certificate and its PEM private key, as a `kubernetes.io/tls` Secret holds them. */
export interface TlsPair {
  readonly cert: string;
  readonly key: string;
}

const cache = new Map<string, TlsPair>();

/**
 * A self-signed certificate for `host` (CN and DNS SAN), valid from yesterday for a year. Pairs are cached
 * per host and `variant`, so tests stay fast and a test can still ask for a second, different certificate.
 */
export function selfSignedPair(host: string, variant = 0): TlsPair {
  const cacheKey = `${host}\0${variant}`;
  const cached = cache.get(cacheKey);
  if (cached !== undefined) return cached;
  // Node generates the key (fast, native); forge only builds and signs the certificate.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(keyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e);
  cert.serialNumber = `01${randomBytes(8).toString('hex')}`;
  const now = Date.now();
  cert.validity.notBefore = new Date(now - 86_400_000);
  cert.validity.notAfter = new Date(now + 365 * 86_400_000);
  const subject = [{ name: 'commonName', value: host }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([{ name: 'subjectAltName', altNames: [{ type: 2, value: host }] }]);
  cert.sign(forgeKey, forge.md.sha256.create());
  const pair = { cert: forge.pki.certificateToPem(cert), key: keyPem };
  cache.set(cacheKey, pair);
  return pair;
}
