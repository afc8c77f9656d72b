import { createResource, encodeChecked, encodeSpliced, TypeUrl, type Resource } from '@sesame/shared';
import type { AssembledHost, CaSecret, Cluster, Origin, Route, TlsSecret } from '../model/model.js';
import { describeProblems, encodedRoute } from './checked-outputs.js';
import { grpcDomains, grpcRoute } from './grpc.js';
import { apiListener, httpsFilterChain, tcpProxyFilterChain } from './listener.js';
import { grpcRouteConfigName, secureRouteConfigName } from './names.js';
import { routeConfigurationShell, virtualHostShell, type RouteView } from './route.js';

/** A problem with a host's Envoy output, attributed to the object at fault. */
export interface OutputProblem {
  readonly origin: Origin;
  readonly type: string;
  readonly reason: string;
  readonly message: string;
}

/** Everything one host puts into the snapshot, each piece checked against Envoy's constraints. */
export interface RenderedHost {
  readonly fqdn: string;
  /** The host's VirtualHost in `ingress_http`, when it has plaintext routes. */
  readonly http?: Uint8Array;
  /** The host's FilterChain in `ingress_https`, when it has a TLS side. */
  readonly httpsChain?: Uint8Array;
  /** Resources the host owns: `https/<fqdn>`, and its gRPC listener and route configuration. */
  readonly resources: readonly Resource[];
  /** Clusters Envoy's listeners route to. */
  readonly envoyClusters: readonly Cluster[];
  /** Clusters the gRPC view routes to. */
  readonly grpcClusters: readonly Cluster[];
  readonly tlsSecrets: readonly TlsSecret[];
  readonly caSecrets: readonly CaSecret[];
  readonly problems: readonly OutputProblem[];
}

const VIRTUAL_HOST = 'envoy.config.route.v3.VirtualHost';
const FILTER_CHAIN = 'envoy.config.listener.v3.FilterChain';

/** Describes a route's match for a person. */
function describeRoute(route: Route): string {
  const m = route.match;
  return m.kind === 'prefix'
    ? `prefix ${m.prefix}`
    : m.kind === 'exact'
      ? `path ${m.path}`
      : `regex ${m.regex}`;
}

/**
 * Renders one assembled host into its Envoy pieces. A route, virtual host or filter chain that fails the
 * check is left out and reported against the object it came from, so nothing invalid is ever published
 * and the rest of the host still is.
 */
