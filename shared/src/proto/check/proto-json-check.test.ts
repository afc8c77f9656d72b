import { describe, expect, it } from 'vitest';
import { checkMessageJson, type CheckMessageOptions } from './proto-json-check.js';

const CLUSTER = 'envoy.config.cluster.v3.Cluster';
const check = (json: unknown, options?: CheckMessageOptions, type = CLUSTER): string[] =>
  checkMessageJson(type, json, options);
const endpoint = (socketAddress: Record<string, unknown>): Record<string, unknown> => ({
  name: 'c',
  load_assignment: {
    cluster_name: 'c',
    endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: socketAddress } } }] }],
  },
});
const SOCKET = 'load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address';

describe('checkMessageJson: structure and JSON types', () => {
  it.each([
    ['a minimal cluster', { name: 'c', connect_timeout: '5s' }],
    ['lowerCamel names (proto3 JSON allows them)', { name: 'c', connectTimeout: '1.5s' }],
    ['int64 as a string, enum by number', { name: 'c', type: 1, per_connection_buffer_limit_bytes: 1024 }],
    [
      'Struct metadata with any JSON inside',
      { name: 'c', metadata: { filter_metadata: { x: { a: [1, { b: null }] } } } },
    ],
    ['null as unset', { name: 'c', transport_socket: null }],
  ])('accepts %s', (_label, json) => {
    expect(check(json)).toEqual([]);
  });

  it.each([
    [
      'an unknown field',
      { name: 'c', conect_timeout: '5s' },
      'conect_timeout: unknown field of envoy.config.cluster.v3.Cluster',
    ],
    [
      'a removed (reserved) field',
      { name: 'c', hosts: [] },
      'hosts: unknown field of envoy.config.cluster.v3.Cluster',
    ],
    [
      'a duration without unit',
      { name: 'c', connect_timeout: '5' },
      'connect_timeout: expected a duration such as "5s", got "5"',
    ],
    [
      'an unknown enum name',
      { name: 'c', type: 'STRICT' },
      'type: not a value of enum envoy.config.cluster.v3.Cluster.DiscoveryType: "STRICT"',
    ],
    [
      'a list where a message goes',
      { name: 'c', load_assignment: [] },
      'load_assignment: expected a envoy.config.endpoint.v3.ClusterLoadAssignment object, got []',
    ],
    [
      'a message where a list goes',
      { name: 'c', health_checks: {} },
      'health_checks: expected a list (JSON array)',
    ],
    [
      'a bool where a number goes',
      endpoint({ address: 'a', port_value: true }),
      `${SOCKET}.port_value: expected uint32 (an integer), got true`,
    ],
    [
      'a negative unsigned number',
      endpoint({ address: 'a', port_value: -1 }),
      `${SOCKET}.port_value: -1 is out of range for uint32`,
    ],
    [
      'two members of a oneof',
      { name: 'c', type: 'EDS', cluster_type: { name: 'x' } },
      '(root): oneof cluster_discovery_type has several members set: type, cluster_type',
    ],
    [
      'a field set twice under both names',
      { name: 'c', connect_timeout: '1s', connectTimeout: '1s' },
      'connectTimeout: field connect_timeout given twice',
    ],
  ])('rejects %s', (_label, json, problem) => {
    expect(check(json)).toEqual([problem]);
  });

  it('takes a type URL as the type name', () => {
    expect(checkMessageJson('type.googleapis.com/envoy.config.cluster.v3.Cluster', { name: 'c' })).toEqual(
      [],
    );
  });

  it('does not mistake Object.prototype names for fields or enum values', () => {
    expect(check({ name: 'c', constructor: 1, type: 'toString' })).toEqual([
      'constructor: unknown field of envoy.config.cluster.v3.Cluster',
      'type: not a value of enum envoy.config.cluster.v3.Cluster.DiscoveryType: "toString"',
    ]);
  });

  it('reports an unknown message type', () => {
    expect(check({}, {}, 'envoy.nope.v3.Nope')).toEqual(['unknown message type envoy.nope.v3.Nope']);
  });

  it('reports a deprecated field', () => {
    expect(check({ path: '/x' }, {}, 'envoy.config.core.v3.ConfigSource')).toEqual([
      'path: deprecated field',
    ]);
  });

  it('checks Any payloads against their own type, and refuses types it cannot check', () => {
    const options = (any: Record<string, unknown>): Record<string, unknown> => ({
      name: 'c',
      typed_extension_protocol_options: { x: any },
    });
    const http = 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
    expect(
      check(options({ '@type': http, explicit_http_config: { http2_protocol_options: { bogus: 1 } } })),
    ).toEqual([
      'typed_extension_protocol_options["x"].explicit_http_config.http2_protocol_options.bogus: unknown field of envoy.config.core.v3.Http2ProtocolOptions',
    ]);
    expect(check(options({ '@type': 'type.googleapis.com/acme.Thing' }))).toEqual([
      'typed_extension_protocol_options["x"]: Any of type type.googleapis.com/acme.Thing, which is not loaded, so it cannot be checked',
    ]);
    expect(check(options({ '@type': 'type.googleapis.com/google.protobuf.Duration', value: '1s' }))).toEqual(
      [],
    );
  });

  it('reads protobufjs plain objects when asked: well-known types as messages, proto names only', () => {
    const plain: CheckMessageOptions = { format: 'protobufjs' };
    expect(check({ name: 'c', connect_timeout: { seconds: 5 } }, plain)).toEqual([]);
    expect(check({ name: 'c', per_connection_buffer_limit_bytes: { value: 5 } }, plain)).toEqual([]);
    expect(check({ name: 'c', connect_timeout: '5s' }, plain)).toEqual([
      'connect_timeout: expected a google.protobuf.Duration object, got "5s"',
    ]);
    expect(check({ name: 'c', connectTimeout: { seconds: 5 } }, plain)).toEqual([
      'connectTimeout: unknown field of envoy.config.cluster.v3.Cluster',
    ]);
    expect(check({ name: 'c', connect_timeout: { seconds: 5 } })).toEqual([
      'connect_timeout: expected a duration such as "5s", got {"seconds":5}',
    ]);
  });
});

