import { contourAnnotation } from '../kube/annotations.js';
import type { Ingress, IngressBackend } from '../kube/kinds.js';
import { internCluster, plainCluster } from './clusters.js';
import { createConditionSink, type ConditionRecorder } from './conditions.js';
import { parseTimeout, timeoutDuration } from './durations.js';
import type { UnitResult } from './httpproxy.js';
import { tlsVersion } from './httpproxy.js';
import { resolveTlsSecret, resolveUpstream, secretRef } from './lookups.js';
import { ingressPathMatch, normalizeHost, wildcardHostMatch } from './match.js';
import type { Contribution, Origin, Retry, Route, RoutePolicy, TlsSettings } from './model.js';
import { NO_HEADERS } from './route-policy.js';
import type { World } from './world.js';

/** `"true"` makes an Ingress redirect plaintext requests to https (Contour honours it). */
const FORCE_SSL_REDIRECT = 'ingress.kubernetes.io/force-ssl-redirect';
/** `"false"` keeps an Ingress off the plaintext listener. */
const ALLOW_HTTP = 'kubernetes.io/ingress.allow-http';

/** The origin of an Ingress. */
export function ingressOrigin(ingress: Ingress): Origin {
  return { kind: 'Ingress', namespace: ingress.meta.namespace, name: ingress.meta.name };
}

interface HostParts {
  routes: Route[];
  tls?: TlsSettings;
}

/**
 * Contour's IngressProcessor for one Ingress of the served class: TLS hosts from `spec.tls`, routes from the
 * rules and the default backend, with the annotations Contour honours (force-ssl-redirect, allow-http,
 * retries, response timeout, websocket routes, TLS versions, tls-cert-namespace). What cannot be served is
 * left out with an error on the Ingress; the rest is served.
 */
export function processIngress(world: World, ingress: Ingress): UnitResult {
  const sink = createConditionSink();
  const origin = ingressOrigin(ingress);
  const cond = sink.for(origin);
  const hosts = new Map<string, HostParts>();
  const host = (fqdn: string): HostParts => {
    let parts = hosts.get(fqdn);
    if (parts === undefined) {
      parts = { routes: [] };
      hosts.set(fqdn, parts);
    }
    return parts;
  };
  addTls(world, ingress, cond, host);
  const policy = routePolicy(ingress, cond);
  const websocketPaths = new Set(
    (contourAnnotation(ingress.meta, 'websocket-routes') ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p !== ''),
  );
  const rules = ingress.rules.map((rule, i) => ({ rule, where: `spec.rules[${i}]` }));
  // The default backend goes first so that an explicit rule for `/` on any host replaces it, as in Contour.
  if (ingress.defaultBackend !== undefined) {
    const rule = {
      host: '',
      paths: [{ path: '/', pathType: 'ImplementationSpecific', backend: ingress.defaultBackend }],
    };
    rules.unshift({ rule, where: 'spec.defaultBackend' });
  }
  const httpsRedirect = ingress.meta.annotations[FORCE_SSL_REDIRECT] === 'true';
  for (const { rule, where } of rules) {
    const fqdn = rule.host === '' ? '*' : normalizeHost(rule.host);
    if (fqdn === undefined) {
      cond.error(
        'VirtualHostError',
        'HostInvalid',
        `${where}: host "${rule.host}" is not a valid host name; rule left out`,
      );
      continue;
    }
    rule.paths.forEach((path, j) => {
      const at = where === 'spec.defaultBackend' ? where : `${where}.http.paths[${j}]`;
      const pathText = path.path === '' ? '/' : path.path;
      const route = buildRoute(world, ingress, cond, {
        fqdn,
        path: pathText,
        pathType: path.pathType,
        backend: path.backend,
        at,
        policy: { ...policy, websocket: websocketPaths.has(pathText) },
        httpsRedirect,
      });
      if (route !== undefined) host(fqdn).routes.push(route);
    });
  }
  const onPlaintext = httpsRedirect || ingress.meta.annotations[ALLOW_HTTP] !== 'false';
  const contributions: Contribution[] = [...hosts].map(([fqdn, parts]) => ({
    origin,
    fqdn,
    routes: onPlaintext ? parts.routes : [],
    secureRoutes: fqdn === '*' ? [] : parts.routes,
    ...(parts.tls === undefined ? {} : { tls: parts.tls }),
    passthrough: false,
    grpc: false,
  }));
  return { contributions, conditions: sink.touched };
}