export function renderHost(host: AssembledHost): RenderedHost {
  const ctx: RenderContext = { host, problems: [] };
  const envoyClusters = new Set<Cluster>();
  const grpcClusters = new Set<Cluster>();
  const resources: Resource[] = [];
  const http = renderVirtualHost(ctx, host.routes, 'http', envoyClusters);
  let httpsChain: Uint8Array | undefined;
  const tlsSecrets: TlsSecret[] = [];
  const caSecrets: CaSecret[] = [];
  const secure = host.secure;
  if (secure !== undefined) {
    const secureClusters = new Set<Cluster>();
    let chain: Record<string, unknown> | undefined;
    let config: Resource | undefined;
    if (secure.tcpProxy !== undefined) {
      chain = tcpProxyFilterChain(host.fqdn, secure.tls, secure.tcpProxy);
      for (const wc of secure.tcpProxy.clusters) secureClusters.add(wc.cluster);
    } else if (secure.tls !== undefined) {
      const name = secureRouteConfigName(host.fqdn);
      const bytes = renderVirtualHost(ctx, secure.routes, 'https', secureClusters);
      const encoded =
        bytes === undefined
          ? undefined
          : encodeSpliced(TypeUrl.RouteConfiguration, routeConfigurationShell(name), 'virtual_hosts', [
              bytes,
            ]);
      if (encoded?.ok === true) {
        config = createResource({
          typeUrl: TypeUrl.RouteConfiguration,
          name,
          body: encoded.value,
          audience: 'envoy',
        });
        chain = httpsFilterChain(host.fqdn, secure.tls, name);
      }
    }
    const encoded = chain === undefined ? undefined : encodeChecked(FILTER_CHAIN, chain);
    if (encoded?.ok === true) {
      httpsChain = encoded.value;
      if (config !== undefined) resources.push(config);
      for (const cluster of secureClusters) envoyClusters.add(cluster);
      if (secure.tls !== undefined) {
        tlsSecrets.push(secure.tls.secret);
        const ca = secure.tls.clientValidation?.ca;
        if (ca !== undefined) caSecrets.push(ca);
      }
    } else if (encoded !== undefined) {
      report(
        ctx,
        host.origins,
        'TLSError',
        'FilterChainRejected',
        `TLS for ${host.fqdn} left out: Envoy would reject its filter chain: ${describeProblems(encoded.errors)}`,
      );
    }
  }
  if (host.grpc) {
    // gRPC clients talk to backends directly: they follow the host's TLS routes when it has them.
    const routes = secure?.tls !== undefined && secure.tcpProxy === undefined ? secure.routes : host.routes;
    const candidates = new Set<Cluster>();
    const bytes = renderVirtualHost(ctx, routes, 'grpc', candidates, grpcDomains(host.fqdn));
    const name = grpcRouteConfigName(host.fqdn);
    const config =
      bytes === undefined
        ? undefined
        : encodeSpliced(TypeUrl.RouteConfiguration, { name }, 'virtual_hosts', [bytes]);
    const listener =
      config?.ok === true ? encodeChecked(TypeUrl.Listener, apiListener(host.fqdn, name)) : undefined;
    if (config?.ok === true && listener?.ok === true) {
      resources.push(
        createResource({ typeUrl: TypeUrl.RouteConfiguration, name, body: config.value, audience: 'grpc' }),
      );
      resources.push(
        createResource({
          typeUrl: TypeUrl.Listener,
          name: host.fqdn,
          body: listener.value,
          audience: 'grpc',
        }),
      );
      for (const cluster of candidates) grpcClusters.add(cluster);
    }
  }
  return {
    fqdn: host.fqdn,
    ...(http === undefined ? {} : { http }),
    ...(httpsChain === undefined ? {} : { httpsChain }),
    resources,
    envoyClusters: [...envoyClusters],
    grpcClusters: [...grpcClusters],
    tlsSecrets,
    caSecrets,
    problems: ctx.problems,
  };
}

interface RenderContext {
  readonly host: AssembledHost;
  readonly problems: OutputProblem[];
}

function report(
  ctx: RenderContext,
  origins: readonly Origin[],
  type: string,
  reason: string,
  message: string,
): void {
  for (const origin of origins) ctx.problems.push({ origin, type, reason, message });
}

/** One view of a host's virtual host, its routes spliced in; the clusters they use go into `into`. */
function renderVirtualHost(
  ctx: RenderContext,
  routes: readonly Route[],
  view: RouteView | 'grpc',
  into: Set<Cluster>,
  domains?: readonly string[],
): Uint8Array | undefined {
  const { host } = ctx;
  const bytes: Uint8Array[] = [];
  const kept: Route[] = [];
  for (const original of routes) {
    const route = view === 'grpc' ? grpcRoute(original) : original;
    if (route === undefined) continue;
    const encoded = encodedRoute(route, view === 'grpc' ? 'https' : view);
    if (encoded.ok) {
      bytes.push(encoded.value);
      kept.push(route);
    } else if (view !== 'grpc') {
      // The gRPC view of a route Envoy accepts is never the object's fault: it is only left out.
      report(
        ctx,
        [original.origin],
        'RouteError',
        'RouteRejected',
        `route on ${host.fqdn} (${describeRoute(original)}) left out: Envoy would reject it: ${describeProblems(encoded.errors)}`,
      );
    }
  }
  if (bytes.length === 0) return undefined;
  const encoded = encodeSpliced(VIRTUAL_HOST, virtualHostShell(host.fqdn, domains), 'routes', bytes);
  if (!encoded.ok) {
    if (view !== 'grpc') {
      report(
        ctx,
        host.origins,
        'VirtualHostError',
        'VirtualHostRejected',
        `virtual host ${host.fqdn} left out: Envoy would reject it: ${describeProblems(encoded.errors)}`,
      );
    }
    return undefined;
  }
  for (const route of kept) {
    const action = route.action;
    if (action.kind !== 'forward' || (view === 'http' && route.httpsRedirect)) continue;
    for (const wc of action.clusters) into.add(wc.cluster);
    if (action.mirror !== undefined) into.add(action.mirror.cluster);
  }
  return encoded.value;
}
