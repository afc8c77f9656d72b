import { ErrorCode, TypeUrl, type Resource } from '@sesame/shared';
import { describe, expect, it } from 'vitest';
import {
  cluster,
  endpoints,
  listener,
  routeConfig,
  secret,
  updateSequence,
} from '../../../../test/xds/resources.js';
import { createResourceCache } from '../cache/resource-cache.js';
import type { DiscoveryRequest, NodeInfo } from './codec.js';
import { SotwStream } from './sotw-stream.js';
import type { PendingResponse } from './sotw-type-state.js';

const ENVOY: NodeInfo = { id: 'envoy-1', cluster: 'c', userAgentName: 'envoy', userAgentVersion: '' };
const GRPC: NodeInfo = { id: 'app-1', cluster: 'c', userAgentName: 'grpc-node-js', userAgentVersion: '1.14' };

/** A stream on a cache, driven without sockets. */
function setup(options: { serviceType?: TypeUrl } = {}) {
  const cache = createResourceCache();
  const next = updateSequence();
  let wakes = 0;
  const stream = new SotwStream({
    cache,
    ...(options.serviceType === undefined ? {} : { serviceType: options.serviceType }),
    wake: () => wakes++,
  });
  let first = true;
  const lastNames = new Map<string, string[]>();
  const t = {
    stream,
    wakes: () => wakes,
    publish: (resources: Resource[]) => cache.update(next(resources), 0),
    request(typeUrl: string, names: string[] = [], extra: Partial<DiscoveryRequest> = {}) {
      const node = first ? ENVOY : undefined;
      first = false;
      lastNames.set(typeUrl, names);
      return stream.handleRequest({
        versionInfo: '',
        node,
        resourceNames: names,
        typeUrl,
        responseNonce: '',
        errorDetail: undefined,
        ...extra,
      });
    },
    /** Every response due now, in order. */
    drain(): PendingResponse[] {
      const out: PendingResponse[] = [];
      for (let r = stream.nextResponse(); r !== undefined; r = stream.nextResponse()) out.push(r);
      return out;
    },
    /** Every response due, each ACKed (with its type's last names) before the next is taken, as Envoy does. */
    drainAcking(): PendingResponse[] {
      const out: PendingResponse[] = [];
      for (let r = stream.nextResponse(); r !== undefined; r = stream.nextResponse()) {
        out.push(r);
        t.ack(r, lastNames.get(r.typeUrl) ?? []);
      }
      return out;
    },
    one(): PendingResponse {
      const all = t.drain();
      expect(all).toHaveLength(1);
      return all[0] as PendingResponse;
    },
    ack(r: PendingResponse, names: string[] = []) {
      return t.request(r.typeUrl, names, { versionInfo: r.versionInfo, responseNonce: r.nonce });
    },
    nack(r: PendingResponse, names: string[] = []) {
      return t.request(r.typeUrl, names, {
        responseNonce: r.nonce,
        errorDetail: { code: 3, message: 'bad config' },
      });
    },
  };
  return t;
}

const names = (r: PendingResponse): string[] => r.resources.map((x) => x.name);

