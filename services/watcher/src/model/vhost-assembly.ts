import { compareStrings } from '../util/order.js';
import type { AssembledHost, Contribution, Origin, Route, TcpProxy, TlsSettings } from './model.js';
import { compareRoutes, routeKey } from './route-order.js';

/** Ingresses first, then HTTPProxies, each by namespace and name: Contour's processor order. */
export function compareOrigins(a: Origin, b: Origin): number {
  const rank = (o: Origin): number => (o.kind === 'Ingress' ? 0 : 1);
  return rank(a) - rank(b) || compareStrings(a.namespace, b.namespace) || compareStrings(a.name, b.name);
}

/**
 * Builds one host from everything that names it, in Contour's order: Ingress routes, then the HTTPProxy's,
 * a later route replacing an earlier one with the same match. An Ingress's routes reach the TLS listener
 * only when an Ingress makes the host secure; the last TLS setting wins, so an HTTPProxy's beats an
 * Ingress's. A host without routes (or TCP proxy) on a listener is not served there.
 */
export function assembleHost(
  fqdn: string,
  contributions: readonly Contribution[],
): AssembledHost | undefined {
  // Sorting allocates even for one item, and most hosts have one contribution and a route or two.
  const sorted =
    contributions.length < 2
      ? contributions
      : [...contributions].sort((a, b) => compareOrigins(a.origin, b.origin));
  const plain = new Map<string, Route>();
  const secure = new Map<string, Route>();
  const ingressTls = sorted.some((c) => c.origin.kind === 'Ingress' && c.tls !== undefined);
  let tls: TlsSettings | undefined;
  let passthrough = false;
  let tcpProxy: TcpProxy | undefined;
  let grpc = false;
  for (const c of sorted) {
    for (const r of c.routes) plain.set(routeKey(r), r);
    if (c.origin.kind === 'HTTPProxy' || ingressTls) {
      for (const r of c.secureRoutes) secure.set(routeKey(r), r);
    }
    if (c.tls !== undefined) tls = c.tls;
    if (c.passthrough) passthrough = true;
    if (c.tcpProxy !== undefined) tcpProxy = c.tcpProxy;
    if (c.grpc) grpc = true;
  }
  const routes = sortedRoutes(plain);
  const secureRoutes = sortedRoutes(secure);
  let secureSide: AssembledHost['secure'];
  if (fqdn !== '*' && tcpProxy !== undefined && (tls !== undefined || passthrough)) {
    // A TCP proxy takes the whole TLS side; passthrough forwards without terminating.
    secureSide = { ...(passthrough ? {} : { tls }), routes: [], tcpProxy };
  } else if (fqdn !== '*' && tls !== undefined && secureRoutes.length > 0) {
    secureSide = { tls, routes: secureRoutes };
  }
  if (routes.length === 0 && secureSide === undefined) return undefined;
  return {
    fqdn,
    routes,
    ...(secureSide === undefined ? {} : { secure: secureSide }),
    grpc: grpc && !fqdn.startsWith('*'),
    origins: sorted.map((c) => c.origin),
  };
}

function sortedRoutes(byKey: ReadonlyMap<string, Route>): Route[] {
  const routes = [...byKey.values()];
  return routes.length < 2 ? routes : routes.sort(compareRoutes);
}
