import { TypeUrl, type Resource } from '@sesame/shared';
import { describe, expect, it } from 'vitest';
import { cluster, endpoints, listener, secret, updateSequence } from '../../../../test/xds/resources.js';
import { createResourceCache } from '../cache/resource-cache.js';
import type { NodeInfo } from './codec.js';
import type { DeltaDiscoveryRequest } from './delta-codec.js';
import { DeltaStream } from './delta-stream.js';
import type { PendingDeltaResponse } from './delta-type-state.js';

const ENVOY: NodeInfo = { id: 'envoy-1', cluster: 'c', userAgentName: 'envoy', userAgentVersion: '' };

/** A delta stream on a cache, driven without sockets. */
function setup() {
  const cache = createResourceCache();
  const next = updateSequence();
  const stream = new DeltaStream({ cache, wake: () => undefined });
  let first = true;
  const t = {
    stream,
    cache,
    publish: (resources: Resource[]) => cache.update(next(resources), 0),
    request(typeUrl: string, extra: Partial<DeltaDiscoveryRequest> = {}) {
      const node = first ? ENVOY : undefined;
      first = false;
      return stream.handleRequest({
        node,
        typeUrl,
        subscribe: [],
        unsubscribe: [],
        initialResourceVersions: new Map(),
        responseNonce: '',
        errorDetail: undefined,
        ...extra,
      });
    },
    subscribe: (typeUrl: string, subscribe: string[], unsubscribe: string[] = []) =>
      t.request(typeUrl, { subscribe, unsubscribe }),
    drain(): PendingDeltaResponse[] {
      const out: PendingDeltaResponse[] = [];
      for (let r = stream.nextResponse(); r !== undefined; r = stream.nextResponse()) out.push(r);
      return out;
    },
    one(): PendingDeltaResponse {
      const all = t.drain();
      expect(all).toHaveLength(1);
      return all[0] as PendingDeltaResponse;
    },
    ack: (r: PendingDeltaResponse, extra: Partial<DeltaDiscoveryRequest> = {}) =>
      t.request(r.typeUrl, { responseNonce: r.nonce, ...extra }),
    nack: (r: PendingDeltaResponse) =>
      t.request(r.typeUrl, { responseNonce: r.nonce, errorDetail: { code: 3, message: 'bad' } }),
  };
  return t;
}

const names = (r: PendingDeltaResponse): string[] => r.resources.map((x) => x.name).sort();

