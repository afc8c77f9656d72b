import { matchesIngressClass, objectIngressClass } from '../kube/ingress-class.js';
import { refOf, type HTTPProxy, type ProxyRoute, type ProxyTls } from '../kube/kinds.js';
import type { BuildContext, SecureSettings } from './build-context.js';
import { checkPath, checkRegex, normalizeHost, wildcardHostMatch } from './match.js';
import type { Cluster, PathMatch, Route, TlsVersion } from './model.js';

/**
 * Adds the root HTTPProxies of the configured class to the model (Contour's HTTPProxyProcessor, without
 * includes yet). A proxy whose virtual host is unusable is left out whole; a bad route only drops itself.
 */
export function processHTTPProxies(ctx: BuildContext, ingressClass: string | undefined): void {
  const proxies = ctx.cache.httpProxies.filter((p) =>
    matchesIngressClass(objectIngressClass(p.meta, p.className), ingressClass),
  );
  const owners = fqdnOwners(proxies);
  for (const proxy of proxies) {
    for (const field of proxy.unsupported) {
      ctx.report(refOf(proxy), `spec.${field} is not supported yet; ignored`);
    }
    const vhost = proxy.virtualhost;
    if (vhost === undefined) {
      ctx.report(
        refOf(proxy),
        'no spec.virtualhost: this HTTPProxy is not part of a delegation chain from a root HTTPProxy',
      );
      continue;
    }
    const fqdn = normalizeHost(vhost.fqdn);
    if (fqdn === undefined) {
      ctx.report(refOf(proxy), `Spec.VirtualHost.Fqdn "${vhost.fqdn}" is not a valid host name`);
      continue;
    }
    const sharing = owners.get(fqdn) ?? [];
    if (sharing.length > 1) {
      ctx.report(refOf(proxy), `fqdn "${fqdn}" is used in multiple HTTPProxies: ${sharing.join(', ')}`);
      continue;
    }
    if (proxy.routes.length === 0) {
      ctx.report(refOf(proxy), 'HTTPProxy.Spec must have at least one Route');
      continue;
    }
    let secure = false;
    if (vhost.tls !== undefined) {
      const settings = secureSettings(ctx, proxy, vhost.tls);
      if (settings === undefined) continue;
      ctx.ensureSecure(fqdn, settings);
      secure = true;
    }
    proxy.routes.forEach((route, i) => {
      const built = buildRoute(ctx, proxy, route, { fqdn, at: `spec.routes[${i}]`, enforceTls: secure });
      if (built === undefined) return;
      ctx.addRoute(fqdn, built);
      if (secure) ctx.addSecureRoute(fqdn, built);
    });
  }
}

/** `namespace/name` of every proxy claiming each fqdn; Contour refuses an fqdn claimed more than once. */
function fqdnOwners(proxies: readonly HTTPProxy[]): Map<string, string[]> {
  const owners = new Map<string, string[]>();
  for (const proxy of proxies) {
    const fqdn = proxy.virtualhost === undefined ? undefined : normalizeHost(proxy.virtualhost.fqdn);
    if (fqdn === undefined) continue;
    owners.set(fqdn, [...(owners.get(fqdn) ?? []), `${proxy.meta.namespace}/${proxy.meta.name}`]);
  }
  return owners;
}

function secureSettings(ctx: BuildContext, proxy: HTTPProxy, tls: ProxyTls): SecureSettings | undefined {
  if (tls.passthrough) {
    ctx.report(refOf(proxy), 'Spec.VirtualHost.TLS passthrough is not supported yet');
    return undefined;
  }
  if (tls.secretName === '') {
    ctx.report(refOf(proxy), 'Spec.VirtualHost.TLS: neither Passthrough nor SecretName were specified');
    return undefined;
  }
  const minTlsVersion = tlsVersion(ctx, proxy, 'minimumProtocolVersion', tls.minimumProtocolVersion, '1.2');
  const maxTlsVersion = tlsVersion(ctx, proxy, 'maximumProtocolVersion', tls.maximumProtocolVersion, '1.3');
  if (maxTlsVersion < minTlsVersion) {
    ctx.report(
      refOf(proxy),
      'Spec.VirtualHost.TLS: the minimum protocol version is greater than the maximum',
    );
    return undefined;
  }
  const secret = ctx.tlsSecret(tls.secretName, proxy.meta.namespace);
  if (!secret.ok) {
    ctx.report(refOf(proxy), `Spec.VirtualHost.TLS Secret "${tls.secretName}" is invalid: ${secret.errors}`);
    return undefined;
  }
  return { secret: secret.value, minTlsVersion, maxTlsVersion };
}

function tlsVersion(
  ctx: BuildContext,
  proxy: HTTPProxy,
  field: string,
  value: string,
  fallback: TlsVersion,
): TlsVersion {
  if (value === '1.2' || value === '1.3') return value;
  if (value !== '') {
    ctx.report(refOf(proxy), `Spec.VirtualHost.TLS.${field} "${value}" is not 1.2 or 1.3; using ${fallback}`);
  }
  return fallback;
}

function buildRoute(
  ctx: BuildContext,
  proxy: HTTPProxy,
  route: ProxyRoute,
  where: { fqdn: string; at: string; enforceTls: boolean },
): Route | undefined {
  const report = (reason: string): undefined => {
    ctx.report(refOf(proxy), `${where.at}: ${reason}`);
    return undefined;
  };
  const match = pathMatch(route);
  if ('error' in match) return report(`${match.error}; route left out`);
  if (route.services.length === 0) return report('a route needs at least one service; route left out');
  const clusters: Cluster[] = [];
  route.services.forEach((service, k) => {
    const upstream = ctx.upstream(proxy.meta.namespace, service.name, { number: service.port });
    if (upstream.ok) clusters.push({ upstream: upstream.value, weight: service.weight ?? 0 });
    else report(`services[${k}]: unresolved service reference: ${upstream.errors}`);
  });
  // Contour answers 503 rather than dropping the route, so requests do not fall through to a shorter prefix.
  if (clusters.length === 0) report('no service of this route resolves; it answers 503');
  return {
    match: match.match,
    headers: where.fqdn.startsWith('*.') ? [wildcardHostMatch(where.fqdn)] : [],
    action: clusters.length > 0 ? { kind: 'forward', clusters } : { kind: 'direct', status: 503 },
    httpsRedirect: where.enforceTls && !route.permitInsecure,
  };
}

/** The route's one path condition (a plain string prefix `/` when it has none). */
function pathMatch(route: ProxyRoute): { match: PathMatch } | { error: string } {
  const found: PathMatch[] = [];
  for (const [j, condition] of route.conditions.entries()) {
    if (condition.unsupported.length > 0) {
      return {
        error: `conditions[${j}]: ${condition.unsupported.join(', ')} conditions are not supported yet`,
      };
    }
    if (condition.prefix !== undefined)
      found.push({ kind: 'prefix', prefix: condition.prefix, segment: false });
    if (condition.exact !== undefined) found.push({ kind: 'exact', path: condition.exact });
    if (condition.regex !== undefined) found.push({ kind: 'regex', regex: condition.regex });
  }
  const [match, ...more] = found;
  if (match === undefined) return { match: { kind: 'prefix', prefix: '/', segment: false } };
  if (more.length > 0)
    return { error: 'more than one path condition (prefix, exact or regex) is not allowed' };
  const problem =
    match.kind === 'regex'
      ? checkRegex(match.regex)
      : checkPath(match.kind === 'prefix' ? match.prefix : match.path);
  return problem === undefined ? { match } : { error: problem };
}
