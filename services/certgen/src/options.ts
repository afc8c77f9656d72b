import { isIP } from 'node:net';
import { isDnsLabel, isDnsName, type Result } from '@sesame/shared';
import { generateRsaKey, type KeySource } from './issue.js';

/** The namespace the edge Service lives in when none is given (Contour's is `projectcontour`). */
export const DEFAULT_NAMESPACE = 'projectsesame';

/** What certificates to issue; every field has a default. */
export interface CertificateOptions {
  /** Namespace of the `sesame-xds` Service, for the edge certificate's SANs (default `projectsesame`). */
  readonly namespace?: string;
  /** Extra DNS names for the edge certificate (e.g. `localhost`). */
  readonly edgeDns?: readonly string[];
  /** IP addresses for the edge certificate (e.g. `127.0.0.1`). */
  readonly edgeIps?: readonly string[];
  /** Lifetime of the edge and Envoy certificates, in days (default 365). */
  readonly days?: number;
  /** Lifetime of the CA, in days (default 3650). */
  readonly caDays?: number;
  /** RSA modulus length in bits (default 2048). */
  readonly keySize?: number;
  /** The clock, injected so tests can move through time. */
  readonly now?: Date;
  /** Where new RSA keys come from (default: Node's generator); tests pass pre-generated keys. */
  readonly keySource?: KeySource;
}

/** The options with defaults applied and values checked. */
export interface ResolvedCertificateOptions {
  readonly namespace: string;
  readonly edgeDns: readonly string[];
  readonly edgeIps: readonly string[];
  readonly days: number;
  readonly caDays: number;
  readonly keySize: number;
  readonly now: Date;
  readonly keySource: KeySource;
}

function checkInteger(errors: string[], name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    errors.push(`${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
}

/** Applies defaults and reports every bad value at once (names are lower-cased and deduplicated). */
export function resolveCertificateOptions(options: CertificateOptions): Result<ResolvedCertificateOptions> {
  const errors: string[] = [];
  const namespace = options.namespace ?? DEFAULT_NAMESPACE;
  if (!isDnsLabel(namespace)) errors.push(`namespace must be a DNS label, got "${namespace}"`);
  const edgeDns = [...new Set((options.edgeDns ?? []).map((name) => name.trim().toLowerCase()))];
  for (const name of edgeDns) if (!isDnsName(name)) errors.push(`edge DNS name "${name}" is not a DNS name`);
  const edgeIps = [...new Set((options.edgeIps ?? []).map((ip) => ip.trim()))];
  for (const ip of edgeIps) if (isIP(ip) === 0) errors.push(`edge IP "${ip}" is not an IP address`);
  const days = options.days ?? 365;
  checkInteger(errors, 'days', days, 1, 36500);
  const caDays = options.caDays ?? 3650;
  checkInteger(errors, 'caDays', caDays, 1, 36500);
  const keySize = options.keySize ?? 2048;
  // Below 2048 bits BoringSSL (Envoy) refuses the key; above 16384 generation takes minutes.
  checkInteger(errors, 'keySize', keySize, 2048, 16384);
  const now = options.now ?? new Date();
  if (Number.isNaN(now.getTime())) errors.push('now must be a valid date');
  if (errors.length > 0) return { ok: false, errors };
  const keySource = options.keySource ?? generateRsaKey;
  return { ok: true, value: { namespace, edgeDns, edgeIps, days, caDays, keySize, now, keySource } };
}
