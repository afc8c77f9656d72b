import { matchesIngressClass, objectIngressClass } from '../kube/ingress-class.js';
import { refOf, type Ingress, type IngressBackend, type IngressRule } from '../kube/kinds.js';
import type { BuildContext } from './build-context.js';
import { ingressPathMatch, normalizeHost, wildcardHostMatch } from './match.js';
import type { Route } from './model.js';

/** `"true"` makes an Ingress redirect plaintext requests to https (Contour honours it). */
const FORCE_SSL_REDIRECT = 'ingress.kubernetes.io/force-ssl-redirect';
/** `"false"` keeps an Ingress off the plaintext listener. */
const ALLOW_HTTP = 'kubernetes.io/ingress.allow-http';

/**
 * Adds the Ingresses of the configured class to the model (Contour's IngressProcessor): secure virtual
 * hosts first, so the set of TLS hosts is known before any route is placed.
 */
export function processIngresses(ctx: BuildContext, ingressClass: string | undefined): void {
  const ingresses = ctx.cache.ingresses.filter((ing) =>
    matchesIngressClass(objectIngressClass(ing.meta, ing.className), ingressClass),
  );
  for (const ingress of ingresses) addSecureHosts(ctx, ingress);
  for (const ingress of ingresses) addRoutes(ctx, ingress);
}

function addSecureHosts(ctx: BuildContext, ingress: Ingress): void {
  ingress.tls.forEach((tls, i) => {
    const where = `spec.tls[${i}]`;
    if (tls.secretName === '') {
      ctx.report(refOf(ingress), `${where} has no secretName; its hosts are served over plain HTTP only`);
      return;
    }
    const secret = ctx.tlsSecret(tls.secretName, ingress.meta.namespace);
    if (!secret.ok) {
      ctx.report(refOf(ingress), `${where}: ${secret.errors}; its hosts are served over plain HTTP only`);
      return;
    }
    for (const host of tls.hosts) {
      const fqdn = normalizeHost(host);
      if (fqdn === undefined) ctx.report(refOf(ingress), `${where}: host "${host}" is not a valid host name`);
      else ctx.ensureSecure(fqdn, { secret: secret.value, minTlsVersion: '1.2', maxTlsVersion: '1.3' });
    }
  });
}

function addRoutes(ctx: BuildContext, ingress: Ingress): void {
  const rules: { rule: IngressRule; where: string }[] = ingress.rules.map((rule, i) => ({
    rule,
    where: `spec.rules[${i}]`,
  }));
  // The default backend goes first so that an explicit rule for `/` on any host replaces it, as in Contour.
  if (ingress.defaultBackend !== undefined) {
    const rule = {
      host: '',
      paths: [{ path: '/', pathType: 'ImplementationSpecific', backend: ingress.defaultBackend }],
    };
    rules.unshift({ rule, where: 'spec.defaultBackend' });
  }
  const httpsRedirect = ingress.meta.annotations[FORCE_SSL_REDIRECT] === 'true';
  const onPlaintext = httpsRedirect || ingress.meta.annotations[ALLOW_HTTP] !== 'false';
  for (const { rule, where } of rules) {
    const fqdn = rule.host === '' ? '*' : normalizeHost(rule.host);
    if (fqdn === undefined) {
      ctx.report(refOf(ingress), `${where}: host "${rule.host}" is not a valid host name; rule left out`);
      continue;
    }
    rule.paths.forEach((path, j) => {
      const at = where === 'spec.defaultBackend' ? where : `${where}.http.paths[${j}]`;
      const route = buildRoute(ctx, ingress, {
        fqdn,
        path: path.path,
        pathType: path.pathType,
        backend: path.backend,
        at,
      });
      if (route === undefined) return;
      const placed = { ...route, httpsRedirect };
      if (onPlaintext) ctx.addRoute(fqdn, placed);
      if (fqdn !== '*' && ctx.isSecure(fqdn)) ctx.addSecureRoute(fqdn, placed);
    });
  }
}

function buildRoute(
  ctx: BuildContext,
  ingress: Ingress,
  p: { fqdn: string; path: string; pathType: string; backend: IngressBackend; at: string },
): Route | undefined {
  const service = p.backend.service;
  if (service === undefined) {
    ctx.report(refOf(ingress), `${p.at}: resource backends are not supported; route left out`);
    return undefined;
  }
  const matched = ingressPathMatch(p.path === '' ? '/' : p.path, p.pathType);
  if ('error' in matched) {
    ctx.report(refOf(ingress), `${p.at}: ${matched.error}; route left out`);
    return undefined;
  }
  const upstream = ctx.upstream(ingress.meta.namespace, service.name, service.port);
  if (!upstream.ok) {
    ctx.report(refOf(ingress), `${p.at}: ${upstream.errors}; route left out`);
    return undefined;
  }
  return {
    match: matched.match,
    headers: p.fqdn.startsWith('*.') ? [wildcardHostMatch(p.fqdn)] : [],
    action: { kind: 'forward', clusters: [{ upstream: upstream.value, weight: 0 }] },
    httpsRedirect: false,
  };
}
