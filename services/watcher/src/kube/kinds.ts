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

/** One match condition of an HTTPProxy route; only one of its fields is set. */
export interface MatchCondition {
  readonly prefix?: string;
  readonly exact?: string;
  readonly regex?: string;
  /** Names of condition fields this version does not implement yet (header, queryParameter…). */
  readonly unsupported: readonly string[];
}

/** A Service an HTTPProxy route forwards to. */
export interface ProxyService {
  readonly name: string;
  readonly port: number;
  readonly weight?: number;
}

/** One route of an HTTPProxy. */
export interface ProxyRoute {
  readonly conditions: readonly MatchCondition[];
  readonly services: readonly ProxyService[];
  readonly permitInsecure: boolean;
}

/** The TLS settings of an HTTPProxy virtual host. */
export interface ProxyTls {
  readonly secretName: string;
  readonly passthrough: boolean;
  readonly minimumProtocolVersion: string;
  readonly maximumProtocolVersion: string;
}

/** A `projectsesame.io/v1` HTTPProxy (Contour's HTTPProxy with the group renamed). */
export interface HTTPProxy {
  readonly kind: 'HTTPProxy';
  readonly meta: Meta;
  readonly className: string;
  readonly virtualhost?: { readonly fqdn: string; readonly tls?: ProxyTls };
  readonly routes: readonly ProxyRoute[];
  /** Top-level spec fields present that this version does not implement yet. */
  readonly unsupported: readonly string[];
}

/** Any object the translation reads. */
export type KnownObject = Service | EndpointSlice | Secret | Ingress | HTTPProxy;

/** The reference diagnostics use for a decoded object. */
export function refOf(object: KnownObject): ObjectRef {
  const { namespace, name, origin } = object.meta;
  return { kind: object.kind, namespace, name, ...(origin === undefined ? {} : { origin }) };
}

/** `namespace/name`, the key objects are looked up by. */
export function nsName(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}
