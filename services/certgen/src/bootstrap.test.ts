import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkMessageJson, ErrorCode } from '@sesame/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeBootstrap } from './bootstrap-file.js';
import { buildBootstrap, type BootstrapOptions } from './bootstrap.js';

const BOOTSTRAP = 'envoy.config.bootstrap.v3.Bootstrap';
const OPTIONS: BootstrapOptions = {
  xdsAddress: 'sesame-xds',
  xdsPort: 8001,
  caFile: '/certs/ca.crt',
  certFile: '/certs/tls.crt',
  keyFile: '/certs/tls.key',
};

/** Reads a nested value by a path of keys and indexes, failing loudly when it is missing. */
function at(value: unknown, ...path: (string | number)[]): unknown {
  let node = value;
  for (const key of path) {
    expect(node, `missing ${path.join('.')}`).toBeTypeOf('object');
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

/** Every key in the JSON, except Any's `@type` and map keys, which are not field names. */
function fieldNames(value: unknown, out: string[] = [], isMap = false): string[] {
  if (Array.isArray(value)) value.forEach((item) => fieldNames(item, out));
  else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      if (!isMap && key !== '@type') out.push(key);
      fieldNames(item, out, key === 'typed_extension_protocol_options');
    }
  }
  return out;
}

describe('buildBootstrap', () => {
  const { bootstrap, files } = buildBootstrap(OPTIONS);
  const cluster = at(bootstrap, 'static_resources', 'clusters', 0);
  const tls = at(cluster, 'transport_socket', 'typed_config');

  it('passes a strict check against Envoy’s Bootstrap proto and its validation rules', () => {
    expect(checkMessageJson(BOOTSTRAP, bootstrap)).toEqual([]);
    expect(checkMessageJson(BOOTSTRAP, JSON.parse(JSON.stringify(bootstrap)))).toEqual([]);
  });

  it('fails that check once anything unknown sneaks in', () => {
    const broken = structuredClone(bootstrap);
    (at(broken, 'static_resources', 'clusters', 0) as Record<string, unknown>).conect_timeout = '1s';
    expect(checkMessageJson(BOOTSTRAP, broken)).toEqual([
      'static_resources.clusters[0].conect_timeout: unknown field of envoy.config.cluster.v3.Cluster',
    ]);
  });

  it('spells every field the way Envoy’s docs do (snake_case)', () => {
    for (const name of fieldNames(bootstrap)) expect(name).toMatch(/^[a-z][a-z0-9_]*$/);
  });

  it('names the node and puts admin on 127.0.0.1:9001', () => {
    expect(bootstrap.node).toEqual({ id: 'envoy', cluster: 'sesame' });
    expect(bootstrap.admin).toEqual({
      address: { socket_address: { address: '127.0.0.1', port_value: 9001 } },
    });
    expect(files).toEqual([]);
  });

  it('reaches the edges through a STRICT_DNS HTTP/2 cluster with keepalives', () => {
    expect(cluster).toMatchObject({ name: 'sesame', type: 'STRICT_DNS', connect_timeout: '5s' });
    expect(at(cluster, 'load_assignment', 'endpoints', 0, 'lb_endpoints', 0, 'endpoint', 'address')).toEqual({
      socket_address: { address: 'sesame-xds', port_value: 8001 },
    });
    const http = at(
      cluster,
      'typed_extension_protocol_options',
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
    );
    expect(at(http, '@type')).toBe(
      'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
    );
    expect(at(http, 'explicit_http_config', 'http2_protocol_options', 'connection_keepalive')).toEqual({
      interval: '30s',
      timeout: '5s',
    });
    expect(at(cluster, 'upstream_connection_options', 'tcp_keepalive')).toEqual({
      keepalive_probes: 3,
      keepalive_time: 30,
      keepalive_interval: 5,
    });
  });

  it('speaks mTLS with inline file names, checking the edge for sesame-xds', () => {
    expect(at(tls, '@type')).toBe(
      'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
    );
    expect(at(tls, 'sni')).toBe('sesame-xds');
    expect(at(tls, 'common_tls_context', 'tls_certificates')).toEqual([
      { certificate_chain: { filename: '/certs/tls.crt' }, private_key: { filename: '/certs/tls.key' } },
    ]);
    expect(at(tls, 'common_tls_context', 'validation_context')).toEqual({
      trusted_ca: { filename: '/certs/ca.crt' },
      match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: 'sesame-xds' } }],
    });
  });

  it('takes listeners and clusters from one state-of-the-world ADS stream', () => {
    expect(bootstrap.dynamic_resources).toEqual({
      ads_config: {
        api_type: 'GRPC',
        transport_api_version: 'V3',
        grpc_services: [{ envoy_grpc: { cluster_name: 'sesame' } }],
        set_node_on_first_message_only: true,
      },
      lds_config: { ads: {}, resource_api_version: 'V3' },
      cds_config: { ads: {}, resource_api_version: 'V3' },
    });
  });

  it('switches to delta ADS and applies the other options', () => {
    const custom = buildBootstrap({
      ...OPTIONS,
      delta: true,
      adminAddress: '0.0.0.0',
      adminPort: 19001,
      nodeId: 'envoy-1',
      cluster: 'edge-proxies',
      dnsLookupFamily: 'V4_ONLY',
    }).bootstrap;
    expect(at(custom, 'dynamic_resources', 'ads_config', 'api_type')).toBe('DELTA_GRPC');
    expect(custom.node).toEqual({ id: 'envoy-1', cluster: 'edge-proxies' });
    expect(at(custom, 'admin', 'address', 'socket_address')).toEqual({
      address: '0.0.0.0',
      port_value: 19001,
    });
    expect(at(custom, 'static_resources', 'clusters', 0, 'dns_lookup_family')).toBe('V4_ONLY');
    expect(checkMessageJson(BOOTSTRAP, custom)).toEqual([]);
  });

  it('reports every bad option at once', () => {
    const attempt = (): unknown =>
      buildBootstrap({ ...OPTIONS, xdsPort: 70000, adminPort: -1, caFile: '', nodeId: '' });
    expect(attempt).toThrow(expect.objectContaining({ code: ErrorCode.ConfigInvalid }));
    expect(attempt).toThrow(/xdsPort.*adminPort.*caFile.*nodeId/);
  });
});

