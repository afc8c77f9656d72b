export {
  buildBootstrap,
  XDS_CLUSTER,
  type BootstrapOptions,
  type BuiltBootstrap,
  type DnsLookupFamily,
} from './bootstrap.js';
export { writeBootstrap } from './bootstrap-file.js';
export { SDS_FILES, XDS_SECRET_NAMES, type BootstrapFile } from './bootstrap-tls.js';
export { issueCertificateBundle, type CertificateBundle } from './bundle.js';
export { trustBundle, type CertificateAction } from './decide.js';
export {
  ensureCertificates,
  ensureCertificateSecrets,
  readCertificateBundle,
  type CertificateOutcome,
  type EnsureCertificatesOptions,
  type EnsureSecretsOptions,
  type ReconcileOptions,
} from './ensure.js';
export {
  caExpiresSoon,
  caProblem,
  leafProblem,
  signedBy,
  type FoundPair,
  type FreshnessPolicy,
} from './inspect.js';
export {
  CA_NAME,
  createCa,
  crossSignCa,
  EDGE_NAME,
  edgeDnsNames,
  edgeProfile,
  ENVOY_NAME,
  envoyProfile,
  generateRsaKey,
  issueLeaf,
  type CertificatePair,
  type IssuedCertificate,
  type KeySource,
  type LeafProfile,
} from './issue.js';
export { createSecretClient, type SecretClientOptions } from './kube-client.js';
export {
  DEFAULT_NAMESPACE,
  resolveCertificateOptions,
  type CertificateOptions,
  type ResolvedCertificateOptions,
} from './options.js';
export { joinPem, pemCertificates } from './pem.js';
export { SecretConflictError, type SecretClient, type StoredSecret } from './secret-store.js';
export {
  certificateSecrets,
  MANAGED_BY,
  PREVIOUS_CA_KEYS,
  SECRET_NAMES,
  secretsAsYaml,
  type SecretOptions,
  type TlsSecret,
} from './secrets.js';
export { certificateLayout, type CertificateLayout, type TlsDirLayout } from './storage.js';
export type { CaState, CertificateObject, PreviousCa } from './store.js';
