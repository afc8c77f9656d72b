import type { ProxyService } from '../kube/kinds.js';
import type { ConditionRecorder } from './conditions.js';
import { resolveUpstream } from './lookups.js';
import { canonicalJson } from '../util/order.js';
import type {
  Cluster,
  Duration,
  HeaderOps,
  HealthCheck,
  LbStrategy,
  Upstream,
  UpstreamProtocol,
  WeightedCluster,
} from './model.js';
import { headersPolicy, NO_HEADERS } from './route-policy.js';
import type { World } from './world.js';
import type { Writable } from '../util/memo.js';

const PROTOCOLS: ReadonlySet<string> = new Set(['h2', 'h2c', 'tls']);
const NO_VARIABLES: Readonly<Record<string, string>> = {};

/** What a route asks of the clusters of its services. */
export interface ClusterSettings {
  readonly lbStrategy: LbStrategy;
  readonly healthCheck?: HealthCheck;
  readonly idleConnectionTimeout?: Duration;
  /** The route's request headers (its Host rewrite is the SNI of TLS upstreams). */
  readonly routeHeaders: HeaderOps;
}

/** Why a service of a route could not become a cluster: skip it, or give up on the whole route set. */
export type ServiceProblem = 'skip' | 'fatal';

/**
 * Resolves one HTTPProxy service into a weighted cluster (Contour's computeRoutes service loop): unresolved
 * services are skipped with a ServiceError, bad protocols or header policies invalidate the route set.
 * `errorType` is ServiceError for routes and TCPProxyError for tcpproxy services, as in Contour.
 */
export function serviceCluster(
  world: World,
  namespace: string,
  service: ProxyService,
  settings: ClusterSettings,
  cond: ConditionRecorder,
  where: { readonly errorType: string; readonly field: string },
): WeightedCluster | ServiceProblem {
  const upstream = resolveUpstream(world, namespace, service.name, { number: service.port });
  if (!upstream.ok) {
    cond.error(
      where.errorType,
      'ServiceUnresolvedReference',
      `${where.field} unresolved service reference: ${upstream.errors}`,
    );
    return 'skip';
  }
  if (service.protocol !== '' && !PROTOCOLS.has(service.protocol)) {
    cond.error('ServiceError', 'UnsupportedProtocol', `unsupported protocol: ${service.protocol}`);
    return 'fatal';
  }
  // Only header policies read the variables: most services have none.
  const variables =
    service.requestHeadersPolicy === undefined && service.responseHeadersPolicy === undefined
      ? NO_VARIABLES
      : {
          CONTOUR_NAMESPACE: namespace,
          CONTOUR_SERVICE_NAME: service.name,
          CONTOUR_SERVICE_PORT: String(service.port),
        };
  const requestHeaders = headersPolicy(service.requestHeadersPolicy, true, variables);
  if (!requestHeaders.ok) {
    cond.error('ServiceError', 'RequestHeadersPolicyInvalid', `${requestHeaders.errors} on request headers`);
    return 'fatal';
  }
  const responseHeaders = headersPolicy(service.responseHeadersPolicy, false, variables);
  if (!responseHeaders.ok) {
    cond.error(
      'ServiceError',
      'ResponseHeadersPolicyInvalid',
      `${responseHeaders.errors} on response headers`,
    );
    return 'fatal';
  }
  const protocol = (service.protocol === '' ? upstream.value.protocol : service.protocol) as UpstreamProtocol;
  const tls = protocol === 'tls' || protocol === 'h2';
  // Contour's determineSNI: the service's Host rewrite, else the route's, else the ExternalName.
  const sni =
    requestHeaders.value.hostRewrite || settings.routeHeaders.hostRewrite || upstream.value.externalName;
  // Built by assignment rather than conditional spreads: this runs for every service of every route.
  const own: Writable<Omit<Cluster, 'upstream'>> = {
    protocol,
    lbStrategy: settings.lbStrategy,
    sni: tls ? sni : '',
  };
  if (settings.healthCheck !== undefined) own.healthCheck = settings.healthCheck;
  if (settings.idleConnectionTimeout !== undefined)
    own.idleConnectionTimeout = settings.idleConnectionTimeout;
  const cluster = internCluster(upstream.value, own);
  const rejected = world.check.cluster(cluster);
  if (rejected !== undefined) {
    cond.error(
      where.errorType,
      'ServiceUnresolvedReference',
      `${where.field} service "${namespace}/${service.name}" port ${service.port} cannot be served: ${rejected}`,
    );
    return 'skip';
  }
  return {
    cluster,
    weight: service.weight ?? 0,
    requestHeaders: requestHeaders.value,
    responseHeaders: responseHeaders.value,
  };
}

const interned = new WeakMap<Upstream, Map<string, Cluster>>();

/**
 * The one cluster object for an upstream and settings. Upstreams are cached per Service object, so every
 * route to the same Service port with the same settings shares one cluster, encoded once.
 */
export function internCluster(upstream: Upstream, settings: Omit<Cluster, 'upstream'>): Cluster {
  let bySettings = interned.get(upstream);
  if (bySettings === undefined) {
    bySettings = new Map();
    interned.set(upstream, bySettings);
  }
  // Cheaper than canonical JSON of the whole settings, and as exact: health checks are rare.
  const idle = settings.idleConnectionTimeout;
  const key = `${settings.protocol}|${settings.lbStrategy}|${settings.sni}|${idle === undefined ? '' : `${idle.seconds}.${idle.nanos}`}|${settings.healthCheck === undefined ? '' : canonicalJson(settings.healthCheck)}`;
  let cluster = bySettings.get(key);
  if (cluster === undefined) {
    cluster = { upstream, ...settings };
    bySettings.set(key, cluster);
  }
  return cluster;
}

/** A weighted cluster without header policies. */
export function plainCluster(cluster: Cluster, weight: number): WeightedCluster {
  return { cluster, weight, requestHeaders: NO_HEADERS, responseHeaders: NO_HEADERS };
}
