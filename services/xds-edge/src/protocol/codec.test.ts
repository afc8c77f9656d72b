import { decodeMessage, encodeMessage, TypeUrl } from '@sesame/shared';
import { describe, expect, it } from 'vitest';
import { cluster, listener } from '../../../../test/xds/resources.js';
import {
  decodeDiscoveryRequest,
  decodeDiscoveryResponse,
  DiscoveryMessage,
  encodeDiscoveryRequest,
  encodeDiscoveryResponse,
} from './codec.js';

describe('discovery codec', () => {
  it('decodes a request with node and error detail, and defaults what is absent', () => {
    const bytes = encodeMessage(DiscoveryMessage.Request, {
      version_info: 'v1',
      node: { id: 'n1', cluster: 'c', user_agent_name: 'envoy' },
      resource_names: ['a', 'b'],
      type_url: TypeUrl.Cluster,
      response_nonce: '7',
      error_detail: { code: 3, message: 'bad' },
    });
    expect(decodeDiscoveryRequest(bytes)).toEqual({
      versionInfo: 'v1',
      node: { id: 'n1', cluster: 'c', userAgentName: 'envoy', userAgentVersion: '' },
      resourceNames: ['a', 'b'],
      typeUrl: TypeUrl.Cluster,
      responseNonce: '7',
      errorDetail: { code: 3, message: 'bad' },
    });
    expect(decodeDiscoveryRequest(new Uint8Array())).toEqual({
      versionInfo: '',
      node: undefined,
      resourceNames: [],
      typeUrl: '',
      responseNonce: '',
      errorDetail: undefined,
    });
  });

  it('writes each resource body into its Any unchanged', () => {
    const resources = [cluster('c1'), cluster('c2')];
    const bytes = encodeDiscoveryResponse({
      typeUrl: TypeUrl.Cluster,
      versionInfo: 'v9',
      nonce: 'n',
      resources,
      controlPlane: 'edge-1',
    });
    const decoded = decodeMessage(DiscoveryMessage.Response, bytes);
    expect(decoded).toMatchObject({ version_info: 'v9', type_url: TypeUrl.Cluster, nonce: 'n' });
    expect(decoded['control_plane']).toEqual({ identifier: 'edge-1' });
    const raw = decodeDiscoveryResponse(bytes);
    expect(raw.resources.map((r) => r.typeUrl)).toEqual([TypeUrl.Cluster, TypeUrl.Cluster]);
    expect(raw.resources.map((r) => Buffer.from(r.value))).toEqual(resources.map((r) => Buffer.from(r.body)));
    expect(raw.controlPlane).toBe('edge-1');
  });

  it('round-trips a client request', () => {
    const bytes = encodeDiscoveryRequest({
      type_url: TypeUrl.Listener,
      resource_names: ['x'],
      node: { id: 'n' },
    });
    expect(decodeDiscoveryRequest(bytes)).toMatchObject({ typeUrl: TypeUrl.Listener, resourceNames: ['x'] });
    expect(
      decodeDiscoveryResponse(
        encodeDiscoveryResponse({
          typeUrl: TypeUrl.Listener,
          versionInfo: '',
          nonce: '1',
          resources: [listener('l')],
        }),
      ).controlPlane,
    ).toBeUndefined();
  });
});
