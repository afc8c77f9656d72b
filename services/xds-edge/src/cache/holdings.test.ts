import { TypeUrl } from '@sesame/shared';
import { describe, expect, it } from 'vitest';
import { endpoints, updateSequence } from '../../../../test/xds/resources.js';
import { Holdings } from './holdings.js';
import { createResourceCache } from './resource-cache.js';

describe('holdings', () => {
  const cache = createResourceCache();
  const next = updateSequence();
  const a = endpoints('a');
  const b = endpoints('b');
  cache.update(next([a, b, endpoints('c')]), 0);
  const view = cache.get('envoy', TypeUrl.ClusterLoadAssignment);

  it('holds a shared view within a coverage, plus the few names that differ', () => {
    const h = new Holdings();
    h.reset(view, { wildcard: false, names: new Set(['a', 'b']) });
    expect(h.get('a')).toBe(a.version);
    expect(h.get('c')).toBeUndefined();
    h.set('a', 'older');
    h.set('b', undefined);
    expect([h.get('a'), h.get('b')]).toEqual(['older', undefined]);
    expect([...h.names()].sort()).toEqual(['a']);
    expect(h.overrideCount()).toBe(2);
    // Back to the base version: the override goes away.
    h.set('a', a.version);
    expect(h.overrideCount()).toBe(1);
  });

  it('covers every name of the view under a wildcard, and nothing after clear', () => {
    const h = new Holdings();
    h.reset(view, { wildcard: true, names: new Set() });
    expect([...h.names()].sort()).toEqual(['a', 'b', 'c']);
    h.clear();
    expect(h.get('a')).toBeUndefined();
    h.set('z', 'v1');
    expect([...h.names()]).toEqual(['z']);
  });
});
