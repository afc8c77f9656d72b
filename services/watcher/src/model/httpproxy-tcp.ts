import { nsName, type HTTPProxy } from '../kube/kinds.js';
import { serviceCluster } from './clusters.js';
import type { ConditionSink } from './conditions.js';
import { proxyOrigin } from './httpproxy-routes.js';
import type { TcpProxy, WeightedCluster } from './model.js';
import { healthCheck, loadBalancing, NO_HEADERS } from './route-policy.js';
import type { World } from './world.js';

/**
 * Contour's processHTTPProxyTCPProxy: the services of `spec.tcpproxy`, or those of the HTTPProxy it
 * includes (following the chain). Undefined when the chain is invalid; the error is on the proxy at fault.
 */
export function processTcpProxy(
  world: World,
  sink: ConditionSink,
  proxy: HTTPProxy,
  visited: readonly HTTPProxy[],
): TcpProxy | undefined {
  const cond = sink.for(proxyOrigin(proxy));
  const tcp = proxy.tcpproxy;
  if (tcp === undefined) {
    cond.error('TCPProxyError', 'NothingDefined', 'either services or inclusion must be specified');
    return undefined;
  }
  const chain = [...visited, proxy];
  if (tcp.services.length > 0 && tcp.include !== undefined) {
    cond.error(
      'TCPProxyError',
      'NoServicesAndInclude',
      'cannot specify services and include in the same httpproxy',
    );
    return undefined;
  }
  const lb = loadBalancing(tcp.loadBalancerPolicy, cond);
  let strategy = lb.strategy;
  if (strategy === 'Cookie' || strategy === 'RequestHash') {
    cond.warning(
      'TCPProxyError',
      'IgnoredField',
      `ignoring field "Spec.TCPProxy.LoadBalancerPolicy"; ${strategy} load balancer policy is not supported for TCPProxies`,
    );
    strategy = 'RoundRobin';
  }
  if (tcp.services.length > 0) {
    const health = healthCheck(tcp.healthCheckPolicy, 'tcp');
    if (!health.ok) {
      cond.error('TCPProxyError', 'HealthCheckPolicyInvalid', health.errors);
      return undefined;
    }
    const clusters: WeightedCluster[] = [];
    for (const service of tcp.services) {
      const wc = serviceCluster(
        world,
        proxy.meta.namespace,
        // Header policies mean nothing to a TCP proxy.
        { ...service, requestHeadersPolicy: undefined, responseHeadersPolicy: undefined },
        {
          lbStrategy: strategy,
          ...(health.value === undefined ? {} : { healthCheck: health.value }),
          routeHeaders: NO_HEADERS,
        },
        cond,
        { errorType: 'TCPProxyError', field: 'Spec.TCPProxy' },
      );
      // Contour gives up on the whole tcpproxy for any service it cannot resolve.
      if (typeof wc === 'string') return undefined;
      clusters.push(wc);
    }
    return { clusters };
  }
  if (tcp.include === undefined) {
    cond.error('TCPProxyError', 'NothingDefined', 'either services or inclusion must be specified');
    return undefined;
  }
  const namespace = tcp.include.namespace === '' ? proxy.meta.namespace : tcp.include.namespace;
  const dest = world.proxy(namespace, tcp.include.name);
  if (dest === undefined) {
    cond.error(
      'TCPProxyIncludeError',
      'IncludeNotFound',
      `include ${namespace}/${tcp.include.name} not found`,
    );
    return undefined;
  }
  if (dest.virtualhost !== undefined) {
    cond.error(
      'TCPProxyIncludeError',
      'RootIncludesRoot',
      `root httpproxy cannot include another root httpproxy (${namespace}/${tcp.include.name})`,
    );
    return undefined;
  }
  if (chain.some((p) => p.meta.namespace === namespace && p.meta.name === tcp.include?.name)) {
    const path = [
      ...chain.map((p) => nsName(p.meta.namespace, p.meta.name)),
      nsName(namespace, tcp.include.name),
    ];
    cond.error(
      'TCPProxyIncludeError',
      'IncludeCreatesCycle',
      `include creates a cycle: ${path.join(' -> ')}`,
    );
    return undefined;
  }
  return processTcpProxy(world, sink, dest, chain);
}