describe('SotwStream requests', () => {
  it('requires a type URL on ADS but defaults it on a per-type service', () => {
    expect(() => setup().request('')).toThrow(expect.objectContaining({ code: ErrorCode.XdsInvalidRequest }));
    expect(setup({ serviceType: TypeUrl.Cluster }).request('').typeUrl).toBe(TypeUrl.Cluster);
  });

  it('refuses v2, unknown and mismatched types', () => {
    expect(() => setup().request('type.googleapis.com/envoy.api.v2.Cluster')).toThrow(/v2/);
    expect(() => setup().request('type.googleapis.com/envoy.api.v2.Cluster')).toThrow(
      expect.objectContaining({ code: ErrorCode.XdsUnknownType }),
    );
    expect(() => setup().request('type.googleapis.com/foo.Bar')).toThrow(/unknown resource type/);
    expect(() => setup({ serviceType: TypeUrl.Listener }).request(TypeUrl.Cluster)).toThrow(/LDS service/);
  });

  it('keeps the node of the first request and picks the view from it', () => {
    const t = setup();
    const handled = t.stream.handleRequest({
      versionInfo: '',
      node: GRPC,
      resourceNames: [],
      typeUrl: TypeUrl.Listener,
      responseNonce: '',
      errorDetail: undefined,
    });
    expect(handled.identified).toEqual(GRPC);
    t.stream.handleRequest({
      versionInfo: '',
      node: ENVOY,
      resourceNames: [],
      typeUrl: TypeUrl.Cluster,
      responseNonce: '',
      errorDetail: undefined,
    });
    expect(t.stream.node).toEqual(GRPC);
    expect(t.stream.view).toBe('grpc');
  });
});

