import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import protobuf from 'protobufjs';

/**
 * Envoy's v3 API, loaded from the protos that `@grpc/grpc-js-xds` ships (envoy-api, xds, googleapis and
 * protoc-gen-validate), so every encoding is the one Envoy itself decodes. Options are kept, so the
 * `validate.rules` annotations are readable from each field.
 */
const PROTO_FILES = [
  'envoy/service/discovery/v3/ads.proto',
  'envoy/service/discovery/v3/discovery.proto',
  'envoy/service/listener/v3/lds.proto',
  'envoy/service/route/v3/rds.proto',
  'envoy/service/cluster/v3/cds.proto',
  'envoy/service/endpoint/v3/eds.proto',
  'envoy/service/secret/v3/sds.proto',
  'envoy/config/bootstrap/v3/bootstrap.proto',
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  'envoy/extensions/transport_sockets/tls/v3/secret.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto',
  'envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/lua/v3/lua.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  'envoy/extensions/access_loggers/file/v3/file.proto',
  'envoy/extensions/load_balancing_policies/ring_hash/v3/ring_hash.proto',
  'envoy/extensions/load_balancing_policies/wrr_locality/v3/wrr_locality.proto',
  'envoy/extensions/load_balancing_policies/round_robin/v3/round_robin.proto',
  'envoy/extensions/transport_sockets/raw_buffer/v3/raw_buffer.proto',
  'envoy/config/rbac/v3/rbac.proto',
  'envoy/extensions/filters/http/rbac/v3/rbac.proto',
  'envoy/extensions/filters/http/fault/v3/fault.proto',
  'envoy/extensions/clusters/aggregate/v3/cluster.proto',
  'udpa/type/v1/typed_struct.proto',
  'xds/type/v3/typed_struct.proto',
];

function includeDirs(): string[] {
  const require = createRequire(import.meta.url);
  const base = join(dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
  const protobufDir = dirname(require.resolve('protobufjs/package.json'));
  return [
    join(base, 'envoy-api'),
    join(base, 'xds'),
    join(base, 'googleapis'),
    join(base, 'protoc-gen-validate'),
    // descriptor.proto and friends, which protoc-gen-validate and the annotations import.
    protobufDir,
  ];
}

let cached: protobuf.Root | undefined;

/** The protobuf root holding Envoy's v3 API; loaded once per process and shared. */
export function envoyRoot(): protobuf.Root {
  if (cached !== undefined) return cached;
  const dirs = includeDirs();
  const root = new protobuf.Root();
  root.resolvePath = (_origin: string, target: string): string | null => {
    for (const dir of dirs) {
      const candidate = join(dir, target);
      if (existsSyncCached(candidate)) return candidate;
    }
    return target;
  };
  root.loadSync(PROTO_FILES, { keepCase: true, alternateCommentMode: false });
  root.resolveAll();
  cached = root;
  return root;
}

const existence = new Map<string, boolean>();
function existsSyncCached(path: string): boolean {
  let known = existence.get(path);
  if (known === undefined) {
    known = existsSync(path);
    existence.set(path, known);
  }
  return known;
}

/** Looks up a message type by its fully qualified name (e.g. `envoy.config.cluster.v3.Cluster`). */
export function messageType(fullName: string): protobuf.Type {
  return envoyRoot().lookupType(fullName);
}
