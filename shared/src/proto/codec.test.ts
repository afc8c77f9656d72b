import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage } from './codec.js';
import { TypeUrl } from './type-urls.js';

describe('codec', () => {
  it('round-trips a listener with a nested Any into canonical proto3 JSON', () => {
    const hcm = {
      '@type':
        'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
      stat_prefix: 'ingress_http',
      rds: { route_config_name: 'ingress_http', config_source: { ads: {}, resource_api_version: 'V3' } },
      common_http_protocol_options: { idle_timeout: { seconds: 60, nanos: 500_000_000 } },
    };
    const bytes = encodeMessage(TypeUrl.Listener, {
      name: 'ingress_http',
      per_connection_buffer_limit_bytes: { value: 32768 },
      filter_chains: [
        { filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: hcm }] },
      ],
    });
    const json = decodeMessage(TypeUrl.Listener, bytes);
    expect(json).toEqual({
      name: 'ingress_http',
      per_connection_buffer_limit_bytes: 32768,
      filter_chains: [
        {
          filters: [
            {
              name: 'envoy.filters.network.http_connection_manager',
              typed_config: { ...hcm, common_http_protocol_options: { idle_timeout: '60.5s' } },
            },
          ],
        },
      ],
    });
  });

  it('encodes deterministically', () => {
    const msg = { name: 'c', connect_timeout: { seconds: 5 }, type: 'EDS' };
    expect(Buffer.from(encodeMessage(TypeUrl.Cluster, msg))).toEqual(
      Buffer.from(
        encodeMessage(TypeUrl.Cluster, { type: 'EDS', connect_timeout: { seconds: 5 }, name: 'c' }),
      ),
    );
  });
});
