import { X509Certificate, createPrivateKey } from 'node:crypto';
import { children, contents, integerHex, parseDer, pemBlocks, TAG, type Tlv } from '../util/der.js';

const RSA = '2a864886f70d010101';
const EC = '2a8648ce3d0201';

interface PublicKey {
  readonly algorithm: 'rsa' | 'ec' | 'other';
  /** RSA: `modulus:exponent` in hex; EC: the point in hex. */
  readonly value: string;
}

/**
 * Why Envoy could not use `certificate` (a PEM chain) with `privateKey` (PEM), or undefined when it can:
 * every certificate of the chain parses, the key parses, and it belongs to the first certificate. RSA and
 * EC keys (the usual ones) are checked in JavaScript; anything else goes through OpenSSL.
 */
export function keyPairProblem(certificate: Buffer, privateKey: Buffer): string | undefined {
  const certs = pemBlocks(certificate.toString('latin1'));
  if (certs === undefined || certs.length === 0 || certs.some((b) => b.label !== 'CERTIFICATE')) {
    return 'tls.crt is not a PEM certificate';
  }
  const keys = pemBlocks(privateKey.toString('latin1'));
  const key = keys?.find((b) => b.label.endsWith('PRIVATE KEY'));
  if (key === undefined) return 'tls.key is not a PEM private key';
  if (key.label === 'ENCRYPTED PRIVATE KEY') return 'tls.key is encrypted; Envoy needs an unencrypted key';
  let leaf: PublicKey | undefined;
  for (const [i, block] of certs.entries()) {
    const spki = certificateKey(block.der);
    if (spki === undefined) return `tls.crt does not parse (certificate ${i + 1} is malformed)`;
    leaf ??= spki;
  }
  const own = privateKeyPublic(key.label, key.der);
  if (own === 'malformed') return 'tls.key does not parse';
  if (leaf === undefined || own === undefined || leaf.algorithm === 'other')
    return opensslProblem(certificate, privateKey);
  return own.algorithm === leaf.algorithm && own.value === leaf.value
    ? undefined
    : 'tls.key does not match the certificate in tls.crt';
}

/** The public key of a DER certificate, or undefined when it is malformed. */
function certificateKey(der: Buffer): PublicKey | undefined {
  const top = parseDer(der);
  if (top?.tag !== TAG.sequence) return undefined;
  const [tbs] = children(der, top) ?? [];
  if (tbs?.tag !== TAG.sequence) return undefined;
  const fields = children(der, tbs) ?? [];
  // version [0] is optional; then serial, signature, issuer, validity, subject, subjectPublicKeyInfo.
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0;
  const spki = fields[offset + 5];
  return spki?.tag === TAG.sequence ? spkiKey(der, spki) : undefined;
}

function spkiKey(der: Buffer, spki: Tlv): PublicKey | undefined {
  const [algorithm, bits] = children(der, spki) ?? [];
  if (algorithm?.tag !== TAG.sequence || bits?.tag !== TAG.bitString) return undefined;
  const [oid] = children(der, algorithm) ?? [];
  const id = oid === undefined ? '' : Buffer.from(contents(der, oid)).toString('hex');
  const key = der.subarray(bits.start + 1, bits.end); // skip the unused-bits byte
  if (id === EC) return { algorithm: 'ec', value: Buffer.from(key).toString('hex') };
  if (id !== RSA) return { algorithm: 'other', value: '' };
  const top = parseDer(key);
  const [n, e] = top === undefined ? [] : (children(key, top) ?? []);
  if (n?.tag !== TAG.integer || e?.tag !== TAG.integer) return undefined;
  return { algorithm: 'rsa', value: `${integerHex(key, n)}:${integerHex(key, e)}` };
}

/** The public key inside a private key; undefined when it cannot be read here (OpenSSL decides). */
function privateKeyPublic(label: string, der: Buffer): PublicKey | 'malformed' | undefined {
  const top = parseDer(der);
  if (top?.tag !== TAG.sequence) return 'malformed';
  const parts = children(der, top) ?? [];
  if (label === 'RSA PRIVATE KEY') return rsaPrivate(der, parts);
  if (label === 'EC PRIVATE KEY') return ecPrivate(der, parts);
  if (label !== 'PRIVATE KEY') return undefined;
  // PKCS#8: version, algorithm, the private key as an OCTET STRING.
  const [, algorithm, octets] = parts;
  if (algorithm?.tag !== TAG.sequence || octets?.tag !== TAG.octetString) return 'malformed';
  const [oid] = children(der, algorithm) ?? [];
  const id = oid === undefined ? '' : Buffer.from(contents(der, oid)).toString('hex');
  const inner = der.subarray(octets.start, octets.end);
  const innerTop = parseDer(inner);
  if (id !== RSA && id !== EC) return undefined;
  if (innerTop?.tag !== TAG.sequence) return 'malformed';
  const innerParts = children(inner, innerTop) ?? [];
  return id === RSA ? rsaPrivate(inner, innerParts) : ecPrivate(inner, innerParts);
}

function rsaPrivate(der: Uint8Array, parts: readonly Tlv[]): PublicKey | 'malformed' {
  // RSAPrivateKey: version, modulus, publicExponent, privateExponent, primes…
  const [, n, e] = parts;
  if (parts.length < 9 || n?.tag !== TAG.integer || e?.tag !== TAG.integer) return 'malformed';
  return { algorithm: 'rsa', value: `${integerHex(der, n)}:${integerHex(der, e)}` };
}

function ecPrivate(der: Uint8Array, parts: readonly Tlv[]): PublicKey | 'malformed' | undefined {
  // ECPrivateKey: version, privateKey, [0] parameters, [1] publicKey.
  if (parts[1]?.tag !== TAG.octetString) return 'malformed';
  const wrapped = parts.find((p) => p.tag === 0xa1);
  if (wrapped === undefined) return undefined;
  const [bits] = children(der, wrapped) ?? [];
  if (bits?.tag !== TAG.bitString) return 'malformed';
  return { algorithm: 'ec', value: Buffer.from(der.subarray(bits.start + 1, bits.end)).toString('hex') };
}

function opensslProblem(certificate: Buffer, privateKey: Buffer): string | undefined {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certificate);
  } catch (err) {
    return `tls.crt does not parse (${(err as Error).message})`;
  }
  try {
    if (!cert.checkPrivateKey(createPrivateKey(privateKey)))
      return 'tls.key does not match the certificate in tls.crt';
  } catch (err) {
    return `tls.key does not parse (${(err as Error).message})`;
  }
  return undefined;
}

/** Why `ca` (PEM) is not a usable CA bundle, or undefined. */
export function caBundleProblem(ca: Buffer): string | undefined {
  const blocks = pemBlocks(ca.toString('latin1'));
  if (blocks === undefined || !blocks.some((b) => b.label === 'CERTIFICATE'))
    return 'is not a PEM certificate bundle';
  for (const [i, block] of blocks.entries()) {
    if (block.label === 'CERTIFICATE' && certificateKey(block.der) === undefined) {
      return `does not parse (certificate ${i + 1} is malformed)`;
    }
  }
  return undefined;
}