describe('buildBootstrap with a resources directory', () => {
  const { bootstrap, files } = buildBootstrap({ ...OPTIONS, resourcesDir: '/config/resources' });
  const common = at(
    bootstrap,
    'static_resources',
    'clusters',
    0,
    'transport_socket',
    'typed_config',
    'common_tls_context',
  );
  const certificatePath = '/config/resources/sds/xds-tls-certificate.json';
  const validationPath = '/config/resources/sds/xds-validation-context.json';

  it('refers to the TLS material through SDS files, which Envoy watches', () => {
    expect(checkMessageJson(BOOTSTRAP, bootstrap)).toEqual([]);
    expect(at(common, 'tls_certificate_sds_secret_configs')).toEqual([
      {
        name: 'sesame_xds_tls_certificate',
        sds_config: { path_config_source: { path: certificatePath }, resource_api_version: 'V3' },
      },
    ]);
    expect(at(common, 'validation_context_sds_secret_config')).toEqual({
      name: 'sesame_xds_tls_validation_context',
      sds_config: { path_config_source: { path: validationPath }, resource_api_version: 'V3' },
    });
    expect(JSON.stringify(bootstrap)).not.toContain('/certs/');
  });

  it('returns the two SDS files as strictly valid DiscoveryResponses', () => {
    expect(files.map((file) => file.path)).toEqual([certificatePath, validationPath]);
    for (const file of files) {
      expect(
        checkMessageJson('envoy.service.discovery.v3.DiscoveryResponse', JSON.parse(file.contents)),
      ).toEqual([]);
    }
    const [certificate, validation] = files.map((file) => at(JSON.parse(file.contents), 'resources', 0));
    expect(certificate).toEqual({
      '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret',
      name: 'sesame_xds_tls_certificate',
      tls_certificate: {
        certificate_chain: { filename: '/certs/tls.crt' },
        private_key: { filename: '/certs/tls.key' },
        watched_directory: { path: '/certs' },
      },
    });
    expect(at(validation, 'name')).toBe('sesame_xds_tls_validation_context');
    expect(at(validation, 'validation_context')).toEqual({
      trusted_ca: { filename: '/certs/ca.crt' },
      match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: 'sesame-xds' } }],
      watched_directory: { path: '/certs' },
    });
  });
});

describe('writeBootstrap', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sesame-bootstrap-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the SDS files, then the bootstrap, as pretty JSON', async () => {
    const options = { ...OPTIONS, resourcesDir: join(dir, 'resources') };
    const out = join(dir, 'envoy.json');
    const written = await writeBootstrap(out, options);
    const built = buildBootstrap(options);
    expect(written).toEqual([...built.files.map((file) => file.path), out]);
    expect(JSON.parse(await readFile(out, 'utf8'))).toEqual(built.bootstrap);
    for (const file of built.files) expect(await readFile(file.path, 'utf8')).toBe(file.contents);
  });
});
