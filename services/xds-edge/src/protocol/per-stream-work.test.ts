// Work per stream must follow what changed, not the size of the snapshot: counted, not timed.
import { TypeUrl, type Resource } from '@sesame/shared';
import { describe, expect, it } from 'vitest';
import { cluster, endpoints, updateSequence } from '../../../../test/xds/resources.js';
import { createResourceCache, type ResourceCache, type TypeView } from '../cache/resource-cache.js';
import type { ViewName } from '../cache/views.js';
import { encodeDiscoveryRequest, decodeDiscoveryRequest } from './codec.js';
import { SotwStream } from './sotw-stream.js';
import type { PendingResponse } from './sotw-type-state.js';

const CLUSTERS = 10_000;
const edsName = (i: number): string => `ns/svc-${i}/http`;

/** The cache as streams see it, counting every read of a type view's resources. */
function countingCache(cache: ResourceCache) {
  const reads = { lookups: 0, iterated: 0 };
  const counted = new WeakMap<TypeView, TypeView>();
  const wrap = (tv: TypeView): TypeView => {
    let c = counted.get(tv);
    if (c !== undefined) return c;
    const inner = tv.resources;
    const resources: ReadonlyMap<string, Resource> = {
      get size() {
        return inner.size;
      },
      get(name) {
        reads.lookups++;
        return inner.get(name);
      },
      has(name) {
        reads.lookups++;
        return inner.has(name);
      },
      *entries(): MapIterator<[string, Resource]> {
        for (const e of inner.entries()) {
          reads.iterated++;
          yield e;
        }
      },
      *keys(): MapIterator<string> {
        for (const [k] of resources.entries()) yield k;
      },
      *values(): MapIterator<Resource> {
        for (const [, v] of resources.entries()) yield v;
      },
      [Symbol.iterator]: () => resources.entries(),
      forEach(fn) {
        for (const [k, v] of resources.entries()) fn(v, k, resources);
      },
    };
    c = { ...tv, resources };
    counted.set(tv, c);
    return c;
  };
  const view: ResourceCache = { ...cache, get: (v: ViewName, t: TypeUrl) => wrap(cache.get(v, t)) };
  return { view, reads };
}

/** An Envoy on ADS: CDS wildcard, then EDS for `names`; every response ACKed with its whole name list. */
function envoy(cache: ResourceCache, names: readonly string[]) {
  let wakes = 0;
  const stream = new SotwStream({ cache, wake: () => wakes++ });
  const lists = new Map<string, readonly string[]>([
    [TypeUrl.Cluster, []],
    [TypeUrl.ClusterLoadAssignment, names],
  ]);
  // Requests go through the wire codec, as in production: an ACK repeats the list byte for byte.
  const request = (typeUrl: string, version = '', nonce = '') =>
    stream.handleRequest(
      decodeDiscoveryRequest(
        encodeDiscoveryRequest({
          type_url: typeUrl,
          version_info: version,
          response_nonce: nonce,
          resource_names: lists.get(typeUrl) ?? [],
          node: { id: 'envoy', user_agent_name: 'envoy' },
        }),
        stream.knownNameEncodings(),
      ),
    );
  const drainAcking = (): PendingResponse[] => {
    const out: PendingResponse[] = [];
    for (let r = stream.nextResponse(); r !== undefined; r = stream.nextResponse()) {
      out.push(r);
      request(r.typeUrl, r.versionInfo, r.nonce);
    }
    return out;
  };
  request(TypeUrl.Cluster);
  request(TypeUrl.ClusterLoadAssignment);
  drainAcking();
  return { wakes: () => wakes, drainAcking };
}

describe('per-stream work for one changed resource in a big snapshot', () => {
  it('wakes only the streams subscribed to it, which read only that name', () => {
    const cache = createResourceCache();
    const next = updateSequence();
    const resources = new Map<string, Resource>();
    for (let i = 0; i < CLUSTERS; i++) {
      for (const r of [cluster(`ns/svc-${i}/80`, { serviceName: edsName(i) }), endpoints(edsName(i))])
        resources.set(`${r.typeUrl} ${r.name}`, r);
    }
    cache.update(next(resources.values()), 0);
    const { view, reads } = countingCache(cache);
    const all = Array.from({ length: CLUSTERS }, (_, i) => edsName(i));
    const everything = [envoy(view, all), envoy(view, all)];
    const others = envoy(view, all.slice(0, 100));

    const changed = endpoints(edsName(5_000), { ports: [9001] });
    resources.set(`${changed.typeUrl} ${changed.name}`, changed);
    reads.lookups = 0;
    reads.iterated = 0;
    const wakes = [...everything, others].map((e) => e.wakes());
    cache.update(next(resources.values()), 1);

    expect(everything.map((e) => e.wakes())).toEqual(wakes.slice(0, 2).map((w) => w + 1));
    expect(others.wakes()).toBe(wakes[2]);
    for (const e of everything) {
      const sent = e.drainAcking();
      expect(sent.map((r) => r.resources.map((x) => x.name))).toEqual([[edsName(5_000)]]);
    }
    expect(others.drainAcking()).toEqual([]);
    // Both woken streams, each computing its response and taking its ACK: a handful of lookups each, never
    // a walk over the 10,000 endpoints (or clusters) of the snapshot.
    expect(reads.iterated).toBe(0);
    expect(reads.lookups).toBeLessThanOrEqual(2 * 8);
  });
});
