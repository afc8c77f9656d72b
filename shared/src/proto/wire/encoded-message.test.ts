import { describe, expect, it } from 'vitest';
import { encodeMessage } from '../codec.js';
import { TypeUrl } from '../type-urls.js';
import { checkJson, encodeChecked, encodeOnce } from './checked-encode.js';
import { EncodedMessage } from './encoded-message.js';

const ADS = { ads: {}, resource_api_version: 'V3' };
const cluster = (configSource: unknown, timeout: unknown): Record<string, unknown> => ({
  name: 'c',
  type: 'EDS',
  eds_cluster_config: { eds_config: configSource, service_name: 'ns/svc/http' },
  connect_timeout: timeout,
});

describe('encodeOnce', () => {
  it('gives parts that encode, anywhere and in lists, exactly as the plain objects do', () => {
    const ads = encodeOnce('envoy.config.core.v3.ConfigSource', ADS);
    const timeout = encodeOnce('google.protobuf.Duration', { seconds: 2 });
    expect(ads).toBeInstanceOf(EncodedMessage);
    const plain = cluster(ADS, { seconds: 2 });
    const once = encodeChecked(TypeUrl.Cluster, cluster(ads, timeout));
    expect(once).toEqual(encodeChecked(TypeUrl.Cluster, plain));
    expect(once.ok && Buffer.from(once.value).equals(encodeMessage(TypeUrl.Cluster, plain))).toBe(true);
    const header = { header: { key: 'x-a', value: 'b' }, append_action: 'APPEND_IF_EXISTS_OR_ADD' };
    const vhost = (h: unknown): Record<string, unknown> => ({
      name: 'v',
      domains: ['*'],
      request_headers_to_add: [h, h],
    });
    const listed = encodeChecked(
      'envoy.config.route.v3.VirtualHost',
      vhost(encodeOnce('envoy.config.core.v3.HeaderValueOption', header)),
    );
    expect(listed).toEqual(encodeChecked('envoy.config.route.v3.VirtualHost', vhost(header)));
  });

  it('judges a part by the rules of the field it is set to', () => {
    const zero = encodeOnce('google.protobuf.Duration', { seconds: 0 });
    const plain = checkJson(TypeUrl.Cluster, cluster(ADS, { seconds: 0 }));
    expect(plain.length).toBeGreaterThan(0);
    expect(checkJson(TypeUrl.Cluster, cluster(ADS, zero))).toEqual(plain);
    const encoded = encodeChecked(TypeUrl.Cluster, cluster(ADS, zero));
    expect(encoded.ok ? [] : encoded.errors).toEqual(plain);
  });

  it('refuses a part of another type, and a constant that does not pass the check', () => {
    const wrong = encodeOnce('google.protobuf.BoolValue', { value: true });
    expect(encodeChecked(TypeUrl.Cluster, cluster(ADS, wrong))).toEqual({
      ok: false,
      errors: [
        'connect_timeout: expected a google.protobuf.Duration object, got an encoded google.protobuf.BoolValue',
      ],
    });
    expect(() => encodeOnce('envoy.config.core.v3.ConfigSource', { ads: 5 })).toThrow(/does not pass/);
  });
});
