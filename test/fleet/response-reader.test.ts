import { encodeResource, lookupMessage, TypeUrl, type Resource } from '@sesame/shared';
import { describe, expect, it } from 'vitest';
import { cluster, endpoints, listener } from '../xds/resources.js';
import { clusterEdsName, createDerivations, type MarkerSpec } from './derive.js';
import type { ArmSpec } from './envoy-state.js';
import { createResponseParser } from './response-parser.js';
import { createResponseReader, type ReadResponse } from './response-reader.js';
import { grpcFrame } from './stalled-envoy.js';
import { parseResponse } from './wire.js';

/** A response as the edge writes it: the resources first, then version, type and nonce. */
function response(typeUrl: string, version: string, resources: readonly Resource[]): Buffer {
  const type = lookupMessage('envoy.service.discovery.v3.DiscoveryResponse');
  const encode = (o: Record<string, unknown>): Uint8Array => type.encode(type.fromObject(o)).finish();
  return Buffer.concat([
    encode({ resources: resources.map((r) => ({ type_url: r.typeUrl, value: r.body })) }),
    encode({ version_info: version, type_url: typeUrl, nonce: 'n' }),
  ]);
}

const staticCluster = encodeResource({
  typeUrl: TypeUrl.Cluster,
  name: 'static',
  message: { name: 'static', type: 'STATIC', connect_timeout: { seconds: 1 } },
});

/** Reads `message` in 7-byte chunks with a fresh reader; returns what the Envoy would act on. */
function read(
  message: Buffer,
  options: { derive?: ReturnType<typeof createDerivations>; markers?: MarkerSpec[]; armed?: ArmSpec } = {},
): { response: ReadResponse; kept: string[] } {
  const got: ReadResponse[] = [];
  const kept: string[] = [];
  const parser = createResponseParser({
    digest: false,
    onError: (m) => {
      throw new Error(m);
    },
    begin: () => {
      const reader = createResponseReader({
        derive: options.derive,
        markers: options.markers ?? [],
        armed: () => options.armed,
        onResponse: (r) => got.push(r),
      });
      return {
        keep: (typeUrl, name) => reader.keep(typeUrl, name),
        fields: (typeUrl, name, bytes) => reader.fields(typeUrl, name, bytes),
        resource: (typeUrl, name, body) => {
          if (body !== undefined) kept.push(name);
          reader.resource(typeUrl, name, body);
        },
        end: (r) => reader.end(r),
      };
    },
  });
  const framed = grpcFrame(message);
  for (let i = 0; i < framed.length; i += 7) parser.push(framed.subarray(i, i + 7));
  const [response] = got;
  if (response === undefined) throw new Error('no response');
  return { response, kept };
}

describe('what a simulated Envoy reads of a response', () => {
  it('reads the EDS name of a cluster without decoding it', () => {
    const type = lookupMessage(TypeUrl.Cluster);
    for (const r of [cluster('a'), cluster('b', { serviceName: 'svc-b' }), staticCluster]) {
      const decoded = type.decode(r.body) as unknown as {
        name: string;
        eds_cluster_config?: { service_name?: string } | null;
      };
      const want =
        decoded.eds_cluster_config == null
          ? undefined
          : decoded.eds_cluster_config.service_name || decoded.name;
      expect(clusterEdsName(r.body, r.name)).toBe(want);
    }
  });

  it('derives EDS names from a CDS response as the whole-response derivation does, sharing the array', () => {
    const derive = createDerivations();
    const clusters = [cluster('b', { serviceName: 'svc-b' }), cluster('a'), staticCluster];
    const message = response(TypeUrl.Cluster, 'v1', clusters);
    const whole = parseResponse(message);
    const expected = createDerivations().edsNames('v1', whole.resources);
    const { response: first, kept } = read(message, { derive });
    expect(first.eds).toEqual(expected);
    expect(first.eds).toEqual(['a', 'svc-b']);
    expect(kept).toEqual(['b', 'a', 'static']);
    expect(read(message, { derive }).response.eds).toBe(first.eds);
    expect(first.listeners).toBeUndefined();
  });

  it('derives RDS names from an LDS response', () => {
    const derive = createDerivations();
    const message = response(TypeUrl.Listener, 'v1', [
      listener('ingress_http', { routeConfig: 'r1' }),
      listener('other', { routeConfig: 'r0' }),
    ]);
    const { response: got } = read(message, { derive });
    expect(got.listeners).toEqual({ rds: ['r0', 'r1'], sds: [] });
    expect(got.eds).toBeUndefined();
  });

  it('keeps only marker bodies when it derives nothing, and matches markers and arms by type and name', () => {
    const marker: MarkerSpec = {
      key: 'port',
      typeUrl: TypeUrl.ClusterLoadAssignment,
      name: 'svc-a',
      pattern: '(\\d+)',
    };
    const armed: ArmSpec = { typeUrl: TypeUrl.ClusterLoadAssignment, prefix: 'svc-' };
    const eds = response(TypeUrl.ClusterLoadAssignment, 'v1', [
      endpoints('svc-b'),
      endpoints('svc-a', { ports: [9001] }),
    ]);
    const got = read(eds, { markers: [marker], armed });
    expect(got.kept).toEqual(['svc-a']);
    expect(got.response.markers.get(marker)?.name).toBe('svc-a');
    expect(got.response.armedHit).toBe(armed);
    expect(got.response.count).toBe(2);
    // The same names under another type are neither the marker nor the armed change.
    const cds = response(TypeUrl.Cluster, 'v1', [cluster('svc-a')]);
    const other = read(cds, { markers: [marker], armed });
    expect(other.kept).toEqual([]);
    expect(other.response.markers.size).toBe(0);
    expect(other.response.armedHit).toBeUndefined();
    expect(other.response.eds).toBeUndefined();
  });
});
