import type { HTTPProxy, Secret, Service, TLSCertificateDelegation } from '../kube/kinds.js';
import type { CaSecret, Cluster, TlsSecret } from './model.js';

/** The options that change what the model means; defaults are Contour's. */
export interface ModelOptions {
  /** Serve only Ingresses and HTTPProxies of this class; unset means no class or the default class. */
  readonly ingressClass?: string;
  /** Namespaces where root HTTPProxies may live (Contour's --root-namespaces); empty means all. */
  readonly rootNamespaces?: readonly string[];
  /** Route to ExternalName Services (Contour's enableExternalNameService, off by default: GHSA-5ph6-qq5x-7jwc). */
  readonly enableExternalNameService?: boolean;
  /** Ignore `permitInsecure` on routes (Contour's disablePermitInsecure). */
  readonly disablePermitInsecure?: boolean;
}

/**
 * Checks the Envoy output of a model piece before the model uses it, so a route never points at a cluster
 * or a listener at a secret that would not be published. Injected by the translator: the model knows
 * nothing of Envoy.
 */
export interface OutputCheck {
  /** Why Envoy would reject this cluster (or its endpoints resource), or undefined. */
  cluster(cluster: Cluster): string | undefined;
  /** Why Envoy would reject this certificate as an SDS secret, or undefined. */
  tlsSecret(secret: TlsSecret): string | undefined;
  /** Why Envoy would reject this CA as an SDS validation context, or undefined. */
  caSecret(secret: CaSecret): string | undefined;
}

/**
 * What a unit of the model (one Ingress, one root HTTPProxy with everything it includes) may read. Every
 * read is a dependency: the translator records them and rebuilds the unit when one of them changes.
 * Objects of another ingress class are invisible, as in Contour's cache.
 */
export interface World {
  readonly options: ModelOptions;
  readonly check: OutputCheck;
  service(namespace: string, name: string): Service | undefined;
  secret(namespace: string, name: string): Secret | undefined;
  /** A visible HTTPProxy. */
  proxy(namespace: string, name: string): HTTPProxy | undefined;
  /** The TLSCertificateDelegations of a namespace, sorted by name. */
  delegations(namespace: string): readonly TLSCertificateDelegation[];
  /** `namespace/name` of every visible root HTTPProxy whose fqdn is `fqdn` (lower case), sorted. */
  fqdnClaimants(fqdn: string): readonly string[];
}
