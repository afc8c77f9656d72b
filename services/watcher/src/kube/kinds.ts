import type { ObjectRef, SourcePosition } from './object.js';

/** The metadata every decoded object keeps. */
export interface Meta {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly origin?: SourcePosition;
}

/** One port of a `v1` Service. */
export interface ServicePort {
  /** '' for the single unnamed port a Service may have. */
  readonly name: string;
  readonly port: number;
  readonly protocol: string;
}

/** The fields of a `v1` Service that routing uses. */
export interface Service {
  readonly kind: 'Service';
  readonly meta: Meta;
  readonly type: string;
  /** `spec.externalName` of an ExternalName Service; '' otherwise. */
  readonly externalName: string;
  readonly ports: readonly ServicePort[];
}

/** One endpoint of an EndpointSlice. */
export interface SliceEndpoint {
  readonly addresses: readonly string[];
  /** Kubernetes says an unknown readiness means ready. */
  readonly ready: boolean;
}

/** One port of an EndpointSlice: the Service port name it serves and the target port number. */
export interface SlicePort {
  readonly name: string;
  readonly port?: number;
  readonly protocol: string;
}

/** A `discovery.k8s.io/v1` EndpointSlice. */
export interface EndpointSlice {
  readonly kind: 'EndpointSlice';
  readonly meta: Meta;
  /** From the `kubernetes.io/service-name` label. */
  readonly serviceName: string;
  readonly addressType: string;
  readonly endpoints: readonly SliceEndpoint[];
  readonly ports: readonly SlicePort[];
}

/** A `v1` Secret with its data decoded from base64 (and `stringData` merged over it, as the API server does). */
export interface Secret {
  readonly kind: 'Secret';
  readonly meta: Meta;
  readonly type: string;
  readonly data: ReadonlyMap<string, Buffer>;
}

/** A Service port named or numbered by an Ingress backend. */
export interface BackendPort {
  readonly number?: number;
  readonly name?: string;
}

/** An Ingress backend: a Service, or a resource reference that Sesame does not serve. */
export interface IngressBackend {
  readonly service?: { readonly name: string; readonly port: BackendPort };
  readonly resource: boolean;
}

/** One path of an Ingress rule. */
export interface IngressPath {
  readonly path: string;
  readonly pathType: string;
  readonly backend: IngressBackend;
}

/** One rule of an Ingress: a host ('' for any) and its paths. */
export interface IngressRule {
  readonly host: string;
  readonly paths: readonly IngressPath[];
}

/** A `networking.k8s.io/v1` Ingress. */
export interface Ingress {
  readonly kind: 'Ingress';
  readonly meta: Meta;
  readonly className: string;
  readonly defaultBackend?: IngressBackend;
  readonly rules: readonly IngressRule[];
  readonly tls: readonly { readonly hosts: readonly string[]; readonly secretName: string }[];
}

/** A request header condition of an HTTPProxy route or include (exactly one match field is set). */
export interface HeaderCondition {
  readonly name: string;
  readonly present: boolean;
  readonly notpresent: boolean;
  readonly contains: string;
  readonly notcontains: string;
  readonly exact: string;
  readonly notexact: string;
  readonly regex: string;
  readonly ignoreCase: boolean;
  readonly treatMissingAsEmpty: boolean;
}

/** A query parameter condition of an HTTPProxy route or include. */
export interface QueryCondition {
  readonly name: string;
  readonly exact: string;
  readonly prefix: string;
  readonly suffix: string;
  readonly regex: string;
  readonly contains: string;
  readonly present: boolean;
  readonly ignoreCase: boolean;
}

/** One match condition block of an HTTPProxy route or include; '' means unset. */
export interface MatchCondition {
  readonly prefix: string;
  readonly exact: string;
  readonly regex: string;
  readonly header?: HeaderCondition;
  readonly queryParameter?: QueryCondition;
}

/** Headers to set and remove (Contour's HeadersPolicy). */
export interface HeadersPolicy {
  readonly set: readonly { readonly name: string; readonly value: string }[];
  readonly remove: readonly string[];
}

/** A Service an HTTPProxy route forwards to. */
export interface ProxyService {
  readonly name: string;
  readonly port: number;
  readonly weight?: number;
  readonly mirror: boolean;
  /** h2, h2c or tls; '' to take the Service's upstream-protocol annotation. */
  readonly protocol: string;
  readonly requestHeadersPolicy?: HeadersPolicy;
  readonly responseHeadersPolicy?: HeadersPolicy;
}

/** `retryPolicy` of a route. */
export interface RetryPolicy {
  /** Unset means Envoy's default of 1; -1 disables retries. */
  readonly count?: number;
  readonly perTryTimeout: string;
  readonly retryOn: readonly string[];
  readonly retriableStatusCodes: readonly number[];
}

