/**
 * The routing model (Contour's DAG): virtual hosts, routes and upstreams, with every reference resolved.
 * It knows nothing of Envoy; the envoy/ stage turns it into resources. Endpoints are not part of it: like
 * Contour's EndpointSliceTranslator, they go straight from EndpointSlices to ClusterLoadAssignments.
 */

/** Identifies the Kubernetes object a piece of the model came from. */
export interface Origin {
  readonly kind: 'Ingress' | 'HTTPProxy';
  readonly namespace: string;
  readonly name: string;
}

/** How the watcher speaks to an upstream: HTTP/1.1 ('') or HTTP/2 over TLS, cleartext HTTP/2, or TLS. */
export type UpstreamProtocol = '' | 'h2' | 'h2c' | 'tls';

/** Contour's circuit breaker annotations on a Service; absent means Envoy's default. */
export interface CircuitBreakers {
  readonly maxConnections?: number;
  readonly maxPendingRequests?: number;
  readonly maxRequests?: number;
  readonly maxRetries?: number;
  readonly perHostMaxConnections?: number;
}

/** A Service port routes send traffic to (Contour's dag.Service). */
export interface Upstream {
  readonly namespace: string;
  readonly name: string;
  /** The Service port number. */
  readonly port: number;
  /** The Service port name; '' for an unnamed port. */
  readonly portName: string;
  /** The DNS name of an ExternalName Service; '' for a Service whose endpoints come from EndpointSlices. */
  readonly externalName: string;
  /** From the Service's upstream-protocol annotations. */
  readonly protocol: UpstreamProtocol;
  readonly circuitBreakers: CircuitBreakers;
}

/** A protobuf Duration. */
export interface Duration {
  readonly seconds: number;
  readonly nanos: number;
}

/** Load balancing strategies, as HTTPProxy names them. */
export type LbStrategy = 'RoundRobin' | 'WeightedLeastRequest' | 'Random' | 'Cookie' | 'RequestHash';

/** An active health check of a cluster's endpoints. */
export interface HealthCheck {
  readonly kind: 'http' | 'tcp';
  /** HTTP only. */
  readonly path: string;
  readonly host: string;
  readonly expectedStatuses: readonly { readonly start: number; readonly end: number }[];
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly unhealthyThreshold: number;
  readonly healthyThreshold: number;
}

/**
 * An Envoy cluster: an upstream and the settings that shape it. Every setting here is part of the
 * cluster name's hash, so two routes that need different settings get different clusters.
 */
export interface Cluster {
  readonly upstream: Upstream;
  readonly protocol: UpstreamProtocol;
  readonly lbStrategy: LbStrategy;
  readonly healthCheck?: HealthCheck;
  /** `timeoutPolicy.idleConnection`: how long an idle upstream connection stays open. */
  readonly idleConnectionTimeout?: Duration;
  /** SNI for TLS upstreams ('' for none). */
  readonly sni: string;
}

/** Headers to set and remove. `hostRewrite` is a `Host` set, which Envoy applies as a host rewrite. */
export interface HeaderOps {
  readonly set: readonly { readonly name: string; readonly value: string }[];
  readonly remove: readonly string[];
  readonly hostRewrite: string;
}

/** One destination of a route: a cluster, its weight and its own header policies. */
export interface WeightedCluster {
  readonly cluster: Cluster;
  readonly weight: number;
  readonly requestHeaders: HeaderOps;
  readonly responseHeaders: HeaderOps;
}

/** How a route matches the request path. `segment` prefixes match whole path segments only (Ingress Prefix). */
export type PathMatch =
  | { readonly kind: 'prefix'; readonly prefix: string; readonly segment: boolean }
  | { readonly kind: 'exact'; readonly path: string }
  | { readonly kind: 'regex'; readonly regex: string };

/** A request header condition. */
export interface HeaderMatch {
  readonly name: string;
  readonly kind: 'exact' | 'contains' | 'regex' | 'present';
  readonly value: string;
  readonly invert: boolean;
  readonly ignoreCase: boolean;
  readonly treatMissingAsEmpty: boolean;
}

/** A query parameter condition. */
export interface QueryMatch {
  readonly name: string;
  readonly kind: 'exact' | 'prefix' | 'suffix' | 'regex' | 'contains' | 'present';
  readonly value: string;
  readonly ignoreCase: boolean;
}