function addTls(
  world: World,
  ingress: Ingress,
  cond: ConditionRecorder,
  host: (fqdn: string) => HostParts,
): void {
  const certNamespace = contourAnnotation(ingress.meta, 'tls-cert-namespace');
  const minTlsVersion = tlsVersion(
    contourAnnotation(ingress.meta, 'tls-minimum-protocol-version') ?? '',
    '1.2',
    'tls-minimum-protocol-version',
    cond,
  );
  const maxTlsVersion = tlsVersion(
    contourAnnotation(ingress.meta, 'tls-maximum-protocol-version') ?? '',
    '1.3',
    'tls-maximum-protocol-version',
    cond,
  );
  if (maxTlsVersion < minTlsVersion) {
    cond.error(
      'TLSError',
      'TLSConfigNotValid',
      'the minimum TLS protocol version is greater than the maximum; TLS is not served',
    );
    return;
  }
  ingress.tls.forEach((tls, i) => {
    const where = `spec.tls[${i}]`;
    if (tls.secretName === '') {
      cond.error(
        'TLSError',
        'SecretNotValid',
        `${where} has no secretName; its hosts are served over plain HTTP only`,
      );
      return;
    }
    const ref =
      certNamespace !== undefined && certNamespace !== '' && !tls.secretName.includes('/')
        ? { namespace: certNamespace, name: tls.secretName }
        : secretRef(tls.secretName, ingress.meta.namespace);
    const secret = resolveTlsSecret(world, ref, ingress.meta.namespace);
    if (!secret.ok) {
      const reason = secret.errors.delegation ? 'DelegationNotPermitted' : 'SecretNotValid';
      cond.error(
        'TLSError',
        reason,
        `${where}: ${secret.errors.delegation ? `secret "${ref.namespace}/${ref.name}": certificate delegation not permitted` : secret.errors.message}; its hosts are served over plain HTTP only`,
      );
      return;
    }
    for (const name of tls.hosts) {
      const fqdn = normalizeHost(name);
      if (fqdn === undefined)
        cond.error('TLSError', 'HostInvalid', `${where}: host "${name}" is not a valid host name`);
      else host(fqdn).tls = { secret: secret.value, minTlsVersion, maxTlsVersion };
    }
  });
}

/** Contour's ingressRetryPolicy and ingressTimeoutPolicy, from annotations. */
function routePolicy(ingress: Ingress, cond: ConditionRecorder): RoutePolicy {
  let retry: Retry | undefined;
  const retryOn = contourAnnotation(ingress.meta, 'retry-on') ?? '';
  if (retryOn !== '') {
    const n = Number.parseInt(contourAnnotation(ingress.meta, 'num-retries') ?? '', 10);
    const count = n === -1 ? 0 : Number.isInteger(n) && n > 1 ? n : 1;
    const perTry = parseTimeout(contourAnnotation(ingress.meta, 'per-try-timeout') ?? '');
    if (!perTry.ok)
      cond.warning('RouteError', 'AnnotationIgnored', `per-try-timeout: ${perTry.errors}; ignored`);
    const perTryTimeout = perTry.ok ? timeoutDuration(perTry.value) : undefined;
    retry = {
      retryOn,
      count,
      ...(perTryTimeout === undefined ? {} : { perTryTimeout }),
      retriableStatusCodes: [],
    };
  }
  const responseTimeout = parseTimeout(contourAnnotation(ingress.meta, 'response-timeout') ?? '');
  if (!responseTimeout.ok)
    cond.warning('RouteError', 'AnnotationIgnored', `response-timeout: ${responseTimeout.errors}; ignored`);
  const timeout = responseTimeout.ok ? timeoutDuration(responseTimeout.value) : undefined;
  return {
    ...(timeout === undefined ? {} : { timeout }),
    ...(retry === undefined ? {} : { retry }),
    websocket: false,
    hashPolicies: [],
    requestHeaders: NO_HEADERS,
    responseHeaders: NO_HEADERS,
  };
}

function buildRoute(
  world: World,
  ingress: Ingress,
  cond: ConditionRecorder,
  p: {
    fqdn: string;
    path: string;
    pathType: string;
    backend: IngressBackend;
    at: string;
    policy: RoutePolicy;
    httpsRedirect: boolean;
  },
): Route | undefined {
  const service = p.backend.service;
  if (service === undefined) {
    cond.error(
      'ServiceError',
      'ResourceBackendNotSupported',
      `${p.at}: resource backends are not supported; route left out`,
    );
    return undefined;
  }
  const matched = ingressPathMatch(p.path, p.pathType);
  if ('error' in matched) {
    cond.error('RouteError', 'PathMatchConditionsNotValid', `${p.at}: ${matched.error}; route left out`);
    return undefined;
  }
  const upstream = resolveUpstream(world, ingress.meta.namespace, service.name, service.port);
  if (!upstream.ok) {
    cond.error('ServiceError', 'ServiceUnresolvedReference', `${p.at}: ${upstream.errors}; route left out`);
    return undefined;
  }
  const tls = upstream.value.protocol === 'tls' || upstream.value.protocol === 'h2';
  const cluster = internCluster(upstream.value, {
    protocol: upstream.value.protocol,
    lbStrategy: 'RoundRobin',
    sni: tls ? upstream.value.externalName : '',
  });
  const rejected = world.check.cluster(cluster);
  if (rejected !== undefined) {
    cond.error(
      'ServiceError',
      'ServiceUnresolvedReference',
      `${p.at}: service "${ingress.meta.namespace}/${service.name}" cannot be served: ${rejected}; route left out`,
    );
    return undefined;
  }
  return {
    match: matched.match,
    headers: p.fqdn.startsWith('*.') ? [wildcardHostMatch(p.fqdn)] : [],
    queryParams: [],
    action: { kind: 'forward', clusters: [plainCluster(cluster, 0)], policy: p.policy },
    httpsRedirect: p.httpsRedirect,
    origin: ingressOrigin(ingress),
  };
}
