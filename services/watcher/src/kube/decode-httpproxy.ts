import type {
  ClientValidation,
  HTTPProxy,
  Meta,
  ProxyRoute,
  ProxyTcp,
  ProxyTls,
  UnsupportedField,
} from './kinds.js';
import {
  decodeConditions,
  decodeHeadersPolicy,
  decodeHealthCheck,
  decodeLoadBalancer,
  decodeServices,
  reportExtra,
  type UnsupportedSink,
} from './decode-proxy-parts.js';
import type { FieldReader, Fields } from './read.js';

const SPEC_KEYS = new Set(['virtualhost', 'routes', 'includes', 'tcpproxy', 'ingressClassName']);
const VHOST_KEYS = new Set(['fqdn', 'tls']);
const VHOST_FATAL = new Set([
  'authorization',
  'jwtProviders',
  'ipAllowPolicy',
  'ipDenyPolicy',
  'rateLimitPolicy',
]);
const TLS_KEYS = new Set([
  'secretName',
  'passthrough',
  'minimumProtocolVersion',
  'maximumProtocolVersion',
  'clientValidation',
]);
const TLS_FATAL = new Set(['enableFallbackCertificate']);
const CLIENT_KEYS = new Set([
  'caSecret',
  'skipClientCertValidation',
  'optionalClientCertificate',
  'forwardClientCertificate',
]);
const CLIENT_FATAL = new Set(['crlSecret', 'onlyVerifyLeafCertCrl']);
const ROUTE_KEYS = new Set([
  ...['conditions', 'services', 'permitInsecure', 'enableWebsockets', 'retryPolicy', 'timeoutPolicy'],
  ...[
    'healthCheckPolicy',
    'loadBalancerPolicy',
    'requestHeadersPolicy',
    'responseHeadersPolicy',
    'pathRewritePolicy',
  ],
]);
const ROUTE_FATAL = new Set([
  ...['authPolicy', 'jwtVerificationPolicy', 'ipAllowPolicy', 'ipDenyPolicy', 'rateLimitPolicy'],
  ...['requestRedirectPolicy', 'directResponsePolicy'],
]);
const INCLUDE_KEYS = new Set(['name', 'namespace', 'conditions']);
const TCP_KEYS = new Set(['services', 'include', 'includes', 'loadBalancerPolicy', 'healthCheckPolicy']);
const NONE: ReadonlySet<string> = new Set();

/** Reads a `projectsesame.io/v1` HTTPProxy, noting every Contour field this version does not implement. */
export function decodeHTTPProxy(r: FieldReader, manifest: Fields, meta: Meta): HTTPProxy {
  const unsupported: UnsupportedField[] = [];
  const sink: UnsupportedSink = (field) => unsupported.push(field);
  const spec = r.fields(manifest, 'spec', '', true) ?? {};
  reportExtra(r, spec, 'spec', SPEC_KEYS, NONE, sink);
  const vhostFields = r.fields(spec, 'virtualhost', 'spec');
  let virtualhost: HTTPProxy['virtualhost'];
  if (vhostFields !== undefined) {
    reportExtra(r, vhostFields, 'spec.virtualhost', VHOST_KEYS, VHOST_FATAL, sink);
    const tlsFields = r.fields(vhostFields, 'tls', 'spec.virtualhost');
    const tls = tlsFields === undefined ? undefined : decodeTls(r, tlsFields, 'spec.virtualhost.tls', sink);
    virtualhost = {
      fqdn: r.string(vhostFields, 'fqdn', 'spec.virtualhost', true) ?? '',
      ...(tls === undefined ? {} : { tls }),
    };
  }
  const routes = r.list(spec, 'routes', 'spec', (value, path) => decodeRoute(r, value, path, sink));
  const includes = r.list(spec, 'includes', 'spec', (value, path) => {
    const item = r.item(value, path);
    if (item === undefined) return undefined;
    reportExtra(r, item, path, INCLUDE_KEYS, NONE, sink);
    const name = r.string(item, 'name', path, true);
    const conditions = decodeConditions(r, item, path, sink);
    return name === undefined
      ? undefined
      : { name, namespace: r.string(item, 'namespace', path) ?? '', conditions };
  });
  const tcpFields = r.fields(spec, 'tcpproxy', 'spec');
  const tcpproxy = tcpFields === undefined ? undefined : decodeTcp(r, tcpFields, 'spec.tcpproxy', sink);
  return {
    kind: 'HTTPProxy',
    meta,
    className: r.string(spec, 'ingressClassName', 'spec') ?? '',
    ...(virtualhost === undefined ? {} : { virtualhost }),
    routes,
    includes,
    ...(tcpproxy === undefined ? {} : { tcpproxy }),
    unsupported,
  };
}