/** Retries of a route (Envoy's RetryPolicy). */
export interface Retry {
  readonly retryOn: string;
  readonly count: number;
  readonly perTryTimeout?: Duration;
  readonly retriableStatusCodes: readonly number[];
}

/** How a request is hashed onto an endpoint (Cookie and RequestHash strategies). */
export type HashPolicy =
  | { readonly kind: 'cookie'; readonly name: string; readonly terminal: boolean }
  | { readonly kind: 'header'; readonly name: string; readonly terminal: boolean }
  | { readonly kind: 'query'; readonly name: string; readonly terminal: boolean }
  | { readonly kind: 'sourceIp'; readonly terminal: boolean };

/** What a forwarding route does besides choosing clusters. */
export interface RoutePolicy {
  /** Response timeout; `{0, 0}` disables it; absent keeps Envoy's default. */
  readonly timeout?: Duration;
  readonly idleTimeout?: Duration;
  readonly retry?: Retry;
  readonly websocket: boolean;
  readonly prefixRewrite?: string;
  readonly hashPolicies: readonly HashPolicy[];
  readonly requestHeaders: HeaderOps;
  readonly responseHeaders: HeaderOps;
}

/** What a route does with a matched request. */
export type RouteAction =
  | {
      readonly kind: 'forward';
      readonly clusters: readonly WeightedCluster[];
      readonly mirror?: { readonly cluster: Cluster; readonly percent: number };
      readonly policy: RoutePolicy;
    }
  | { readonly kind: 'direct'; readonly status: number };

/** One route of a virtual host. */
export interface Route {
  readonly match: PathMatch;
  readonly headers: readonly HeaderMatch[];
  readonly queryParams: readonly QueryMatch[];
  readonly action: RouteAction;
  /** On the plaintext listener, answer with a redirect to https instead of `action`. */
  readonly httpsRedirect: boolean;
  readonly origin: Origin;
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

/** A CA bundle (`ca.crt`) checked to parse. */
export interface CaSecret {
  readonly namespace: string;
  readonly name: string;
  readonly ca: Buffer;
}

/** Client certificate handling of a TLS virtual host. */
export interface DownstreamValidation {
  readonly ca?: CaSecret;
  readonly skipVerification: boolean;
  readonly optional: boolean;
  readonly forward?: {
    readonly subject: boolean;
    readonly cert: boolean;
    readonly chain: boolean;
    readonly dns: boolean;
    readonly uri: boolean;
  };
}

/** How a virtual host terminates TLS. */
export interface TlsSettings {
  readonly secret: TlsSecret;
  readonly minTlsVersion: TlsVersion;
  readonly maxTlsVersion: TlsVersion;
  readonly clientValidation?: DownstreamValidation;
}

/** TCP forwarding for a TLS virtual host (HTTPProxy `tcpproxy`). */
export interface TcpProxy {
  readonly clusters: readonly WeightedCluster[];
}

/** A virtual host on the plaintext listener. `fqdn` is lower case, `*` for any host, or `*.domain`. */
export interface VirtualHost {
  readonly fqdn: string;
  /** In Envoy's first-match order (see route-order.ts). */
  readonly routes: readonly Route[];
}

/**
 * What one Ingress or root HTTPProxy contributes to one host. Hosts are assembled from the contributions
 * of every object naming them (vhost-assembly.ts), so an object's change only rebuilds its own hosts.
 */
export interface Contribution {
  readonly origin: Origin;
  readonly fqdn: string;
  /** Routes for the plaintext listener. */
  readonly routes: readonly Route[];
  /** Routes for the TLS listener: an Ingress's apply only when an Ingress makes the host secure. */
  readonly secureRoutes: readonly Route[];
  /** Terminates TLS for the host. */
  readonly tls?: TlsSettings;
  /** HTTPProxy TLS passthrough: forward the TLS stream by SNI without terminating it. */
  readonly passthrough: boolean;
  readonly tcpProxy?: TcpProxy;
  /** Also publish the host to proxyless gRPC clients (HTTPProxy virtual hosts). */
  readonly grpc: boolean;
}

/** A host as served: its plaintext routes and, when secure, its TLS side. */
export interface AssembledHost {
  readonly fqdn: string;
  readonly routes: readonly Route[];
  readonly secure?: {
    /** Absent for TLS passthrough. */
    readonly tls?: TlsSettings;
    readonly routes: readonly Route[];
    readonly tcpProxy?: TcpProxy;
  };
  readonly grpc: boolean;
  /** Every object that contributed, in contribution order. */
  readonly origins: readonly Origin[];
}
