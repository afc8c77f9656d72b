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
    const request = decodeDiscoveryRequest(bytes);
    expect({ ...request, resourceNames: request.resourceNames, resourceNamesRaw: undefined }).toEqual({
      versionInfo: 'v1',
      node: { id: 'n1', cluster: 'c', userAgentName: 'envoy', userAgentVersion: '' },
      resourceNames: ['a', 'b'],
      resourceNamesRaw: undefined,
      typeUrl: TypeUrl.Cluster,
      responseNonce: '7',
      errorDetail: { code: 3, message: 'bad' },
    });
    const empty = decodeDiscoveryRequest(new Uint8Array());
    expect(empty).toMatchObject({
      versionInfo: '',
      node: undefined,
      resourceNames: [],
      typeUrl: '',
      responseNonce: '',
      errorDetail: undefined,
    });
    expect(empty.resourceNamesRaw).toHaveLength(0);
  });

  it('keeps the names as bytes, equal for equal lists, and decodes them only when asked', () => {
    const encode = (names: string[], nonce: string) =>
      encodeMessage(DiscoveryMessage.Request, {
        resource_names: names,
        response_nonce: nonce,
        version_info: nonce,
      });
    const a = decodeDiscoveryRequest(encode(['x', 'y'], '1'));
    const b = decodeDiscoveryRequest(encode(['x', 'y'], '22'));
    const c = decodeDiscoveryRequest(encode(['y', 'x'], '1'));
    expect(Buffer.from(a.resourceNamesRaw ?? []).equals(Buffer.from(b.resourceNamesRaw ?? []))).toBe(true);
    expect(Buffer.from(a.resourceNamesRaw ?? []).equals(Buffer.from(c.resourceNamesRaw ?? []))).toBe(false);
    expect(c.resourceNames).toEqual(['y', 'x']);
    // Entries split by other fields (legal protobuf) are gathered.
    const split = Buffer.concat([
      encodeMessage(DiscoveryMessage.Request, { resource_names: ['p'] }),
      encodeMessage(DiscoveryMessage.Request, { type_url: TypeUrl.Listener }),
      encodeMessage(DiscoveryMessage.Request, { resource_names: ['q'] }),
    ]);
    expect(decodeDiscoveryRequest(split)).toMatchObject({
      typeUrl: TypeUrl.Listener,
      resourceNames: ['p', 'q'],
    });
  });

  it('steps over a name list the client sent before in one comparison, and still reads what follows', () => {
    const names = Array.from({ length: 50 }, (_, i) => `svc-${i}`);
    const first = decodeDiscoveryRequest(encodeMessage(DiscoveryMessage.Request, { resource_names: names }));
    const known = [first.resourceNamesRaw ?? new Uint8Array()];
    const ack = encodeMessage(DiscoveryMessage.Request, {
      resource_names: names,
      type_url: TypeUrl.ClusterLoadAssignment,
      response_nonce: '9',
    });
    const decoded = decodeDiscoveryRequest(ack, known);
    expect(decoded.resourceNames).toEqual(names);
    expect(decoded).toMatchObject({ typeUrl: TypeUrl.ClusterLoadAssignment, responseNonce: '9' });
    // The very encoding it matched, so the subscription recognises it without comparing the bytes again.
    expect(decoded.resourceNamesRaw).toBe(known[0]);
    const longer = decodeDiscoveryRequest(
      encodeMessage(DiscoveryMessage.Request, { resource_names: [...names, 'one-more'] }),
      known,
    );
    expect(longer.resourceNames).toEqual([...names, 'one-more']);
    expect(longer.resourceNamesRaw).not.toBe(known[0]);
    const other = decodeDiscoveryRequest(
      encodeMessage(DiscoveryMessage.Request, { resource_names: ['svc-0', 'x'] }),
      known,
    );
    expect(other.resourceNames).toEqual(['svc-0', 'x']);
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
