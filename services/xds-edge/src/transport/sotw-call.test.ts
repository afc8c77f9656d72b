import { EventEmitter } from 'node:events';
import { status, type ServerDuplexStream } from '@grpc/grpc-js';
import { TypeUrl, type Resource } from '@sesame/shared';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { capturingLogger } from '../../../../test/logs/capturing-logger.js';
import { metricValue } from '../../../../test/metrics/metric-value.js';
import { cluster, endpoints, listener, updateSequence } from '../../../../test/xds/resources.js';
import { createResourceCache } from '../cache/resource-cache.js';
import {
  encodeDiscoveryRequest,
  type DiscoveryRequestObject,
  type DiscoveryResponse,
} from '../protocol/codec.js';
import { createEdgeMetrics } from './metrics.js';
import { createNodeRegistry } from './nodes.js';
import { ADS_SERVICE, DISCOVERY_SERVICES } from './services.js';
import { serveSotwCall } from './sotw-call.js';

/** Just enough of a grpc-js server duplex stream; `writable` decides what write() returns. */
class FakeCall extends EventEmitter {
  writable = true;
  readonly written: DiscoveryResponse[] = [];
  readonly statuses: Array<{ code: number; details: string }> = [];
  ended = false;
  constructor() {
    super();
    this.on('error', (s: { code: number; details: string }) => this.statuses.push(s));
  }
  write(message: DiscoveryResponse, callback: () => void): boolean {
    this.written.push(message);
    queueMicrotask(callback);
    return this.writable;
  }
  end(): void {
    this.ended = true;
  }
  getPeer(): string {
    return 'ipv4:127.0.0.1:1234';
  }
  /** Emits a request as grpc-js does: the bytes off the wire. */
  request(typeUrl: string, names: string[] = [], extra: Partial<DiscoveryRequestObject> = {}): void {
    this.emit(
      'data',
      encodeDiscoveryRequest({
        node: { id: 'n1', cluster: 'c', user_agent_name: 'envoy' },
        resource_names: names,
        type_url: typeUrl,
        ...extra,
      }),
    );
  }
}

function setup(service = ADS_SERVICE) {
  const cache = createResourceCache();
  const next = updateSequence();
  const registry = new Registry();
  const nodes = createNodeRegistry();
  const { logger, lines: logs } = capturingLogger('debug');
  const metrics = createEdgeMetrics(registry, () => nodes.size());
  const call = new FakeCall();
  const active = serveSotwCall(call as unknown as ServerDuplexStream<Buffer, DiscoveryResponse>, service, {
    cache,
    nodes,
    metrics,
    logger,
    now: () => 0,
    controlPlane: 'test',
  });
  const value = (name: string, labels: Record<string, string> = {}): Promise<number> =>
    metricValue(registry, name, labels);
  return {
    call,
    active,
    nodes,
    logs,
    value,
    publish: (resources: Resource[]) => cache.update(next(resources), 0),
  };
}

describe('serveSotwCall', () => {
  it('stops computing responses while grpc-js buffers, and resumes on drain', () => {
    const t = setup();
    t.publish([cluster('c1'), listener('l1')]);
    t.call.writable = false;
    t.call.request(TypeUrl.Listener);
    t.call.request(TypeUrl.Cluster);
    expect(t.call.written.map((r) => r.typeUrl)).toEqual([TypeUrl.Listener]);
    t.call.writable = true;
    t.call.emit('drain');
    expect(t.call.written.map((r) => r.typeUrl)).toEqual([TypeUrl.Listener, TypeUrl.Cluster]);
    expect(t.call.written.every((r) => r.controlPlane === 'test')).toBe(true);
  });

  it('re-sends the endpoints of a changed cluster on the node’s other streams', () => {
    const cds = setup(DISCOVERY_SERVICES.find((s) => s.label === 'cds'));
    cds.publish([cluster('c', { serviceName: 'svc' }), endpoints('svc')]);
    // A second stream of the same node, on the same registry, that only does EDS.
    const eds = { forced: [] as string[][] };
    const detach = cds.nodes.attach('n1', { forceEndpoints: (names) => eds.forced.push([...names]) });
    cds.call.request('');
    expect(eds.forced).toEqual([['svc']]);
    detach();
  });

  it('ends only this stream, with INVALID_ARGUMENT, on an unknown type', async () => {
    const t = setup();
    expect(await t.value('sesame_xds_open_streams', { service: 'ads' })).toBe(1);
    t.call.request('type.googleapis.com/envoy.api.v2.Listener');
    expect(t.call.statuses.map((s) => s.code)).toEqual([status.INVALID_ARGUMENT]);
    expect(t.call.statuses[0]?.details).toMatch(/v2/);
    await t.active.done;
    expect(await t.value('sesame_xds_open_streams', { service: 'ads' })).toBe(0);
    expect(await t.value('sesame_xds_stream_errors_total', { code: 'INVALID_ARGUMENT' })).toBe(1);
  });

  it('counts ACKs and NACKs and logs a NACK as a warning with node, type, version and error', async () => {
    const t = setup();
    t.publish([cluster('c1')]);
    t.call.request(TypeUrl.Cluster);
    const [r1] = t.call.written;
    t.call.request(TypeUrl.Cluster, [], {
      response_nonce: r1?.nonce ?? '',
      error_detail: { code: 3, message: 'cluster c1: bad' },
    });
    expect(await t.value('sesame_xds_nacks_total', { type: 'cds' })).toBe(1);
    const warning = t.logs.find((l) => l['level'] === 'warn');
    expect(warning).toMatchObject({
      node: 'n1',
      type: 'cds',
      version: r1?.versionInfo,
      error: 'cluster c1: bad',
    });
    t.publish([cluster('c1'), cluster('c2')]);
    const r2 = t.call.written[1];
    t.call.request(TypeUrl.Cluster, [], {
      response_nonce: r2?.nonce ?? '',
      version_info: r2?.versionInfo ?? '',
    });
    expect(await t.value('sesame_xds_acks_total', { type: 'cds' })).toBe(1);
    expect(await t.value('sesame_xds_responses_total', { type: 'cds' })).toBe(2);
  });

  it('drops the node when its last stream closes', async () => {
    const t = setup();
    t.call.request(TypeUrl.Cluster);
    expect(t.nodes.size()).toBe(1);
    t.call.emit('cancelled');
    await t.active.done;
    expect(t.nodes.size()).toBe(0);
  });

  it('answers a client half-close by ending the call', () => {
    const t = setup();
    t.call.emit('end');
    expect(t.call.ended).toBe(true);
  });
});
