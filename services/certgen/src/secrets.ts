import { stringify } from 'yaml';
import type { CertificateBundle } from './bundle.js';
import type { CertificatePair } from './issue.js';
import { DEFAULT_NAMESPACE } from './options.js';

/** Names of the Secrets `certgen` writes, as INTERFACE.md fixes them. */
export const SECRET_NAMES = {
  ca: 'sesame-ca',
  edge: 'sesame-edge-cert',
  envoy: 'sesame-envoy-cert',
} as const;

/** A Kubernetes `v1` Secret of type `kubernetes.io/tls`, with `ca.crt` beside the pair (cert-manager style). */
export interface TlsSecret {
  readonly apiVersion: 'v1';
  readonly kind: 'Secret';
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly labels: Readonly<Record<string, string>>;
  };
  readonly type: 'kubernetes.io/tls';
  readonly data: { readonly 'ca.crt': string; readonly 'tls.crt': string; readonly 'tls.key': string };
}

/** Options of `certificateSecrets` and `secretsAsYaml`. */
export interface SecretOptions {
  /** Namespace of the Secrets (default `projectsesame`). */
  readonly namespace?: string;
}

const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

function tlsSecret(name: string, namespace: string, caCertPem: string, pair: CertificatePair): TlsSecret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, labels: { 'app.kubernetes.io/managed-by': 'sesame-certgen' } },
    type: 'kubernetes.io/tls',
    data: { 'ca.crt': base64(caCertPem), 'tls.crt': base64(pair.certPem), 'tls.key': base64(pair.keyPem) },
  };
}

/**
 * The Secrets `sesame-ca` (the CA pair itself as tls.crt/tls.key, so a later certgen run can sign with it),
 * `sesame-edge-cert` and `sesame-envoy-cert`, each with `ca.crt`; data is base64 as the API expects.
 */
export function certificateSecrets(bundle: CertificateBundle, options: SecretOptions = {}): TlsSecret[] {
  const namespace = options.namespace ?? DEFAULT_NAMESPACE;
  const caPem = bundle.ca.certPem;
  return [
    tlsSecret(SECRET_NAMES.ca, namespace, caPem, bundle.ca),
    tlsSecret(SECRET_NAMES.edge, namespace, caPem, bundle.edge),
    tlsSecret(SECRET_NAMES.envoy, namespace, caPem, bundle.envoy),
  ];
}

/** The same Secrets as one multi-document YAML stream, for `certgen --yaml | kubectl apply -f -`. */
export function secretsAsYaml(bundle: CertificateBundle, options: SecretOptions = {}): string {
  return certificateSecrets(bundle, options)
    .map((secret) => `---\n${stringify(secret, { lineWidth: 0 })}`)
    .join('');
}
