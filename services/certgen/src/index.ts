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
export {
  ensureCertificates,
  readCertificateBundle,
  type CertificateAction,
  type CertificateObject,
  type CertificateOutcome,
  type EnsureCertificatesOptions,
} from './ensure.js';
export { caProblem, leafProblem, type FoundPair, type FreshnessPolicy } from './inspect.js';
export {
  CA_NAME,
  createCa,
  EDGE_NAME,
  edgeDnsNames,
  edgeProfile,
  ENVOY_NAME,
  envoyProfile,
  issueLeaf,
  type CertificatePair,
  type IssuedCertificate,
  type LeafProfile,
} from './issue.js';
export {
  DEFAULT_NAMESPACE,
  resolveCertificateOptions,
  type CertificateOptions,
  type ResolvedCertificateOptions,
} from './options.js';
export {
  certificateSecrets,
  SECRET_NAMES,
  secretsAsYaml,
  type SecretOptions,
  type TlsSecret,
} from './secrets.js';
export { certificateLayout, type CertificateLayout, type TlsDirLayout } from './storage.js';
