import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { CertificatePair, LeafProfile } from './issue.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const EKU_OID = { server: '1.3.6.1.5.5.7.3.1', client: '1.3.6.1.5.5.7.3.2' } as const;

/** A certificate pair as found in a store (files or a Secret): either half may be missing. */
export interface FoundPair {
  readonly certPem: string | undefined;
  readonly keyPem: string | undefined;
}

/** When a certificate counts as still good: valid now and not expiring within the renewal window. */
export interface FreshnessPolicy {
  readonly now: Date;
  readonly renewBeforeDays: number;
}

function parseCertificate(pem: string): X509Certificate | undefined {
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
}

/** The certificate's expiry; throws on unreadable PEM (callers have already checked it). */
export function certificateNotAfter(pem: string): Date {
  return new Date(new X509Certificate(pem).validTo);
}

function validityProblem(cert: X509Certificate, now: Date): string | undefined {
  const notBefore = new Date(cert.validFrom);
  const notAfter = new Date(cert.validTo);
  if (notBefore.getTime() > now.getTime()) return `not valid before ${notBefore.toISOString()}`;
  if (notAfter.getTime() <= now.getTime()) return `expired on ${notAfter.toISOString()}`;
  return undefined;
}

function windowProblem(cert: X509Certificate, policy: FreshnessPolicy): string | undefined {
  const notAfter = new Date(cert.validTo);
  if (notAfter.getTime() - policy.now.getTime() < policy.renewBeforeDays * DAY_MS) {
    return `expires on ${notAfter.toISOString()}, within ${policy.renewBeforeDays} days`;
  }
  return undefined;
}

function keyProblem(cert: X509Certificate, keyPem: string | undefined, rsaOnly: boolean): string | undefined {
  if (keyPem === undefined) return 'private key missing';
  try {
    const key = createPrivateKey(keyPem);
    // forge signs with RSA only, so a CA with any other key could not issue leaves.
    if (rsaOnly && key.asymmetricKeyType !== 'rsa') return 'private key is not RSA';
    return cert.checkPrivateKey(key) ? undefined : 'private key does not match the certificate';
  } catch {
    return 'private key unreadable';
  }
}

/** Why the CA cannot sign (missing, broken, without its key, outside its validity), or undefined when it can. */
export function caProblem(found: FoundPair, now: Date): string | undefined {
  if (found.certPem === undefined) return 'certificate missing';
  const cert = parseCertificate(found.certPem);
  if (cert === undefined) return 'certificate unreadable';
  if (!cert.ca) return 'certificate is not a CA';
  return keyProblem(cert, found.keyPem, true) ?? validityProblem(cert, now);
}

/** Why a CA that can still sign should be rotated now: it expires within the renewal window. */
export function caExpiresSoon(certPem: string, policy: FreshnessPolicy): string | undefined {
  const cert = parseCertificate(certPem);
  return cert === undefined ? 'certificate unreadable' : windowProblem(cert, policy);
}

/** Whether the first certificate of `certPem` is signed by the CA `caCertPem` (false when either is unreadable). */
export function signedBy(certPem: string | undefined, caCertPem: string): boolean {
  const cert = certPem === undefined ? undefined : parseCertificate(certPem);
  const ca = parseCertificate(caCertPem);
  return cert !== undefined && ca !== undefined && cert.checkIssued(ca) && cert.verify(ca.publicKey);
}

function sanDnsNames(cert: X509Certificate): Set<string> {
  const names = new Set<string>();
  for (const entry of (cert.subjectAltName ?? '').split(', ')) {
    if (entry.startsWith('DNS:')) names.add(entry.slice(4).toLowerCase());
  }
  return names;
}

function profileProblem(cert: X509Certificate, profile: LeafProfile): string | undefined {
  if (!cert.subject.split('\n').includes(`CN=${profile.commonName}`)) {
    return `subject is not CN=${profile.commonName}`;
  }
  if (!(cert.keyUsage ?? []).includes(EKU_OID[profile.usage])) {
    return `extended key usage lacks ${profile.usage}Auth`;
  }
  const dns = sanDnsNames(cert);
  const missing = [
    ...profile.dnsNames.filter((name) => !dns.has(name.toLowerCase())),
    // checkIP compares addresses, not spellings (::1 and 0:0:0:0:0:0:0:1 are the same).
    ...profile.ipAddresses.filter((ip) => cert.checkIP(ip) === undefined),
  ];
  return missing.length > 0 ? `subject alternative names lack ${missing.join(', ')}` : undefined;
}

/** Why a leaf must be issued again (signed by `caCertPem`, matching `profile`), or undefined to keep it. */
export function leafProblem(
  found: FoundPair,
  options: FreshnessPolicy & { caCertPem: string; profile: LeafProfile },
): string | undefined {
  if (found.certPem === undefined) return 'certificate missing';
  const cert = parseCertificate(found.certPem);
  if (cert === undefined) return 'certificate unreadable';
  if (!signedBy(found.certPem, options.caCertPem)) return 'not signed by the current CA';
  return (
    keyProblem(cert, found.keyPem, false) ??
    validityProblem(cert, options.now) ??
    windowProblem(cert, options) ??
    profileProblem(cert, options.profile)
  );
}

/** Narrows a found pair to a complete one. */
export function isComplete(found: FoundPair): found is CertificatePair {
  return found.certPem !== undefined && found.keyPem !== undefined;
}