function decodeTls(r: FieldReader, tls: Fields, path: string, sink: UnsupportedSink): ProxyTls {
  // enableFallbackCertificate: false asks for nothing; only true is a feature Sesame lacks.
  const known =
    tls['enableFallbackCertificate'] === false
      ? new Set([...TLS_KEYS, 'enableFallbackCertificate'])
      : TLS_KEYS;
  reportExtra(r, tls, path, known, TLS_FATAL, sink);
  const clientFields = r.fields(tls, 'clientValidation', path);
  const clientValidation =
    clientFields === undefined
      ? undefined
      : decodeClientValidation(r, clientFields, `${path}.clientValidation`, sink);
  return {
    secretName: r.string(tls, 'secretName', path) ?? '',
    passthrough: r.bool(tls, 'passthrough', path) ?? false,
    minimumProtocolVersion: r.string(tls, 'minimumProtocolVersion', path) ?? '',
    maximumProtocolVersion: r.string(tls, 'maximumProtocolVersion', path) ?? '',
    ...(clientValidation === undefined ? {} : { clientValidation }),
  };
}

function decodeClientValidation(
  r: FieldReader,
  cv: Fields,
  path: string,
  sink: UnsupportedSink,
): ClientValidation {
  reportExtra(r, cv, path, CLIENT_KEYS, CLIENT_FATAL, sink);
  const forward = r.fields(cv, 'forwardClientCertificate', path);
  const flag = (key: string): boolean =>
    forward === undefined ? false : (r.bool(forward, key, `${path}.forwardClientCertificate`) ?? false);
  return {
    caSecret: r.string(cv, 'caSecret', path) ?? '',
    skipClientCertValidation: r.bool(cv, 'skipClientCertValidation', path) ?? false,
    optionalClientCertificate: r.bool(cv, 'optionalClientCertificate', path) ?? false,
    ...(forward === undefined
      ? {}
      : {
          forwardClientCertificate: {
            subject: flag('subject'),
            cert: flag('cert'),
            chain: flag('chain'),
            dns: flag('dns'),
            uri: flag('uri'),
          },
        }),
  };
}

const DURATION_KEYS = new Set(['response', 'idle', 'idleConnection']);
const RETRY_KEYS = new Set(['count', 'perTryTimeout', 'retryOn', 'retriableStatusCodes']);

