import { checkMessageJson, ErrorCode, SesameError } from '@sesame/shared';
import { xdsTransportSocket, type BootstrapFile } from './bootstrap-tls.js';

/** The static cluster that reaches the edges; every xDS stream of the bootstrap goes through it. */
export const XDS_CLUSTER = 'sesame';

/** How Envoy resolves the edge's host name (Envoy's `Cluster.DnsLookupFamily`). */
export type DnsLookupFamily = 'AUTO' | 'V4_ONLY' | 'V6_ONLY' | 'V4_PREFERRED' | 'ALL';

/** Options of `buildBootstrap`, mirroring `sesame bootstrap`'s flags. */
export interface BootstrapOptions {
  /** Host name or IP of the edges (a Service name in Kubernetes, resolved STRICT_DNS). */
  readonly xdsAddress: string;
  readonly xdsPort: number;
  /** CA that signed the edge certificate. */
  readonly caFile: string;
  /** Envoy's client certificate and key. */
  readonly certFile: string;
  readonly keyFile: string;
  /** Envoy admin listener address (default 127.0.0.1). */
  readonly adminAddress?: string;
  /** Envoy admin listener port (default 9001). */
  readonly adminPort?: number;
  /** `node.id` (default `envoy`; Envoy's `--service-node` overrides it). */
  readonly nodeId?: string;
  /** `node.cluster` (default `sesame`). */
  readonly cluster?: string;
  /** Use incremental (delta) ADS instead of state of the world. */
  readonly delta?: boolean;
  /** Write the TLS material as SDS files under this directory, so certificate rotation needs no restart. */
  readonly resourcesDir?: string;
  /** Address family for resolving `xdsAddress` (default V4_PREFERRED: `localhost` reaches 127.0.0.1). */
  readonly dnsLookupFamily?: DnsLookupFamily;
}

/** A bootstrap (proto3 JSON with proto field names) and the files it refers to. */
export interface BuiltBootstrap {
  readonly bootstrap: Record<string, unknown>;
  readonly files: BootstrapFile[];
}

/** Seconds-based keepalives: Contour found idle xDS streams silently dead after days without them. */
const TCP_KEEPALIVE = { keepalive_probes: 3, keepalive_time: 30, keepalive_interval: 5 };
const HTTP2_KEEPALIVE = { interval: '30s', timeout: '5s' };
/** One ADS stream is plenty, but per-type streams and reconnect storms must never trip the breakers. */
const THRESHOLDS = {
  max_connections: 100000,
  max_pending_requests: 100000,
  max_requests: 100000,
  max_retries: 50,
};
const HTTP_OPTIONS_TYPE = 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

function optionProblems(options: BootstrapOptions): string[] {
  const problems: string[] = [];
  const port = (name: string, value: number | undefined, min: number): void => {
    if (value !== undefined && (!Number.isInteger(value) || value < min || value > 65535)) {
      problems.push(`${name} must be an integer from ${min} to 65535, got ${String(value)}`);
    }
  };
  port('xdsPort', options.xdsPort, 1);
  port('adminPort', options.adminPort, 0);
  const required = {
    xdsAddress: options.xdsAddress,
    caFile: options.caFile,
    certFile: options.certFile,
    keyFile: options.keyFile,
  };
  for (const [name, value] of Object.entries(required)) {
    if (value.length === 0) problems.push(`${name} must not be empty`);
  }
  const optional = {
    adminAddress: options.adminAddress,
    nodeId: options.nodeId,
    cluster: options.cluster,
    resourcesDir: options.resourcesDir,
  };
  for (const [name, value] of Object.entries(optional)) {
    if (value?.length === 0) problems.push(`${name} must not be empty`);
  }
  return problems;
}

function socketAddress(address: string, port: number): Record<string, unknown> {
  return { socket_address: { address, port_value: port } };
}

function xdsCluster(
  options: BootstrapOptions,
  transportSocket: Record<string, unknown>,
): Record<string, unknown> {
  return {
    name: XDS_CLUSTER,
    type: 'STRICT_DNS',
    connect_timeout: '5s',
    dns_lookup_family: options.dnsLookupFamily ?? 'V4_PREFERRED',
    load_assignment: {
      cluster_name: XDS_CLUSTER,
      endpoints: [
        { lb_endpoints: [{ endpoint: { address: socketAddress(options.xdsAddress, options.xdsPort) } }] },
      ],
    },
    circuit_breakers: {
      thresholds: [
        { priority: 'HIGH', ...THRESHOLDS },
        { priority: 'DEFAULT', ...THRESHOLDS },
      ],
    },
    typed_extension_protocol_options: {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': HTTP_OPTIONS_TYPE,
        explicit_http_config: { http2_protocol_options: { connection_keepalive: HTTP2_KEEPALIVE } },
      },
    },
    upstream_connection_options: { tcp_keepalive: TCP_KEEPALIVE },
    transport_socket: transportSocket,
  };
}

/**
 * Builds an Envoy v3 bootstrap that reaches the edges over mTLS through one ADS stream (delta when asked)
 * and takes listeners and clusters from it; routes, endpoints and secrets follow over the same stream.
 * Throws a ConfigInvalid SesameError for bad options or when the result would not pass Envoy's validation.
 */
export function buildBootstrap(options: BootstrapOptions): BuiltBootstrap {
  const problems = optionProblems(options);
  if (problems.length > 0) {
    throw new SesameError(ErrorCode.ConfigInvalid, `invalid bootstrap options: ${problems.join('; ')}`);
  }
  const tls = xdsTransportSocket(options, options.resourcesDir);
  const ads = { ads: {}, resource_api_version: 'V3' };
  const bootstrap = {
    node: { id: options.nodeId ?? 'envoy', cluster: options.cluster ?? 'sesame' },
    static_resources: { clusters: [xdsCluster(options, tls.transportSocket)] },
    dynamic_resources: {
      ads_config: {
        api_type: options.delta === true ? 'DELTA_GRPC' : 'GRPC',
        transport_api_version: 'V3',
        grpc_services: [{ envoy_grpc: { cluster_name: XDS_CLUSTER } }],
        set_node_on_first_message_only: true,
      },
      lds_config: ads,
      cds_config: ads,
    },
    admin: { address: socketAddress(options.adminAddress ?? '127.0.0.1', options.adminPort ?? 9001) },
  };
  const invalid = checkMessageJson('envoy.config.bootstrap.v3.Bootstrap', bootstrap);
  if (invalid.length > 0) {
    throw new SesameError(ErrorCode.ConfigInvalid, `invalid bootstrap: ${invalid.join('; ')}`);
  }
  return { bootstrap, files: tls.files };
}
