import type { DownstreamValidation, TcpProxy, TlsSettings, TlsVersion } from '../model/model.js';
import { compareStrings } from '../util/order.js';
import { adsConfigSource, anyType, encodedConstant } from './config-source.js';
import {
  caSecretName,
  clusterName,
  LISTENER_HTTP,
  LISTENER_HTTPS,
  ROUTE_CONFIG_HTTP,
  secretName,
} from './names.js';

/** The port of Envoy's plaintext listener (INTERFACE.md), on every address. */
export const HTTP_PORT = 8080;
/** The port of Envoy's TLS listener (INTERFACE.md), on every address. */
export const HTTPS_PORT = 8443;
const ANY_ADDRESS = '0.0.0.0';

const TLS_VERSION: Readonly<Record<TlsVersion, string>> = { '1.2': 'TLSv1_2', '1.3': 'TLSv1_3' };
const router = encodedConstant('envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter', {
  name: 'envoy.filters.http.router',
  typed_config: { '@type': anyType('envoy.extensions.filters.http.router.v3.Router') },
});
const boolTrue = encodedConstant('google.protobuf.BoolValue', { value: true });
const acceptHttp10 = encodedConstant('envoy.config.core.v3.Http1ProtocolOptions', { accept_http_10: true });
/** Contour's access log: Envoy's default format, to stdout. */
const fileAccessLog = encodedConstant('envoy.config.accesslog.v3.AccessLog', {
  name: 'envoy.access_loggers.file',
  typed_config: {
    '@type': anyType('envoy.extensions.access_loggers.file.v3.FileAccessLog'),
    path: '/dev/stdout',
  },
});

/** The plaintext listener: one HTTP connection manager whose routes come from RDS `ingress_http`. */
export function httpListener(): Record<string, unknown> {
  return {
    name: LISTENER_HTTP,
    address: socketAddress(HTTP_PORT),
    filter_chains: [{ filters: [httpConnectionManager(LISTENER_HTTP, ROUTE_CONFIG_HTTP)] }],
  };
}

/**
 * The TLS listener without its filter chains (one per secure host, spliced in by name): the TLS inspector
 * reads SNI so that chains can be chosen by server name.
 */
export function httpsListenerShell(): Record<string, unknown> {
  return {
    name: LISTENER_HTTPS,
    address: socketAddress(HTTPS_PORT),
    listener_filters: [
      {
        name: 'envoy.filters.listener.tls_inspector',
        typed_config: { '@type': anyType('envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector') },
      },
    ],
  };
}

/**
 * The filter chain of a host that terminates TLS for HTTP: the certificate comes over SDS (never inline:
 * listeners carry no keys), client certificates are checked against a CA from SDS, routes from RDS.
 */
export function httpsFilterChain(
  fqdn: string,
  tls: TlsSettings,
  routeConfigName: string,
): Record<string, unknown> {
  return {
    filter_chain_match: { server_names: [fqdn] },
    transport_socket: {
      name: 'envoy.transport_sockets.tls',
      typed_config: downstreamTlsContext(tls, ['h2', 'http/1.1']),
    },
    filters: [httpConnectionManager(LISTENER_HTTPS, routeConfigName, tls.clientValidation)],
  };
}

/**
 * The filter chain of a host whose TLS side is a TCP proxy: TLS terminated with the host's certificate,
 * or (passthrough, `tls` undefined) forwarded untouched to the upstream chosen by SNI.
 */
export function tcpProxyFilterChain(
  fqdn: string,
  tls: TlsSettings | undefined,
  tcp: TcpProxy,
): Record<string, unknown> {
  return {
    filter_chain_match: { server_names: [fqdn] },
    ...(tls === undefined
      ? {}
      : {
          transport_socket: {
            name: 'envoy.transport_sockets.tls',
            typed_config: downstreamTlsContext(tls, []),
          },
        }),
    filters: [
      {
        name: 'envoy.filters.network.tcp_proxy',
        typed_config: {
          '@type': anyType('envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy'),
          stat_prefix: LISTENER_HTTPS,
          ...tcpDestination(tcp),
          access_log: [fileAccessLog()],
        },
      },
    ],
  };
}