/** `timeoutPolicy` of a route: durations as Contour spells them ("1s", "infinity"), '' for the default. */
export interface TimeoutPolicy {
  readonly response: string;
  readonly idle: string;
  readonly idleConnection: string;
}

/** An HTTP (route) or TCP (tcpproxy) health check policy; undefined numbers take Contour's defaults. */
export interface HealthCheckPolicy {
  readonly path: string;
  readonly host: string;
  readonly intervalSeconds?: number;
  readonly timeoutSeconds?: number;
  readonly unhealthyThresholdCount?: number;
  readonly healthyThresholdCount?: number;
  readonly expectedStatuses: readonly { readonly start: number; readonly end: number }[];
}

/** One request hash policy of the RequestHash load balancing strategy. */
export interface RequestHashPolicy {
  readonly headerName: string;
  readonly queryParameterName: string;
  readonly hashSourceIP: boolean;
  readonly terminal: boolean;
}

/** `loadBalancerPolicy`. */
export interface LoadBalancerPolicy {
  readonly strategy: string;
  readonly requestHashPolicies: readonly RequestHashPolicy[];
}

/** One route of an HTTPProxy. */
export interface ProxyRoute {
  readonly conditions: readonly MatchCondition[];
  readonly services: readonly ProxyService[];
  readonly permitInsecure: boolean;
  readonly enableWebsockets: boolean;
  readonly retryPolicy?: RetryPolicy;
  readonly timeoutPolicy?: TimeoutPolicy;
  readonly healthCheckPolicy?: HealthCheckPolicy;
  readonly loadBalancerPolicy?: LoadBalancerPolicy;
  readonly requestHeadersPolicy?: HeadersPolicy;
  readonly responseHeadersPolicy?: HeadersPolicy;
  readonly pathRewritePolicy?: {
    readonly replacePrefix: readonly { readonly prefix: string; readonly replacement: string }[];
  };
}

/** Client certificate validation of a TLS virtual host. */
export interface ClientValidation {
  readonly caSecret: string;
  readonly skipClientCertValidation: boolean;
  readonly optionalClientCertificate: boolean;
  readonly forwardClientCertificate?: {
    readonly subject: boolean;
    readonly cert: boolean;
    readonly chain: boolean;
    readonly dns: boolean;
    readonly uri: boolean;
  };
}

/** The TLS settings of an HTTPProxy virtual host. */
export interface ProxyTls {
  readonly secretName: string;
  readonly passthrough: boolean;
  readonly minimumProtocolVersion: string;
  readonly maximumProtocolVersion: string;
  readonly clientValidation?: ClientValidation;
}

/** An include of another HTTPProxy, with the conditions its routes inherit. */
export interface ProxyInclude {
  readonly name: string;
  /** '' for the including proxy's namespace. */
  readonly namespace: string;
  readonly conditions: readonly MatchCondition[];
}

/** `spec.tcpproxy`: TCP forwarding for a TLS (terminated or passthrough) virtual host. */
export interface ProxyTcp {
  readonly services: readonly ProxyService[];
  readonly include?: { readonly name: string; readonly namespace: string };
  readonly loadBalancerPolicy?: LoadBalancerPolicy;
  readonly healthCheckPolicy?: HealthCheckPolicy;
}

/** A field Sesame knows from Contour's schema but does not implement, and what happens to it. */
export interface UnsupportedField {
  readonly path: string;
  /** Security- and routing-relevant fields make the proxy invalid (fail closed); others are ignored. */
  readonly fatal: boolean;
}

/** A `projectsesame.io/v1` HTTPProxy (Contour's HTTPProxy with the group renamed). */
export interface HTTPProxy {
  readonly kind: 'HTTPProxy';
  readonly meta: Meta;
  readonly className: string;
  readonly virtualhost?: { readonly fqdn: string; readonly tls?: ProxyTls };
  readonly routes: readonly ProxyRoute[];
  readonly includes: readonly ProxyInclude[];
  readonly tcpproxy?: ProxyTcp;
  readonly unsupported: readonly UnsupportedField[];
}

/** A `projectsesame.io/v1` TLSCertificateDelegation: which namespaces may use which secrets of its own. */
export interface TLSCertificateDelegation {
  readonly kind: 'TLSCertificateDelegation';
  readonly meta: Meta;
  readonly delegations: readonly {
    readonly secretName: string;
    readonly targetNamespaces: readonly string[];
  }[];
}

/** Any object the translation reads. */
export type KnownObject = Service | EndpointSlice | Secret | Ingress | HTTPProxy | TLSCertificateDelegation;

/** The reference diagnostics use for a decoded object. */
export function refOf(object: KnownObject): ObjectRef {
  const { namespace, name, origin } = object.meta;
  return { kind: object.kind, namespace, name, ...(origin === undefined ? {} : { origin }) };
}

/** `namespace/name`, the key objects are looked up by. */
export function nsName(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}
