import { createPublicKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import forge from 'node-forge';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Backdating absorbs clock skew between the issuer and the peers that check the certificate. */
const BACKDATE_MS = 60 * 60 * 1000;

/** When a certificate of ours was issued: its notBefore, undoing the backdating. */
export function issuedAt(notBefore: Date): Date {
  return new Date(notBefore.getTime() + BACKDATE_MS);
}

/** The common name of the edge certificate and the DNS name Envoys check it for. */
export const EDGE_NAME = 'sesame-xds';
/** The common name and DNS name of the Envoy client certificate. */
export const ENVOY_NAME = 'envoy';
/** The CA's common name, before the suffix that tells one CA generation from the next. */
export const CA_NAME = 'Sesame CA';

/** A certificate and its private key, both PEM. */
export interface CertificatePair {
  readonly certPem: string;
  readonly keyPem: string;
}

/** A freshly issued certificate, with the dates the caller reports. */
export interface IssuedCertificate extends CertificatePair {
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Hex serial number. */
  readonly serial: string;
}

/** What a leaf certificate says about its holder. */
export interface LeafProfile {
  readonly commonName: string;
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  /** `server` gets extendedKeyUsage serverAuth, `client` gets clientAuth. */
  readonly usage: 'server' | 'client';
}

/** The edge's DNS names: the `sesame-xds` Service under every name a pod can reach it by, then the extras. */
export function edgeDnsNames(namespace: string, extra: readonly string[] = []): string[] {
  const names = [
    EDGE_NAME,
    `${EDGE_NAME}.${namespace}`,
    `${EDGE_NAME}.${namespace}.svc`,
    `${EDGE_NAME}.${namespace}.svc.cluster.local`,
  ];
  return [...new Set([...names, ...extra])];
}

/** The edge server certificate's profile. */
export function edgeProfile(options: {
  namespace: string;
  edgeDns?: readonly string[];
  edgeIps?: readonly string[];
}): LeafProfile {
  return {
    commonName: EDGE_NAME,
    dnsNames: edgeDnsNames(options.namespace, options.edgeDns),
    ipAddresses: options.edgeIps ?? [],
    usage: 'server',
  };
}

/** The Envoy client certificate's profile. */
export function envoyProfile(): LeafProfile {
  return { commonName: ENVOY_NAME, dnsNames: [ENVOY_NAME], ipAddresses: [], usage: 'client' };
}

/** Makes an RSA private key (PEM) of `keySize` bits; injectable because generation dominates test time. */
export type KeySource = (keySize: number) => string;

/** RSA keys come from Node's OpenSSL: forge's pure-JS generator takes seconds per key. */
export const generateRsaKey: KeySource = (keySize) =>
  generateKeyPairSync('rsa', {
    modulusLength: keySize,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  }).privateKey;

interface GeneratedKey {
  readonly pem: string;
  readonly publicKey: forge.pki.rsa.PublicKey;
}

const bigInteger = (base64url: string | undefined): forge.jsbn.BigInteger =>
  new forge.jsbn.BigInteger(Buffer.from(base64url ?? '', 'base64url').toString('hex'), 16);

/** A new key and its public half in forge's terms (read through Node: forge's PEM parser is slow). */
function generateKey(keySize: number, source: KeySource = generateRsaKey): GeneratedKey {
  const pem = source(keySize);
  const jwk = createPublicKey(pem).export({ format: 'jwk' });
  return { pem, publicKey: forge.pki.setRsaPublicKey(bigInteger(jwk.n), bigInteger(jwk.e)) };
}

/** forge's own TBSCertificate builder, which its type definitions leave out. */
interface ForgeTbs {
  getTBSCertificate(cert: forge.pki.Certificate): forge.asn1.Asn1;
}

/** Signs with Node's OpenSSL (forge's big-number RSA takes tens of milliseconds per signature). */
function signCertificate(cert: forge.pki.Certificate, keyPem: string): void {
  const oid = forge.pki.oids['sha256WithRSAEncryption'] as string;
  cert.signatureOid = oid;
  cert.siginfo.algorithmOid = oid;
  cert.tbsCertificate = (forge.pki as unknown as ForgeTbs).getTBSCertificate(cert);
  const tbs = Buffer.from(forge.asn1.toDer(cert.tbsCertificate).getBytes(), 'binary');
  cert.signature = sign('sha256', tbs, keyPem).toString('binary');
}

/** 128 random bits, positive (top bit clear) and minimally encoded (first byte non-zero). */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f || 0x01;
  return bytes.toString('hex');
}

function newCertificate(options: {
  publicKey: forge.pki.rsa.PublicKey;
  now: Date;
  notAfter: Date;
}): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = options.publicKey;
  cert.serialNumber = randomSerial();
  cert.validity.notBefore = new Date(options.now.getTime() - BACKDATE_MS);
  cert.validity.notAfter = options.notAfter;
  return cert;
}