describe('checkMessageJson: (validate.rules)', () => {
  it.each([
    [
      'string.min_len on an unset field',
      CLUSTER,
      {},
      'name: violates (validate.rules).string.min_len = 1 (got "")',
    ],
    [
      'uint32.lte',
      CLUSTER,
      endpoint({ address: 'a', port_value: 70000 }),
      `${SOCKET}.port_value: violates (validate.rules).uint32.lte = 65535 (got 70000)`,
    ],
    [
      'duration.gt',
      CLUSTER,
      { name: 'c', connect_timeout: '0s' },
      'connect_timeout: violates (validate.rules).duration.gt = {} (got "0ns")',
    ],
    [
      'message.required',
      'envoy.config.core.v3.HeaderValueOption',
      {},
      'header: violates (validate.rules).message.required = true (got "unset")',
    ],
    [
      'enum.not_in on an unset enum',
      'envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher',
      { matcher: { exact: 'x' } },
      'san_type: violates (validate.rules).enum.not_in = [0] (got 0)',
    ],
    [
      'repeated.min_items',
      'envoy.config.route.v3.VirtualHost',
      { name: 'v' },
      'domains: violates (validate.rules).repeated.min_items = 1 (got 0)',
    ],
    [
      'repeated.items well_known_regex',
      'envoy.config.route.v3.VirtualHost',
      { name: 'v', domains: ['a\nb'] },
      'domains[0]: violates (validate.rules).string.well_known_regex = "HTTP_HEADER_VALUE" (got "a\\nb")',
    ],
    [
      'a wrapper field rule (uint32.gte)',
      'envoy.config.core.v3.Http2ProtocolOptions',
      { max_concurrent_streams: 0 },
      'max_concurrent_streams: violates (validate.rules).uint32.gte = 1 (got 0)',
    ],
    [
      'a required oneof',
      'envoy.config.core.v3.ConfigSource',
      {},
      '(root): oneof config_source_specifier requires one of: path, path_config_source, api_config_source, ads, self',
    ],
    [
      'duration.required',
      'envoy.config.core.v3.KeepaliveSettings',
      { interval: '1s' },
      'timeout: violates (validate.rules).duration.required = true (got "unset")',
    ],
    [
      'duration.gte',
      'envoy.config.core.v3.KeepaliveSettings',
      { interval: '0.0001s', timeout: '1s' },
      'interval: violates (validate.rules).duration.gte = {"nanos":1000000} (got "100000ns")',
    ],
  ])('enforces %s', (_label, type, json, problem) => {
    expect(check(json, {}, type)).toEqual([problem]);
  });

  it('skips the rules of oneof members that are not set', () => {
    // ConfigSource.path (min_len 1) is a oneof member: unset, its rule does not apply.
    expect(check({ ads: {} }, {}, 'envoy.config.core.v3.ConfigSource')).toEqual([]);
  });

  it('applies wrapper rules in both spellings, and reads an Any of a well-known type under "value"', () => {
    const h2 = 'envoy.config.core.v3.Http2ProtocolOptions';
    expect(check({ max_concurrent_streams: { value: 0 } }, { format: 'protobufjs' }, h2)).toEqual([
      'max_concurrent_streams: violates (validate.rules).uint32.gte = 1 (got 0)',
    ]);
    const any = (value: Record<string, unknown>): Record<string, unknown> => ({
      name: 'c',
      typed_extension_protocol_options: { x: value },
    });
    const duration = 'type.googleapis.com/google.protobuf.Duration';
    expect(check(any({ '@type': duration, value: '1s', extra: 1 }))).toEqual([
      'typed_extension_protocol_options["x"]: unknown field(s) extra beside "value" in an Any of google.protobuf.Duration',
    ]);
    expect(check(any({ '@type': duration, value: 5 }))).toEqual([
      'typed_extension_protocol_options["x"].value: expected a duration such as "5s", got 5',
    ]);
  });

  it('reports a wrong JSON type once, not again as a rule violation', () => {
    expect(check({ name: 5 })).toEqual(['name: expected string, got 5']);
  });
});
