/**
 * The routing model (Contour's DAG): virtual hosts, routes and upstreams, with every reference resolved.
 * It knows nothing of Envoy; the envoy/ stage turns it into resources.
 */

/** A ready endpoint: an address and the target port traffic goes to. */
export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

/** A Service port routes send traffic to (Contour's dag.Service). */
export interface Upstream {
  readonly namespace: string;
  readonly name: string;
  /** The Service port number. */
  readonly port: number;
  /** The Service port name; '' for an unnamed port. */
  readonly portName: string;
  /** Ready endpoints, sorted by address then port, without duplicates. */
  readonly endpoints: readonly Endpoint[];
}

/**
 * One weighted destination of a route: an upstream and the settings that shape its Envoy cluster. Settings
 * a later version adds (load balancing, protocol, health checks) belong here and into the cluster name hash.
 */
export interface Cluster {
  readonly upstream: Upstream;
  readonly weight: number;
}

/** How a route matches the request path. `segment` prefixes match whole path segments only (Ingress Prefix). */
export type PathMatch =
  | { readonly kind: 'prefix'; readonly prefix: string; readonly segment: boolean }
  | { readonly kind: 'exact'; readonly path: string }
  | { readonly kind: 'regex'; readonly regex: string };

/** A request header condition. */
export interface HeaderMatch {
  readonly name: string;
  readonly kind: 'regex';
  readonly value: string;
}

/** What a route does with a matched request. */
export type RouteAction =
  | { readonly kind: 'forward'; readonly clusters: readonly Cluster[] }
  | { readonly kind: 'direct'; readonly status: number };

/** One route of a virtual host. */
export interface Route {
  readonly match: PathMatch;
  readonly headers: readonly HeaderMatch[];
  readonly action: RouteAction;
  /** On the plaintext listener, answer with a redirect to https instead of `action`. */
  readonly httpsRedirect: boolean;
}

/** A virtual host on the plaintext listener. `fqdn` is lower case, `*` for any host, or `*.domain`. */
export interface VirtualHost {
  readonly fqdn: string;
  /** In Envoy's first-match order (see route-order.ts). */
  readonly routes: readonly Route[];
}

/** A TLS protocol version bound. */
export type TlsVersion = '1.2' | '1.3';

/** A certificate and key checked to parse and to belong together. */
export interface TlsSecret {
  readonly namespace: string;
  readonly name: string;
  /** PEM, as found in `tls.crt`. */
  readonly certificate: Buffer;
  /** PEM, as found in `tls.key`. */
  readonly privateKey: Buffer;
}

/** A virtual host on the TLS listener, selected by SNI. */
export interface SecureVirtualHost extends VirtualHost {
  readonly secret: TlsSecret;
  readonly minTlsVersion: TlsVersion;
  readonly maxTlsVersion: TlsVersion;
}

/** Everything the Envoy translation needs; both lists are sorted by fqdn and hold only hosts with routes. */
export interface Model {
  readonly virtualHosts: readonly VirtualHost[];
  readonly secureVirtualHosts: readonly SecureVirtualHost[];
}
