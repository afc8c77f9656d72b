import type { Cluster, HealthCheck } from '../model/model.js';
import { adsConfigSource, anyType, encodedConstant, seconds } from './config-source.js';
import { clusterName, clusterStatName, edsServiceName } from './names.js';

/** Contour's default upstream connect timeout. */
const CONNECT_TIMEOUT_SECONDS = 2;
const connectTimeout = encodedConstant('google.protobuf.Duration', seconds(CONNECT_TIMEOUT_SECONDS));
const HTTP_PROTOCOL_OPTIONS = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

const LB_POLICY: Readonly<Record<Cluster['lbStrategy'], string | undefined>> = {
  RoundRobin: undefined,
  WeightedLeastRequest: 'LEAST_REQUEST',
  Random: 'RANDOM',
  Cookie: 'RING_HASH',
  RequestHash: 'RING_HASH',
};

/**
 * An Envoy cluster, as Contour's envoy/v3 Cluster builds it: EDS over ADS for a Service with endpoints,
 * STRICT_DNS for an ExternalName Service; load balancing, health checks, circuit breakers, HTTP/2 and
 * TLS to the upstream as the model asks.
 */
export function envoyCluster(cluster: Cluster): Record<string, unknown> {
  const { upstream } = cluster;
  const name = clusterName(cluster);
  const lbPolicy = LB_POLICY[cluster.lbStrategy];
  const discovery =
    upstream.externalName === ''
      ? {
          type: 'EDS',
          eds_cluster_config: { eds_config: adsConfigSource(), service_name: edsServiceName(upstream) },
        }
      : {
          type: 'STRICT_DNS',
          load_assignment: {
            cluster_name: edsServiceName(upstream),
            endpoints: [
              {
                lb_endpoints: [
                  {
                    endpoint: {
                      address: {
                        socket_address: { address: upstream.externalName, port_value: upstream.port },
                      },
                    },
                  },
                ],
              },
            ],
          },
        };
  return {
    name,
    alt_stat_name: clusterStatName(cluster),
    ...discovery,
    connect_timeout: connectTimeout(),
    ...(lbPolicy === undefined ? {} : { lb_policy: lbPolicy }),
    ...(cluster.healthCheck === undefined ? {} : { health_checks: [healthCheck(cluster.healthCheck)] }),
    ...circuitBreakers(cluster),
    ...protocolOptions(cluster),
    ...transportSocket(cluster),
  };
}

function healthCheck(hc: HealthCheck): Record<string, unknown> {
  const common = {
    timeout: seconds(hc.timeoutSeconds),
    interval: seconds(hc.intervalSeconds),
    unhealthy_threshold: { value: hc.unhealthyThreshold },
    healthy_threshold: { value: hc.healthyThreshold },
  };
  if (hc.kind === 'tcp') return { ...common, tcp_health_check: {} };
  return {
    ...common,
    http_health_check: {
      host: hc.host,
      path: hc.path,
      ...(hc.expectedStatuses.length === 0
        ? {}
        : { expected_statuses: hc.expectedStatuses.map((r) => ({ start: r.start, end: r.end })) }),
    },
  };
}

function circuitBreakers(cluster: Cluster): Record<string, unknown> {
  const cb = cluster.upstream.circuitBreakers;
  const thresholds = {
    ...(cb.maxConnections === undefined ? {} : { max_connections: { value: cb.maxConnections } }),
    ...(cb.maxPendingRequests === undefined
      ? {}
      : { max_pending_requests: { value: cb.maxPendingRequests } }),
    ...(cb.maxRequests === undefined ? {} : { max_requests: { value: cb.maxRequests } }),
    ...(cb.maxRetries === undefined ? {} : { max_retries: { value: cb.maxRetries } }),
  };
  const perHost =
    cb.perHostMaxConnections === undefined
      ? undefined
      : { max_connections: { value: cb.perHostMaxConnections } };
  if (Object.keys(thresholds).length === 0 && perHost === undefined) return {};
  return {
    circuit_breakers: {
      ...(Object.keys(thresholds).length === 0 ? {} : { thresholds: [thresholds] }),
      ...(perHost === undefined ? {} : { per_host_thresholds: [perHost] }),
    },
  };
}

function protocolOptions(cluster: Cluster): Record<string, unknown> {
  const h2 = cluster.protocol === 'h2' || cluster.protocol === 'h2c';
  if (!h2 && cluster.idleConnectionTimeout === undefined) return {};
  return {
    typed_extension_protocol_options: {
      [HTTP_PROTOCOL_OPTIONS]: {
        '@type': anyType(HTTP_PROTOCOL_OPTIONS),
        ...(cluster.idleConnectionTimeout === undefined
          ? {}
          : { common_http_protocol_options: { idle_timeout: cluster.idleConnectionTimeout } }),
        explicit_http_config: h2 ? { http2_protocol_options: {} } : { http_protocol_options: {} },
      },
    },
  };
}

function transportSocket(cluster: Cluster): Record<string, unknown> {
  if (cluster.protocol !== 'tls' && cluster.protocol !== 'h2') return {};
  return {
    transport_socket: {
      name: 'envoy.transport_sockets.tls',
      typed_config: {
        '@type': anyType('envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext'),
        common_tls_context: cluster.protocol === 'h2' ? { alpn_protocols: ['h2'] } : {},
        ...(cluster.sni === '' ? {} : { sni: cluster.sni }),
      },
    },
  };
}
