import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Backdating absorbs clock skew between the issuer and the peers that check the certificate. */
const BACKDATE_MS = 60 * 60 * 1000;

/** The common name of the edge certificate and the DNS name Envoys check it for. */
export const EDGE_NAME = 'sesame-xds';
/** The common name and DNS name of the Envoy client certificate. */
export const ENVOY_NAME = 'envoy';
/** The CA's common name. */
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

interface GeneratedKey {
  readonly pem: string;
  readonly privateKey: forge.pki.rsa.PrivateKey;
  readonly publicKey: forge.pki.rsa.PublicKey;
}

/** RSA keys come from Node's OpenSSL: forge's pure-JS generator takes seconds per key. */
function generateKey(keySize: number): GeneratedKey {
  const { privateKey: pem } = generateKeyPairSync('rsa', {
    modulusLength: keySize,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  const privateKey = forge.pki.privateKeyFromPem(pem);
  return { pem, privateKey, publicKey: forge.pki.setRsaPublicKey(privateKey.n, privateKey.e) };
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

/** Issues a self-signed CA that may only sign certificates and CRLs. */
export function createCa(options: {
  days: number;
  keySize: number;
  now: Date;
  commonName?: string;
}): IssuedCertificate {
  const key = generateKey(options.keySize);
  const cert = newCertificate({
    publicKey: key.publicKey,
    now: options.now,
    notAfter: new Date(options.now.getTime() + options.days * DAY_MS),
  });
  const subject = [{ name: 'commonName', value: options.commonName ?? CA_NAME }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(key.privateKey, forge.md.sha256.create());
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
}): IssuedCertificate {
  const { profile } = options;
  const caCert = forge.pki.certificateFromPem(options.ca.certPem);
  const caKey = forge.pki.privateKeyFromPem(options.ca.keyPem);
  const key = generateKey(options.keySize);
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
  cert.sign(caKey, forge.md.sha256.create());
  return issued(cert, key.pem);
}