describe('SotwStream responses', () => {
  it('answers nothing before the first snapshot, then wakes and sends the initial state', () => {
    const t = setup();
    t.request(TypeUrl.Listener);
    expect(t.drain()).toEqual([]);
    t.publish([listener('l1')]);
    expect(t.wakes()).toBe(1);
    expect(names(t.one())).toEqual(['l1']);
  });

  it('answers an initial wildcard request even when there is nothing of the type', () => {
    const t = setup();
    t.publish([cluster('c1')]);
    t.request(TypeUrl.Listener);
    const r = t.one();
    expect(r.resources).toEqual([]);
    expect(r.versionInfo).not.toBe('');
  });

  it('does not resend after an ACK, and holds at most one unacknowledged response per type', () => {
    const t = setup();
    t.publish([cluster('c1')]);
    t.request(TypeUrl.Cluster);
    const r1 = t.one();
    t.publish([cluster('c1'), cluster('c2')]);
    t.publish([cluster('c1'), cluster('c2'), cluster('c3')]);
    expect(t.drain()).toEqual([]);
    expect(t.ack(r1).outcome).toEqual({ kind: 'ack', version: r1.versionInfo });
    const r2 = t.one();
    expect(names(r2).sort()).toEqual(['c1', 'c2', 'c3']);
    t.ack(r2);
    expect(t.drain()).toEqual([]);
  });

  it('ignores a request with a stale nonce, subscription change included', () => {
    const t = setup();
    t.publish([endpoints('a'), endpoints('b')]);
    t.request(TypeUrl.ClusterLoadAssignment, ['a']);
    const r1 = t.one();
    t.ack(r1, ['a']);
    t.publish([endpoints('a', { ports: [1] }), endpoints('b')]);
    const r2 = t.one();
    const stale = t.request(TypeUrl.ClusterLoadAssignment, ['a', 'b'], { responseNonce: r1.nonce });
    expect(stale.outcome).toEqual({ kind: 'stale' });
    expect(t.drain()).toEqual([]);
    t.ack(r2, ['a', 'b']);
    expect(names(t.one())).toEqual(['b']);
  });

  it('never resends a NACKed version, and resends everything unconfirmed once the version changes', () => {
    const t = setup();
    t.publish([routeConfig('r1'), routeConfig('r2')]);
    t.request(TypeUrl.RouteConfiguration, ['r1', 'r2']);
    t.ack(t.one(), ['r1', 'r2']);
    t.publish([routeConfig('r1', { prefix: '/bad' }), routeConfig('r2', { prefix: '/ok' })]);
    const rejected = t.one();
    expect(names(rejected).sort()).toEqual(['r1', 'r2']);
    expect(t.nack(rejected, ['r1', 'r2']).outcome).toEqual({
      kind: 'nack',
      version: rejected.versionInfo,
      message: 'bad config',
    });
    expect(t.drain()).toEqual([]);
    // Envoy repeats the nonce when only its subscription changes: not a second NACK, and not an ACK.
    expect(
      t.request(TypeUrl.RouteConfiguration, ['r1', 'r2'], { responseNonce: rejected.nonce }).outcome,
    ).toEqual({
      kind: 'update',
    });
    expect(t.drain()).toEqual([]);
    t.publish([routeConfig('r1', { prefix: '/fixed' }), routeConfig('r2', { prefix: '/ok' })]);
    const resent = t.one();
    expect(resent.versionInfo).not.toBe(rejected.versionInfo);
    // r2 did not change since the NACK, but the client rejected it with the rest, so it goes again.
    expect(names(resent).sort()).toEqual(['r1', 'r2']);
  });

  it('sends a newly subscribed name even during a NACK hold', () => {
    const t = setup();
    t.publish([endpoints('a'), endpoints('b')]);
    t.request(TypeUrl.ClusterLoadAssignment, ['a']);
    const r1 = t.one();
    t.nack(r1, ['a']);
    expect(t.drain()).toEqual([]);
    t.request(TypeUrl.ClusterLoadAssignment, ['a', 'b'], { responseNonce: r1.nonce });
    expect(names(t.one())).toEqual(['b']);
  });

  it('sends a name again after it was unsubscribed and subscribed again (A, ACK, {}, A)', () => {
    const t = setup();
    t.publish([endpoints('a')]);
    t.request(TypeUrl.ClusterLoadAssignment, ['a']);
    const r1 = t.one();
    t.ack(r1, []);
    expect(t.drain()).toEqual([]);
    t.request(TypeUrl.ClusterLoadAssignment, ['a'], { responseNonce: r1.nonce });
    expect(names(t.one())).toEqual(['a']);
  });

  it('remembers names that do not exist yet and sends them when they appear', () => {
    const t = setup();
    t.publish([]);
    t.request(TypeUrl.Cluster, ['later']);
    expect(t.drain()).toEqual([]);
    t.publish([cluster('later'), cluster('other')]);
    expect(names(t.one())).toEqual(['later']);
  });

  it('sends only changed resources for RDS, EDS and SDS', () => {
    const t = setup();
    t.publish([secret('s1'), secret('s2')]);
    t.request(TypeUrl.Secret, ['s1', 's2']);
    t.ack(t.one(), ['s1', 's2']);
    t.publish([secret('s1'), secret('s2', { serial: 2 })]);
    expect(names(t.one())).toEqual(['s2']);
  });

  it('sends the full state of LDS and CDS, even when the only change is a deletion', () => {
    const t = setup();
    t.publish([listener('l1'), listener('l2')]);
    t.request(TypeUrl.Listener);
    t.ack(t.one());
    t.publish([listener('l1')]);
    expect(names(t.one())).toEqual(['l1']);
  });

  it('writes changed types in make-before-break order: CDS, EDS, LDS, RDS, SDS', () => {
    const t = setup();
    t.publish([listener('l'), routeConfig('r'), cluster('c'), endpoints('c'), secret('s')]);
    for (const [type, subscribed] of [
      [TypeUrl.Secret, ['s']],
      [TypeUrl.RouteConfiguration, ['r']],
      [TypeUrl.Listener, []],
      [TypeUrl.ClusterLoadAssignment, ['c']],
      [TypeUrl.Cluster, []],
    ] as const) {
      t.request(type, [...subscribed]);
      const r = t.one();
      t.ack(r, [...subscribed]);
    }
    t.publish([
      listener('l', { port: 1 }),
      routeConfig('r', { prefix: '/x' }),
      cluster('c', { connectTimeoutSeconds: 1 }),
      endpoints('c', { ports: [1] }),
      secret('s', { serial: 9 }),
    ]);
    expect(t.drainAcking().map((r) => r.typeUrl)).toEqual([
      TypeUrl.Cluster,
      TypeUrl.ClusterLoadAssignment,
      TypeUrl.Listener,
      TypeUrl.RouteConfiguration,
      TypeUrl.Secret,
    ]);
  });

  it('holds later types back while an earlier type awaits its ACK (make before break)', () => {
    const t = setup();
    t.publish([cluster('c'), routeConfig('r')]);
    t.request(TypeUrl.Cluster);
    const cds = t.one();
    t.request(TypeUrl.RouteConfiguration, ['r']);
    expect(t.drain()).toEqual([]);
    t.ack(cds);
    t.ack(t.one(), ['r']);
    t.publish([cluster('c', { connectTimeoutSeconds: 1 }), routeConfig('r', { cluster: 'c' })]);
    const cds2 = t.one();
    expect(cds2.typeUrl).toBe(TypeUrl.Cluster);
    t.ack(cds2);
    expect(t.one().typeUrl).toBe(TypeUrl.RouteConfiguration);
  });

  it('does not let a NACK hold block later types', () => {
    const t = setup();
    t.publish([cluster('c'), routeConfig('r')]);
    t.request(TypeUrl.Cluster);
    t.nack(t.one());
    t.request(TypeUrl.RouteConfiguration, ['r']);
    expect(names(t.one())).toEqual(['r']);
  });

  it('names the endpoints of changed clusters, and resends them on request even if unchanged', () => {
    const t = setup();
    t.publish([cluster('c', { serviceName: 'svc' }), endpoints('svc')]);
    t.request(TypeUrl.Cluster);
    const c1 = t.one();
    expect(c1.edsNames).toEqual(['svc']);
    t.ack(c1);
    t.request(TypeUrl.ClusterLoadAssignment, ['svc']);
    const e1 = t.one();
    t.ack(e1, ['svc']);
    t.publish([cluster('c', { serviceName: 'svc', connectTimeoutSeconds: 2 }), endpoints('svc')]);
    const c2 = t.one();
    expect(c2.edsNames).toEqual(['svc']);
    t.stream.forceEndpoints(c2.edsNames);
    t.ack(c2);
    const e2 = t.one();
    expect(names(e2)).toEqual(['svc']);
    expect(e2.versionInfo).toBe(e1.versionInfo);
  });

  it('skips the resend for a reconnecting wildcard client that holds the current version', () => {
    const resources = [cluster('c1'), cluster('c2')];
    const before = setup();
    before.publish(resources);
    before.request(TypeUrl.Cluster);
    const version = before.one().versionInfo;

    const same = setup();
    same.publish(resources);
    same.request(TypeUrl.Cluster, [], { versionInfo: version });
    expect(same.drain()).toEqual([]);
    same.publish([cluster('c1')]);
    expect(names(same.one())).toEqual(['c1']);

    const other = setup();
    other.publish(resources);
    other.request(TypeUrl.Cluster, [], { versionInfo: 'some-other-version' });
    expect(names(other.one()).sort()).toEqual(['c1', 'c2']);

    // A fixed set of names cannot prove what the client holds, so it is always sent.
    const named = setup();
    named.publish(resources);
    named.request(TypeUrl.Cluster, ['c1'], { versionInfo: version });
    expect(names(named.one())).toEqual(['c1']);
  });

  it('shows a gRPC client the gRPC view and never a Secret', () => {
    const t = setup();
    t.publish([
      listener('shared'),
      listener('envoy', { audience: 'envoy' }),
      listener('grpc', { audience: 'grpc' }),
    ]);
    t.stream.handleRequest({
      versionInfo: '',
      node: GRPC,
      resourceNames: ['*'],
      typeUrl: TypeUrl.Secret,
      responseNonce: '',
      errorDetail: undefined,
    });
    t.request(TypeUrl.Listener);
    const [lds, sds] = t.drainAcking();
    expect(names(lds as PendingResponse).sort()).toEqual(['grpc', 'shared']);
    expect((sds as PendingResponse).resources).toEqual([]);
  });
});