function decodeRoute(
  r: FieldReader,
  value: unknown,
  path: string,
  sink: UnsupportedSink,
): ProxyRoute | undefined {
  const route = r.item(value, path);
  if (route === undefined) return undefined;
  reportExtra(r, route, path, ROUTE_KEYS, ROUTE_FATAL, sink);
  const retry = r.fields(route, 'retryPolicy', path);
  const timeout = r.fields(route, 'timeoutPolicy', path);
  const rewrite = r.fields(route, 'pathRewritePolicy', path);
  const healthCheckPolicy = decodeHealthCheck(r, route, path, sink);
  const loadBalancerPolicy = decodeLoadBalancer(r, route, path, sink);
  const requestHeadersPolicy = decodeHeadersPolicy(r, route, 'requestHeadersPolicy', path, sink);
  const responseHeadersPolicy = decodeHeadersPolicy(r, route, 'responseHeadersPolicy', path, sink);
  let retryPolicy: ProxyRoute['retryPolicy'];
  if (retry !== undefined) {
    const p = `${path}.retryPolicy`;
    reportExtra(r, retry, p, RETRY_KEYS, NONE, sink);
    const count = r.int(retry, 'count', p, { min: -1, max: 2 ** 31 - 1 });
    retryPolicy = {
      ...(count === undefined ? {} : { count }),
      perTryTimeout: r.string(retry, 'perTryTimeout', p) ?? '',
      retryOn: r.strings(retry, 'retryOn', p),
      retriableStatusCodes: r.list(retry, 'retriableStatusCodes', p, (v, at) =>
        r.intValue(v, at, { min: 100, max: 599, required: true }),
      ),
    };
  }
  let timeoutPolicy: ProxyRoute['timeoutPolicy'];
  if (timeout !== undefined) {
    const p = `${path}.timeoutPolicy`;
    reportExtra(r, timeout, p, DURATION_KEYS, NONE, sink);
    timeoutPolicy = {
      response: r.string(timeout, 'response', p) ?? '',
      idle: r.string(timeout, 'idle', p) ?? '',
      idleConnection: r.string(timeout, 'idleConnection', p) ?? '',
    };
  }
  let pathRewritePolicy: ProxyRoute['pathRewritePolicy'];
  if (rewrite !== undefined) {
    const p = `${path}.pathRewritePolicy`;
    const replacePrefix = r.list(rewrite, 'replacePrefix', p, (v, at) => {
      const item = r.item(v, at);
      if (item === undefined) return undefined;
      const replacement = r.string(item, 'replacement', at, true);
      return replacement === undefined
        ? undefined
        : { prefix: r.string(item, 'prefix', at) ?? '', replacement };
    });
    pathRewritePolicy = { replacePrefix };
  }
  return {
    conditions: decodeConditions(r, route, path, sink),
    services: decodeServices(r, route, path, sink),
    permitInsecure: r.bool(route, 'permitInsecure', path) ?? false,
    enableWebsockets: r.bool(route, 'enableWebsockets', path) ?? false,
    ...(retryPolicy === undefined ? {} : { retryPolicy }),
    ...(timeoutPolicy === undefined ? {} : { timeoutPolicy }),
    ...(healthCheckPolicy === undefined ? {} : { healthCheckPolicy }),
    ...(loadBalancerPolicy === undefined ? {} : { loadBalancerPolicy }),
    ...(requestHeadersPolicy === undefined ? {} : { requestHeadersPolicy }),
    ...(responseHeadersPolicy === undefined ? {} : { responseHeadersPolicy }),
    ...(pathRewritePolicy === undefined ? {} : { pathRewritePolicy }),
  };
}

function decodeTcp(r: FieldReader, tcp: Fields, path: string, sink: UnsupportedSink): ProxyTcp {
  reportExtra(r, tcp, path, TCP_KEYS, NONE, sink);
  // Contour reads the deprecated plural `includes` when the singular is absent (#2218).
  const includeKey = tcp['include'] !== undefined && tcp['include'] !== null ? 'include' : 'includes';
  const includeFields = r.fields(tcp, includeKey, path);
  const include =
    includeFields === undefined
      ? undefined
      : {
          name: r.string(includeFields, 'name', `${path}.${includeKey}`, true) ?? '',
          namespace: r.string(includeFields, 'namespace', `${path}.${includeKey}`) ?? '',
        };
  const loadBalancerPolicy = decodeLoadBalancer(r, tcp, path, sink);
  const healthCheckPolicy = decodeHealthCheck(r, tcp, path, sink);
  return {
    services: decodeServices(r, tcp, path, sink),
    ...(include === undefined ? {} : { include }),
    ...(loadBalancerPolicy === undefined ? {} : { loadBalancerPolicy }),
    ...(healthCheckPolicy === undefined ? {} : { healthCheckPolicy }),
  };
}
