import type { Result } from '@sesame/shared';
import type { BackendPort } from '../kube/kinds.js';
import type { KubeCache } from '../kube/kube-cache.js';
import { compareDiagnostics, diagnostic, type Diagnostic, type ObjectRef } from '../kube/object.js';
import { compareStrings } from '../util/order.js';
import { resolveTlsSecret, resolveUpstream } from './lookups.js';
import type {
  Model,
  Route,
  SecureVirtualHost,
  TlsSecret,
  TlsVersion,
  Upstream,
  VirtualHost,
} from './model.js';
import { compareRoutes, routeKey } from './route-order.js';

/** The TLS side of a secure virtual host. */
export interface SecureSettings {
  readonly secret: TlsSecret;
  readonly minTlsVersion: TlsVersion;
  readonly maxTlsVersion: TlsVersion;
}

/**
 * The mutable state processors share while building one model (Contour's DAG under construction): cached
 * lookups, virtual hosts by fqdn, and the diagnostics so far. Processors run in a fixed order over sorted
 * objects, so "the later one wins" is deterministic.
 */
export interface BuildContext {
  readonly cache: KubeCache;
  report(ref: ObjectRef, reason: string): void;
  upstream(namespace: string, service: string, port: BackendPort): Result<Upstream, string>;
  tlsSecret(reference: string, fromNamespace: string): Result<TlsSecret, string>;
  /** Adds (or replaces, by match) a route on the plaintext listener's virtual host. */
  addRoute(fqdn: string, route: Route): void;
  /** Makes `fqdn` a secure virtual host, or replaces its TLS settings. */
  ensureSecure(fqdn: string, settings: SecureSettings): void;
  isSecure(fqdn: string): boolean;
  /** Adds (or replaces, by match) a route on a secure virtual host; ignored unless `ensureSecure` ran. */
  addSecureRoute(fqdn: string, route: Route): void;
  /** The model, keeping only virtual hosts with routes, and the sorted diagnostics. */
  finish(): { model: Model; diagnostics: Diagnostic[] };
}

/** A fresh context over `cache`. */
export function createBuildContext(cache: KubeCache): BuildContext {
  const diagnostics: Diagnostic[] = [];
  const upstreams = new Map<string, Result<Upstream, string>>();
  const secrets = new Map<string, Result<TlsSecret, string>>();
  const insecure = new Map<string, Map<string, Route>>();
  const secure = new Map<string, { settings: SecureSettings; routes: Map<string, Route> }>();

  return {
    cache,
    report(ref, reason) {
      diagnostics.push(diagnostic(ref, reason));
    },
    upstream(namespace, service, port) {
      const key = `${namespace}\0${service}\0${port.number ?? ''}\0${port.name ?? ''}`;
      let found = upstreams.get(key);
      if (found === undefined) {
        found = resolveUpstream(cache, namespace, service, port);
        upstreams.set(key, found);
      }
      return found;
    },
    tlsSecret(reference, fromNamespace) {
      const key = `${fromNamespace}\0${reference}`;
      let found = secrets.get(key);
      if (found === undefined) {
        found = resolveTlsSecret(cache, reference, fromNamespace);
        secrets.set(key, found);
      }
      return found;
    },
    addRoute(fqdn, route) {
      let routes = insecure.get(fqdn);
      if (routes === undefined) {
        routes = new Map();
        insecure.set(fqdn, routes);
      }
      routes.set(routeKey(route), route);
    },
    ensureSecure(fqdn, settings) {
      const existing = secure.get(fqdn);
      if (existing === undefined) secure.set(fqdn, { settings, routes: new Map() });
      else existing.settings = settings;
    },
    isSecure(fqdn) {
      return secure.has(fqdn);
    },
    addSecureRoute(fqdn, route) {
      secure.get(fqdn)?.routes.set(routeKey(route), route);
    },
    finish() {
      const virtualHosts: VirtualHost[] = [];
      for (const [fqdn, routes] of insecure) {
        if (routes.size > 0) virtualHosts.push({ fqdn, routes: [...routes.values()].sort(compareRoutes) });
      }
      const secureVirtualHosts: SecureVirtualHost[] = [];
      for (const [fqdn, { settings, routes }] of secure) {
        if (routes.size > 0) {
          secureVirtualHosts.push({ fqdn, ...settings, routes: [...routes.values()].sort(compareRoutes) });
        }
      }
      const byFqdn = (a: { fqdn: string }, b: { fqdn: string }): number => compareStrings(a.fqdn, b.fqdn);
      return {
        model: {
          virtualHosts: virtualHosts.sort(byFqdn),
          secureVirtualHosts: secureVirtualHosts.sort(byFqdn),
        },
        diagnostics: diagnostics.sort(compareDiagnostics),
      };
    },
  };
}
