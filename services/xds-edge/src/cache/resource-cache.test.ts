import { fullChange, TypeUrl, type Resource, type Snapshot } from '@sesame/shared';
import { describe, expect, it } from 'vitest';
import {
  cluster,
  endpoints,
  listener,
  routeConfig,
  secret,
  snapshotOf,
  updateSequence,
} from '../../../../test/xds/resources.js';
import { createResourceCache, type CacheWatcher, type ResourceCache } from './resource-cache.js';

/** Feeds a cache the way the bus does: a full state first, then diffs. */
function feeder(cache: ResourceCache): (resources: Resource[]) => Snapshot {
  const next = updateSequence();
  return (resources) => {
    const update = next(resources);
    cache.update(update, 0);
    return update.snapshot;
  };
}

/** Records what a watcher is told. */
function recorder(): CacheWatcher & { events: Array<[string, string[] | null]>; updates: number } {
  const w = {
    events: [] as Array<[string, string[] | null]>,
    updates: 0,
    resourcesChanged(typeUrl: TypeUrl, names: ReadonlySet<string> | null) {
      w.events.push([typeUrl, names === null ? null : [...names].sort()]);
    },
    updated() {
      w.updates++;
    },
  };
  return w;
}

describe('resource cache', () => {
  it('is not ready until the first snapshot', () => {
    const cache = createResourceCache();
    expect(cache.ready()).toBe(false);
    expect(cache.snapshotVersion()).toBeUndefined();
    const snapshot = feeder(cache)([listener('l')]);
    expect(cache.ready()).toBe(true);
    expect(cache.snapshotVersion()).toBe(snapshot.version);
  });

  it('splits resources into views by audience, and never shows a Secret to gRPC clients', () => {
    const cache = createResourceCache();
    feeder(cache)([
      listener('shared'),
      listener('envoy-only', { audience: 'envoy' }),
      listener('grpc-only', { audience: 'grpc' }),
      secret('s'),
    ]);
    expect([...cache.get('envoy', TypeUrl.Listener).resources.keys()].sort()).toEqual([
      'envoy-only',
      'shared',
    ]);
    expect([...cache.get('grpc', TypeUrl.Listener).resources.keys()].sort()).toEqual(['grpc-only', 'shared']);
    expect(cache.get('envoy', TypeUrl.Secret).resources.size).toBe(1);
    expect(cache.get('grpc', TypeUrl.Secret).resources.size).toBe(0);
  });

  it('derives view versions from content only: same content, same version, whatever the history', () => {
    const a = createResourceCache();
    const b = createResourceCache();
    const feedA = feeder(a);
    feedA([listener('l1'), listener('l2', { port: 1 })]);
    feedA([listener('l1'), listener('l2', { port: 2 })]);
    feeder(b)([listener('l2', { port: 2 }), listener('l1')]);
    expect(a.get('envoy', TypeUrl.Listener).version).toBe(b.get('envoy', TypeUrl.Listener).version);
    expect(a.get('envoy', TypeUrl.Listener).version).not.toBe(a.get('grpc', TypeUrl.Listener).version);
  });

  it('keeps a view version when only the other view changes', () => {
    const cache = createResourceCache();
    const feed = feeder(cache);
    feed([listener('l1')]);
    const envoy = cache.get('envoy', TypeUrl.Listener).version;
    const grpc = cache.get('grpc', TypeUrl.Listener).version;
    feed([listener('l1'), listener('g', { audience: 'grpc' })]);
    expect(cache.get('envoy', TypeUrl.Listener).version).toBe(envoy);
    expect(cache.get('grpc', TypeUrl.Listener).version).not.toBe(grpc);
  });

  it('tells every interest to re-evaluate on the first snapshot', () => {
    const cache = createResourceCache();
    const w = recorder();
    cache.interest('envoy', TypeUrl.Cluster, w).set(true, new Set());
    cache.interest('envoy', TypeUrl.ClusterLoadAssignment, w).set(false, new Set(['x']));
    feeder(cache)([]);
    expect(w.events).toEqual([
      [TypeUrl.Cluster, null],
      [TypeUrl.ClusterLoadAssignment, null],
    ]);
    expect(w.updates).toBe(1);
  });

  it('wakes only the watchers of changed names, plus wildcard watchers', () => {
    const cache = createResourceCache();
    const feed = feeder(cache);
    feed([endpoints('a'), endpoints('b')]);
    const onA = recorder();
    const onB = recorder();
    const all = recorder();
    const grpc = recorder();
    cache.interest('envoy', TypeUrl.ClusterLoadAssignment, onA).set(false, new Set(['a']));
    cache.interest('envoy', TypeUrl.ClusterLoadAssignment, onB).set(false, new Set(['b']));
    cache.interest('envoy', TypeUrl.ClusterLoadAssignment, all).set(true, new Set());
    cache.interest('grpc', TypeUrl.ClusterLoadAssignment, grpc).set(false, new Set(['a']));
    feed([endpoints('a', { ports: [1] }), endpoints('b'), endpoints('c', { audience: 'envoy' })]);
    expect(onA.events).toEqual([[TypeUrl.ClusterLoadAssignment, ['a']]]);
    expect(onB.events).toEqual([]);
    expect(onB.updates).toBe(0);
    expect(all.events).toEqual([[TypeUrl.ClusterLoadAssignment, ['a', 'c']]]);
    expect(grpc.events).toEqual([[TypeUrl.ClusterLoadAssignment, ['a']]]);
  });

  it('reports names that appear later, removals, and moves out of a view', () => {
    const cache = createResourceCache();
    const feed = feeder(cache);
    feed([routeConfig('r1'), routeConfig('r2')]);
    const w = recorder();
    const i = cache.interest('grpc', TypeUrl.RouteConfiguration, w);
    i.set(false, new Set(['r1', 'r2', 'later']));
    feed([routeConfig('r1', { audience: 'envoy' }), routeConfig('later')]);
    expect(w.events).toEqual([[TypeUrl.RouteConfiguration, ['later', 'r1', 'r2']]]);
    i.close();
    feed([routeConfig('r1')]);
    expect(w.events).toHaveLength(1);
  });

  it('notifies in make-before-break type order, then calls updated once', () => {
    const cache = createResourceCache();
    const feed = feeder(cache);
    feed([]);
    const w = recorder();
    for (const t of [
      TypeUrl.RouteConfiguration,
      TypeUrl.Listener,
      TypeUrl.ClusterLoadAssignment,
      TypeUrl.Cluster,
    ]) {
      cache.interest('envoy', t, w).set(true, new Set());
    }
    feed([routeConfig('r'), listener('l'), endpoints('e'), cluster('c')]);
    expect(w.events.map(([t]) => t)).toEqual([
      TypeUrl.Cluster,
      TypeUrl.ClusterLoadAssignment,
      TypeUrl.Listener,
      TypeUrl.RouteConfiguration,
    ]);
    expect(w.updates).toBe(1);
  });

  it('resynchronises from a full state by diffing, so only real differences are reported', () => {
    const cache = createResourceCache();
    feeder(cache)([endpoints('a'), endpoints('b')]);
    const w = recorder();
    cache.interest('envoy', TypeUrl.ClusterLoadAssignment, w).set(true, new Set());
    const next = snapshotOf([endpoints('a'), endpoints('c')]);
    cache.update({ snapshot: next, change: fullChange(next) }, 0);
    expect(w.events).toEqual([[TypeUrl.ClusterLoadAssignment, ['b', 'c']]]);
    expect([...cache.get('envoy', TypeUrl.ClusterLoadAssignment).resources.keys()].sort()).toEqual([
      'a',
      'c',
    ]);
  });

  it('finds the EDS service name of a cluster', () => {
    const cache = createResourceCache();
    const withService = cluster('c1', { serviceName: 'ns/svc/http' });
    const plain = cluster('c2');
    feeder(cache)([withService, plain]);
    expect(cache.edsServiceName(withService)).toBe('ns/svc/http');
    expect(cache.edsServiceName(plain)).toBe('c2');
  });
});
