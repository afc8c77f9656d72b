// A synthetic cluster for the translation benchmark and scale tests: Services with EndpointSlices,
// HTTPProxies routing to them (some over TLS), and their certificates. Deterministic for a given size.
import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import forge from 'node-forge';
import type { KubeObject } from '@sesame/watcher';

/** How big the cluster is. */
export interface ClusterSize {
  readonly services: number;
  readonly endpointsPerService: number;
  readonly proxies: number;
  readonly tlsSecrets: number;
  readonly namespaces: number;
}

/** The benchmark's cluster: 10,000 HTTPProxies and Services, 100,000 endpoints, 2,000 TLS secrets. */
export const BENCH_SIZE: ClusterSize = {
  services: 10_000,
  endpointsPerService: 10,
  proxies: 10_000,
  tlsSecrets: 2_000,
  namespaces: 100,
};

/** The objects of a synthetic cluster, by kind. */
export interface SyntheticCluster {
  readonly services: KubeObject[];
  readonly slices: KubeObject[];
  readonly secrets: KubeObject[];
  readonly proxies: KubeObject[];
}

const ns = (i: number, size: ClusterSize): string => `ns-${i % size.namespaces}`;

/** A Service with one named port. */
export function syntheticService(i: number, size: ClusterSize): KubeObject {
  return {
    manifest: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `svc-${i}`, namespace: ns(i, size) },
      spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    },
  };
}

/** The EndpointSlice of Service `i`; `generation` shifts its addresses (an endpoint change). */
export function syntheticSlice(i: number, size: ClusterSize, generation = 0): KubeObject {
  return {
    manifest: {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: `svc-${i}-abcde`,
        namespace: ns(i, size),
        labels: { 'kubernetes.io/service-name': `svc-${i}` },
      },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      endpoints: Array.from({ length: size.endpointsPerService }, (_, k) => ({
        addresses: [`10.${(i >> 8) & 255}.${i & 255}.${(k + generation) % 250}`],
        conditions: { ready: true },
      })),
    },
  };
}

/**
 * HTTPProxy `i`: two routes (one split between two Services, with retries and a timeout), TLS for the
 * first `tlsSecrets` proxies; `generation` changes one route (an HTTPProxy change).
 */
export function syntheticProxy(i: number, size: ClusterSize, generation = 0): KubeObject {
  const namespace = ns(i, size);
  // Route to Services of the same namespace: every Service index ≡ i (mod namespaces) lives there.
  const sibling = (i + size.namespaces) % size.services;
  return {
    manifest: {
      apiVersion: 'projectsesame.io/v1',
      kind: 'HTTPProxy',
      metadata: { name: `app-${i}`, namespace },
      spec: {
        virtualhost: {
          fqdn: `app-${i}.example.com`,
          ...(i < size.tlsSecrets ? { tls: { secretName: `tls-${i}` } } : {}),
        },
        routes: [
          {
            conditions: [{ prefix: `/api/v${1 + generation}` }],
            services: [
              { name: `svc-${i}`, port: 80, weight: 90 },
              { name: `svc-${sibling}`, port: 80, weight: 10 },
            ],
            retryPolicy: { count: 2, perTryTimeout: '1s' },
            timeoutPolicy: { response: '10s' },
          },
          { services: [{ name: `svc-${i}`, port: 80 }] },
        ],
      },
    },
  };
}

/** A pool of RSA keys: generating one per secret would dominate the setup. */
function keyPool(count: number): string[] {
  return Array.from({ length: count }, () =>
    generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs1', format: 'pem' })
      .toString(),
  );
}

const forgeKeys = new Map<string, forge.pki.rsa.PrivateKey>();
const nodeKeys = new Map<string, ReturnType<typeof createPrivateKey>>();

/** A self-signed certificate for `host` with `keyPem`; forge builds it, Node signs it (much faster). */
export function certificateFor(host: string, keyPem: string, serial: number): string {
  let forgeKey = forgeKeys.get(keyPem);
  if (forgeKey === undefined) {
    forgeKey = forge.pki.privateKeyFromPem(keyPem);
    forgeKeys.set(keyPem, forgeKey);
  }
  let nodeKey = nodeKeys.get(keyPem);
  if (nodeKey === undefined) {
    nodeKey = createPrivateKey(keyPem);
    nodeKeys.set(keyPem, nodeKey);
  }
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e);
  cert.serialNumber = `01${serial.toString(16).padStart(8, '0')}`;
  cert.validity.notBefore = new Date(Date.UTC(2025, 0, 1));
  cert.validity.notAfter = new Date(Date.UTC(2035, 0, 1));
  const subject = [{ name: 'commonName', value: host }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([{ name: 'subjectAltName', altNames: [{ type: 2, value: host }] }]);
  const oid = forge.pki.oids['sha256WithRSAEncryption'] ?? '1.2.840.113549.1.1.11';
  cert.siginfo.algorithmOid = oid;
  cert.signatureOid = oid;
  // forge's own RSA signing is pure JavaScript and slow; its types omit getTBSCertificate.
  const pki = forge.pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 };
  const tbs = forge.asn1.toDer(pki.getTBSCertificate(cert)).getBytes();
  const signature = sign('sha256', Buffer.from(tbs, 'binary'), nodeKey);
  cert.signature = signature.toString('binary');
  return forge.pki.certificateToPem(cert);
}

/** A `kubernetes.io/tls` Secret. */
export function tlsSecretObject(name: string, namespace: string, cert: string, key: string): KubeObject {
  return {
    manifest: {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: { name, namespace },
      data: {
        'tls.crt': Buffer.from(cert).toString('base64'),
        'tls.key': Buffer.from(key).toString('base64'),
      },
    },
  };
}

/** Every object of a synthetic cluster of `size`. */
export function syntheticCluster(size: ClusterSize = BENCH_SIZE): SyntheticCluster {
  const keys = keyPool(Math.min(16, Math.max(1, size.tlsSecrets)));
  const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
  return {
    services: range(size.services).map((i) => syntheticService(i, size)),
    slices: range(size.services).map((i) => syntheticSlice(i, size)),
    secrets: range(size.tlsSecrets).map((i) => {
      const key = keys[i % keys.length] ?? '';
      return tlsSecretObject(`tls-${i}`, ns(i, size), certificateFor(`app-${i}.example.com`, key, i), key);
    }),
    proxies: range(size.proxies).map((i) => syntheticProxy(i, size)),
  };
}
