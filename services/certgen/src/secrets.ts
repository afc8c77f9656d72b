import { stringify } from 'yaml';
import type { CertificateBundle } from './bundle.js';
import { trustBundle } from './decide.js';
import { DEFAULT_NAMESPACE } from './options.js';
import type { CaState, LeafMaterial } from './store.js';

/** Names of the Secrets `certgen` writes, as INTERFACE.md fixes them. */
export const SECRET_NAMES = {
  ca: 'sesame-ca',
  edge: 'sesame-edge-cert',
  envoy: 'sesame-envoy-cert',
} as const;

/** Keys of `sesame-ca` beyond the TLS ones: the previous CA, present only while a rotation is under way. */
export const PREVIOUS_CA_KEYS = { cert: 'previous.crt', key: 'previous.key' } as const;

/** The label on every Secret certgen writes. */
export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'sesame-certgen' } as const;

/** The Secret type certgen writes; it is immutable, so a Secret of another type cannot be taken over. */
export const TLS_SECRET_TYPE = 'kubernetes.io/tls';

/** A Kubernetes `v1` Secret of type `kubernetes.io/tls`, with `ca.crt` beside the pair (cert-manager style). */
export interface TlsSecret {
  readonly apiVersion: 'v1';
  readonly kind: 'Secret';
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly labels: Readonly<Record<string, string>>;
  };
  readonly type: typeof TLS_SECRET_TYPE;
  /** Base64 values: `ca.crt`, `tls.crt`, `tls.key`, and in `sesame-ca` during a rotation `previous.*`. */
  readonly data: Readonly<Record<string, string>>;
}

/** Options of `certificateSecrets` and `secretsAsYaml`. */
export interface SecretOptions {
  /** Namespace of the Secrets (default `projectsesame`). */
  readonly namespace?: string;
}

const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** The Secret `name` holding `data` (plain text, encoded here). */
export function tlsSecret(
  name: string,
  namespace: string,
  data: Readonly<Record<string, string>>,
): TlsSecret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, labels: { ...MANAGED_BY } },
    type: TLS_SECRET_TYPE,
    data: Object.fromEntries(Object.entries(data).map(([key, value]) => [key, base64(value)])),
  };
}

/** `sesame-ca`'s data: the CA pair as tls.crt/tls.key (so a later run can sign), the trust bundle, the previous CA. */
export function caSecretData(ca: CaState): Record<string, string> {
  const data: Record<string, string> = {
    'ca.crt': trustBundle(ca),
    'tls.crt': ca.current.certPem,
    'tls.key': ca.current.keyPem,
  };
  if (ca.previous !== undefined) {
    data[PREVIOUS_CA_KEYS.cert] = ca.previous.certPem;
    if (ca.previous.keyPem !== undefined) data[PREVIOUS_CA_KEYS.key] = ca.previous.keyPem;
  }
  return data;
}

/** A leaf Secret's data: the trust bundle, the certificate chain and the key. */
export function leafSecretData(leaf: LeafMaterial): Record<string, string> {
  return { 'ca.crt': leaf.caPem, 'tls.crt': leaf.certPem, 'tls.key': leaf.keyPem };
}

/**
 * The Secrets `sesame-ca`, `sesame-edge-cert` and `sesame-envoy-cert`, each with `ca.crt` (the trust bundle:
 * the CA, and the previous CA during a rotation); data is base64 as the API expects.
 */
export function certificateSecrets(bundle: CertificateBundle, options: SecretOptions = {}): TlsSecret[] {
  const namespace = options.namespace ?? DEFAULT_NAMESPACE;
  const ca: CaState =
    bundle.previousCa === undefined
      ? { current: bundle.ca }
      : { current: bundle.ca, previous: bundle.previousCa };
  const caPem = trustBundle(ca);
  return [
    tlsSecret(SECRET_NAMES.ca, namespace, caSecretData(ca)),
    tlsSecret(SECRET_NAMES.edge, namespace, leafSecretData({ caPem, ...bundle.edge })),
    tlsSecret(SECRET_NAMES.envoy, namespace, leafSecretData({ caPem, ...bundle.envoy })),
  ];
}

/** The same Secrets as one multi-document YAML stream, for `certgen --yaml | kubectl apply -f -`. */
export function secretsAsYaml(bundle: CertificateBundle, options: SecretOptions = {}): string {
  return certificateSecrets(bundle, options)
    .map((secret) => `---\n${stringify(secret, { lineWidth: 0 })}`)
    .join('');
}
