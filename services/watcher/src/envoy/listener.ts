import type { SecureVirtualHost, TlsVersion } from '../model/model.js';
import { ADS_CONFIG_SOURCE, anyType } from './config-source.js';
import {
  LISTENER_HTTP,
  LISTENER_HTTPS,
  ROUTE_CONFIG_HTTP,
  secretName,
  secureRouteConfigName,
} from './names.js';

/** The port of Envoy's plaintext listener (INTERFACE.md), on every address. */
export const HTTP_PORT = 8080;
/** The port of Envoy's TLS listener (INTERFACE.md), on every address. */
export const HTTPS_PORT = 8443;
const ANY_ADDRESS = '0.0.0.0';

const TLS_VERSION: Readonly<Record<TlsVersion, string>> = { '1.2': 'TLSv1_2', '1.3': 'TLSv1_3' };

/** The plaintext listener: one HTTP connection manager whose routes come from RDS `ingress_http`. */
export function httpListener(): Record<string, unknown> {
  return {
    name: LISTENER_HTTP,
    address: socketAddress(HTTP_PORT),
    filter_chains: [{ filters: [httpConnectionManager(LISTENER_HTTP, ROUTE_CONFIG_HTTP)] }],
  };
}

/**
 * The TLS listener: the TLS inspector reads SNI, then one filter chain per secure virtual host (sorted by
 * name) terminates TLS with a certificate fetched over SDS (never inline: listeners carry no keys) and routes
 * with RDS `https/<fqdn>`.
 */
export function httpsListener(virtualHosts: readonly SecureVirtualHost[]): Record<string, unknown> {
  return {
    name: LISTENER_HTTPS,
    address: socketAddress(HTTPS_PORT),
    listener_filters: [
      {
        name: 'envoy.filters.listener.tls_inspector',
        typed_config: { '@type': anyType('envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector') },
      },
    ],
    filter_chains: virtualHosts.map((vhost) => ({
      filter_chain_match: { server_names: [vhost.fqdn] },
      transport_socket: {
        name: 'envoy.transport_sockets.tls',
        typed_config: downstreamTlsContext(vhost),
      },
      filters: [httpConnectionManager(LISTENER_HTTPS, secureRouteConfigName(vhost.fqdn))],
    })),
  };
}

function downstreamTlsContext(vhost: SecureVirtualHost): Record<string, unknown> {
  return {
    '@type': anyType('envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext'),
    common_tls_context: {
      tls_params: {
        tls_minimum_protocol_version: TLS_VERSION[vhost.minTlsVersion],
        tls_maximum_protocol_version: TLS_VERSION[vhost.maxTlsVersion],
      },
      tls_certificate_sds_secret_configs: [{ name: secretName(vhost.secret), sds_config: ADS_CONFIG_SOURCE }],
      alpn_protocols: ['h2', 'http/1.1'],
    },
  };
}

function httpConnectionManager(statPrefix: string, routeConfigName: string): Record<string, unknown> {
  return {
    name: 'envoy.filters.network.http_connection_manager',
    typed_config: {
      '@type': anyType('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager'),
      stat_prefix: statPrefix,
      codec_type: 'AUTO',
      rds: { route_config_name: routeConfigName, config_source: ADS_CONFIG_SOURCE },
      http_filters: [
        {
          name: 'envoy.filters.http.router',
          typed_config: { '@type': anyType('envoy.extensions.filters.http.router.v3.Router') },
        },
      ],
      // As Contour: the client address is the peer's, paths are normalised before matching, HTTP/1.0 works.
      use_remote_address: { value: true },
      normalize_path: { value: true },
      http_protocol_options: { accept_http_10: true },
      access_log: [
        {
          name: 'envoy.access_loggers.file',
          typed_config: {
            '@type': anyType('envoy.extensions.access_loggers.file.v3.FileAccessLog'),
            path: '/dev/stdout',
          },
        },
      ],
    },
  };
}

function socketAddress(port: number): Record<string, unknown> {
  return { socket_address: { address: ANY_ADDRESS, port_value: port } };
}