function issued(cert: forge.pki.Certificate, keyPem: string): IssuedCertificate {
  return {
    certPem: forge.pki.certificateToPem(cert),
    keyPem,
    notBefore: cert.validity.notBefore,
    notAfter: cert.validity.notAfter,
    serial: cert.serialNumber,
  };
}

const CA_EXTENSIONS = [
  { name: 'basicConstraints', cA: true, critical: true },
  { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
];

/**
 * Issues a self-signed CA that may only sign certificates and CRLs. Its common name ends with part of its
 * serial: during a rotation two CAs are trusted side by side, and chain builders (and people reading
 * `openssl x509 -issuer`) tell them apart by name before they look at key identifiers.
 */
export function createCa(options: {
  days: number;
  keySize: number;
  now: Date;
  commonName?: string;
  keySource?: KeySource;
}): IssuedCertificate {
  const key = generateKey(options.keySize, options.keySource);
  const cert = newCertificate({
    publicKey: key.publicKey,
    now: options.now,
    notAfter: new Date(options.now.getTime() + options.days * DAY_MS),
  });
  const commonName = options.commonName ?? `${CA_NAME} ${cert.serialNumber.slice(0, 8)}`;
  const subject = [{ name: 'commonName', value: commonName }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([...CA_EXTENSIONS, { name: 'subjectKeyIdentifier' }]);
  signCertificate(cert, key.pem);
  return issued(cert, key.pem);
}

/** The CA's key identifier as written in its certificate, or derived from its key as forge writes it. */
function caKeyIdentifier(ca: forge.pki.Certificate): string {
  const extension: { subjectKeyIdentifier?: string } | undefined = ca.getExtension('subjectKeyIdentifier');
  const hex = extension?.subjectKeyIdentifier;
  return hex !== undefined ? forge.util.hexToBytes(hex) : ca.generateSubjectKeyIdentifier().getBytes();
}

/**
 * Issues a leaf certificate signed by `ca`. It never outlives the CA: a chain that expires early fails
 * loudly at the CA's date anyway, so the leaf says so up front.
 */
export function issueLeaf(options: {
  ca: CertificatePair;
  profile: LeafProfile;
  days: number;
  keySize: number;
  now: Date;
  keySource?: KeySource;
}): IssuedCertificate {
  const { profile } = options;
  const caCert = forge.pki.certificateFromPem(options.ca.certPem);
  const key = generateKey(options.keySize, options.keySource);
  const wanted = options.now.getTime() + options.days * DAY_MS;
  const cert = newCertificate({
    publicKey: key.publicKey,
    now: options.now,
    notAfter: new Date(Math.min(wanted, caCert.validity.notAfter.getTime())),
  });
  cert.setSubject([{ name: 'commonName', value: profile.commonName }]);
  cert.setIssuer(caCert.subject.attributes);
  const altNames = [
    ...profile.dnsNames.map((value) => ({ type: 2, value })),
    ...profile.ipAddresses.map((ip) => ({ type: 7, ip })),
  ];
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    profile.usage === 'server'
      ? { name: 'extKeyUsage', serverAuth: true }
      : { name: 'extKeyUsage', clientAuth: true },
    { name: 'subjectAltName', altNames },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caKeyIdentifier(caCert) },
  ]);
  signCertificate(cert, options.ca.keyPem);
  return issued(cert, key.pem);
}

function octetString(bytes: string): forge.asn1.Asn1 {
  return forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.OCTETSTRING, false, bytes);
}

/**
 * Cross-signs `ca` with `signer`: a certificate with `ca`'s name, key and key identifier, issued by `signer`.
 * Sent after a leaf signed by `ca`, it lets a peer that still trusts only `signer` build a chain, so the
 * peers of a CA rotation need not pick up their new trust bundles before the new leaves. Valid while both are;
 * returns the PEM.
 */
export function crossSignCa(options: { ca: string; signer: CertificatePair; now: Date }): string {
  const subject = forge.pki.certificateFromPem(options.ca);
  const signerCert = forge.pki.certificateFromPem(options.signer.certPem);
  const end = Math.min(subject.validity.notAfter.getTime(), signerCert.validity.notAfter.getTime());
  const cert = newCertificate({
    publicKey: subject.publicKey as forge.pki.rsa.PublicKey,
    now: options.now,
    notAfter: new Date(end),
  });
  cert.setSubject(subject.subject.attributes);
  cert.setIssuer(signerCert.subject.attributes);
  cert.setExtensions([
    ...CA_EXTENSIONS,
    // The CA's own identifier, byte for byte (forge would derive one, which may differ from another issuer's).
    { name: 'subjectKeyIdentifier', value: octetString(caKeyIdentifier(subject)) },
    { name: 'authorityKeyIdentifier', keyIdentifier: caKeyIdentifier(signerCert) },
  ]);
  signCertificate(cert, options.signer.keyPem);
  return forge.pki.certificateToPem(cert);
}