describe('DeltaStream', () => {
  it('answers the first wildcard request even when there is nothing, with a nonce', () => {
    const t = setup();
    t.publish([cluster('c')]);
    t.request(TypeUrl.Listener);
    const r = t.one();
    expect(r.resources).toEqual([]);
    expect(r.removed).toEqual([]);
    expect(r.nonce).not.toBe('');
  });

  it('sends each resource with its own content version, then only what changed', () => {
    const t = setup();
    const c1 = cluster('c1');
    t.publish([c1, cluster('c2')]);
    t.request(TypeUrl.Cluster);
    const r1 = t.one();
    expect(names(r1)).toEqual(['c1', 'c2']);
    expect(r1.resources.find((r) => r.name === 'c1')?.version).toBe(c1.version);
    t.ack(r1);
    t.publish([c1, cluster('c2', { connectTimeoutSeconds: 9 }), cluster('c3')]);
    expect(names(t.one())).toEqual(['c2', 'c3']);
  });

  it('reports removals only for names the client knew', () => {
    const t = setup();
    t.publish([endpoints('a'), endpoints('b')]);
    t.subscribe(TypeUrl.ClusterLoadAssignment, ['a', 'b', 'never']);
    t.ack(t.one());
    t.publish([endpoints('b')]);
    const r = t.one();
    expect(r.removed).toEqual(['a']);
    expect(r.resources).toEqual([]);
  });

  it('answers every subscribed name, even one the client seems to hold (RemoveThenAdd)', () => {
    const t = setup();
    t.publish([endpoints('a')]);
    t.subscribe(TypeUrl.ClusterLoadAssignment, ['a']);
    t.ack(t.one());
    t.subscribe(TypeUrl.ClusterLoadAssignment, ['a']);
    expect(names(t.one())).toEqual(['a']);
  });

  it('ignores phantom unsubscribes and empty deltas', () => {
    const t = setup();
    t.publish([endpoints('a')]);
    t.subscribe(TypeUrl.ClusterLoadAssignment, ['a']);
    t.ack(t.one());
    t.subscribe(TypeUrl.ClusterLoadAssignment, [], ['not-subscribed']);
    t.subscribe(TypeUrl.ClusterLoadAssignment, []);
    expect(t.drain()).toEqual([]);
  });

  it('honours initial_resource_versions: sends what differs, removes what is gone', () => {
    const t = setup();
    const same = endpoints('same');
    t.publish([same, endpoints('changed', { ports: [2] })]);
    t.request(TypeUrl.ClusterLoadAssignment, {
      subscribe: ['same', 'changed', 'gone'],
      initialResourceVersions: new Map([
        ['same', same.version],
        ['changed', endpoints('changed').version],
        ['gone', 'old'],
      ]),
    });
    const r = t.one();
    expect(names(r)).toEqual(['changed']);
    expect(r.removed).toEqual(['gone']);
  });

  it('after wildcard plus X, unsubscribing X says X again', () => {
    const t = setup();
    t.publish([listener('x'), listener('y')]);
    t.request(TypeUrl.Listener, { subscribe: ['*', 'x'] });
    t.ack(t.one());
    t.subscribe(TypeUrl.Listener, [], ['x']);
    expect(names(t.one())).toEqual(['x']);
  });

  it('ends the wildcard when * is unsubscribed, keeping explicit names', () => {
    const t = setup();
    t.publish([cluster('a'), cluster('b')]);
    t.request(TypeUrl.Cluster);
    t.ack(t.one(), { subscribe: ['a'] });
    const again = t.one();
    expect(names(again)).toEqual(['a']);
    t.ack(again, { unsubscribe: ['*'] });
    t.publish([cluster('a'), cluster('b', { connectTimeoutSeconds: 3 })]);
    expect(t.drain()).toEqual([]);
    t.publish([cluster('a', { connectTimeoutSeconds: 3 }), cluster('b', { connectTimeoutSeconds: 3 })]);
    expect(names(t.one())).toEqual(['a']);
  });

  it('never resends a NACKed resource version, and sends the next one', () => {
    const t = setup();
    t.publish([secret('s')]);
    t.subscribe(TypeUrl.Secret, ['s']);
    t.ack(t.one());
    t.publish([secret('s', { serial: 2 })]);
    const rejected = t.one();
    expect(t.nack(rejected).outcome).toMatchObject({ kind: 'nack', message: 'bad' });
    expect(t.drain()).toEqual([]);
    t.publish([secret('s', { serial: 3 })]);
    const next = t.one();
    expect(next.resources[0]?.version).not.toBe(rejected.resources[0]?.version);
  });

  it('applies subscription changes carried by a stale ACK', () => {
    const t = setup();
    t.publish([endpoints('a'), endpoints('b')]);
    t.subscribe(TypeUrl.ClusterLoadAssignment, ['a']);
    const r1 = t.one();
    t.ack(r1);
    const stale = t.request(TypeUrl.ClusterLoadAssignment, { responseNonce: r1.nonce, subscribe: ['b'] });
    expect(stale.outcome).toEqual({ kind: 'stale' });
    expect(names(t.one())).toEqual(['b']);
  });

  it('holds one response in flight per type; the ACK opens the way for the latest state', () => {
    const t = setup();
    t.publish([endpoints('a')]);
    t.subscribe(TypeUrl.ClusterLoadAssignment, ['a']);
    const r1 = t.one();
    t.publish([endpoints('a', { ports: [1] })]);
    t.publish([endpoints('a', { ports: [2] })]);
    expect(t.drain()).toEqual([]);
    t.ack(r1);
    const r2 = t.one();
    expect(r2.resources[0]?.version).toBe(endpoints('a', { ports: [2] }).version);
  });

  it('re-sends unchanged endpoints on request, so a changed cluster leaves warming', () => {
    const t = setup();
    t.publish([cluster('c', { serviceName: 'svc' }), endpoints('svc')]);
    t.request(TypeUrl.Cluster);
    const c1 = t.one();
    expect(c1.edsNames).toEqual(['svc']);
    t.ack(c1);
    t.subscribe(TypeUrl.ClusterLoadAssignment, ['svc']);
    t.ack(t.one());
    t.stream.forceEndpoints(['svc']);
    expect(names(t.one())).toEqual(['svc']);
  });

  it('shares one interned name set between streams with the same subscription', () => {
    const a = setup();
    a.publish([endpoints('x'), endpoints('y')]);
    const b = new DeltaStream({ cache: a.cache, wake: () => undefined });
    a.subscribe(TypeUrl.ClusterLoadAssignment, ['x', 'y']);
    const request = {
      node: ENVOY,
      typeUrl: TypeUrl.ClusterLoadAssignment,
      subscribe: ['y', 'x'],
      unsubscribe: [],
      initialResourceVersions: new Map<string, string>(),
      responseNonce: '',
      errorDetail: undefined,
    };
    b.handleRequest(request);
    expect(a.cache.nameSets.size()).toBe(1);
    a.stream.close();
    b.close();
    expect(a.cache.nameSets.size()).toBe(0);
  });
});