/** One cluster, or weighted clusters (Envoy's TCP proxy needs weights of at least one: zero-weight ones go). */
function tcpDestination(tcp: TcpProxy): Record<string, unknown> {
  const [only] = tcp.clusters;
  if (tcp.clusters.length === 1 && only !== undefined) return { cluster: clusterName(only.cluster) };
  const total = tcp.clusters.reduce((sum, c) => sum + c.weight, 0);
  const clusters = tcp.clusters
    .filter((c) => total === 0 || c.weight > 0)
    .map((c) => ({ name: clusterName(c.cluster), weight: total === 0 ? 1 : c.weight }))
    .sort((a, b) => compareStrings(a.name, b.name) || a.weight - b.weight);
  return { weighted_clusters: { clusters } };
}

function downstreamTlsContext(tls: TlsSettings, alpn: readonly string[]): Record<string, unknown> {
  const cv = tls.clientValidation;
  return {
    '@type': anyType('envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext'),
    common_tls_context: {
      tls_params: {
        tls_minimum_protocol_version: TLS_VERSION[tls.minTlsVersion],
        tls_maximum_protocol_version: TLS_VERSION[tls.maxTlsVersion],
      },
      tls_certificate_sds_secret_configs: [{ name: secretName(tls.secret), sds_config: adsConfigSource() }],
      ...(alpn.length === 0 ? {} : { alpn_protocols: alpn }),
      ...(cv === undefined ? {} : validationContext(cv)),
    },
    ...(cv === undefined ? {} : { require_client_certificate: { value: !cv.optional } }),
  };
}

/** Client certificate checks: the CA over SDS; skipping verification accepts any certificate presented. */
function validationContext(cv: DownstreamValidation): Record<string, unknown> {
  const sds = cv.ca === undefined ? undefined : { name: caSecretName(cv.ca), sds_config: adsConfigSource() };
  if (!cv.skipVerification) return sds === undefined ? {} : { validation_context_sds_secret_config: sds };
  const accept = { trust_chain_verification: 'ACCEPT_UNTRUSTED' };
  return sds === undefined
    ? { validation_context: accept }
    : {
        combined_validation_context: {
          default_validation_context: accept,
          validation_context_sds_secret_config: sds,
        },
      };
}

function httpConnectionManager(
  statPrefix: string,
  routeConfigName: string,
  clientValidation?: DownstreamValidation,
): Record<string, unknown> {
  const forward = clientValidation?.forward;
  return {
    name: 'envoy.filters.network.http_connection_manager',
    typed_config: {
      '@type': anyType('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager'),
      stat_prefix: statPrefix,
      codec_type: 'AUTO',
      rds: { route_config_name: routeConfigName, config_source: adsConfigSource() },
      http_filters: [router()],
      // As Contour: the client address is the peer's, paths are normalised before matching, HTTP/1.0 works.
      use_remote_address: boolTrue(),
      normalize_path: boolTrue(),
      http_protocol_options: acceptHttp10(),
      access_log: [fileAccessLog()],
      ...(forward === undefined
        ? {}
        : {
            forward_client_cert_details: 'SANITIZE_SET',
            set_current_client_cert_details: {
              ...(forward.subject ? { subject: { value: true } } : {}),
              ...(forward.cert ? { cert: true } : {}),
              ...(forward.chain ? { chain: true } : {}),
              ...(forward.dns ? { dns: true } : {}),
              ...(forward.uri ? { uri: true } : {}),
            },
          }),
    },
  };
}

function socketAddress(port: number): Record<string, unknown> {
  return { socket_address: { address: ANY_ADDRESS, port_value: port } };
}

/**
 * A proxyless gRPC API listener, named by the host gRPC clients dial (`xds:///<fqdn>`): an HTTP connection
 * manager with RDS over ADS and only the router filter, no socket address. Envoys never receive these.
 */
export function apiListener(fqdn: string, routeConfigName: string): Record<string, unknown> {
  return {
    name: fqdn,
    api_listener: {
      api_listener: {
        '@type': anyType('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager'),
        stat_prefix: fqdn,
        rds: { route_config_name: routeConfigName, config_source: adsConfigSource() },
        http_filters: [router()],
      },
    },
  };
}
