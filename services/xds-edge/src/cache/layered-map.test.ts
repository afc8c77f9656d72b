import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LayeredMap } from './layered-map.js';

/** What a copied Map gives for the same edits: the model the layered map must match. */
function applied(
  model: Map<string, number>,
  edits: ReadonlyMap<string, number | undefined>,
): Map<string, number> {
  const next = new Map(model);
  for (const [key, value] of edits) {
    if (value === undefined) next.delete(key);
    else next.set(key, value);
  }
  return next;
}

describe('LayeredMap', () => {
  it('holds what a copied Map holds after any sequence of updates, old versions unchanged', () => {
    const edit = fc.tuple(
      fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'),
      fc.option(fc.nat(9), { nil: undefined }),
    );
    fc.assert(
      fc.property(fc.array(fc.array(edit, { maxLength: 4 }), { maxLength: 30 }), (updates) => {
        let layered = LayeredMap.empty<number>();
        let model = new Map<string, number>();
        const history: Array<[LayeredMap<number>, Map<string, number>]> = [];
        for (const update of updates) {
          const edits = new Map(update);
          layered = layered.with(edits);
          model = applied(model, edits);
          history.push([layered, model]);
        }
        for (const [map, expected] of history) {
          expect(new Map(map)).toEqual(expected);
          expect(map.size).toBe(expected.size);
          for (const key of ['a', 'b', 'c', 'd', 'e', 'f', 'z']) {
            expect(map.get(key)).toBe(expected.get(key));
            expect(map.has(key)).toBe(expected.has(key));
          }
        }
      }),
    );
  });

  it('iterates like a copied Map: changed values in place, added keys last', () => {
    const base = LayeredMap.empty<number>().with(
      new Map([
        ['a', 1],
        ['b', 2],
        ['c', 3],
      ]),
    );
    const next = base.with(
      new Map<string, number | undefined>([
        ['d', 4],
        ['b', 20],
        ['a', undefined],
      ]),
    );
    expect([...next.keys()]).toEqual(['b', 'c', 'd']);
    expect([...next.values()]).toEqual([20, 3, 4]);
    expect([...base.entries()]).toEqual([
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ]);
  });

  it('copies only the changes for a small update of a big map, and folds them in beyond √n', () => {
    const big = LayeredMap.empty<number>().with(
      new Map(Array.from({ length: 10_000 }, (_, i) => [`n${i}`, i])),
    );
    expect(big.layered()).toBe(0);
    let map = big;
    for (let i = 1; i <= 100; i++) {
      map = map.with(new Map([[`n${i}`, -i]]));
      // Each update carries over the changes so far, never the 10,000 names.
      expect(map.layered()).toBe(i);
    }
    map = map.with(new Map([['n101', -101]]));
    expect(map.layered()).toBe(0);
    expect(map.get('n50')).toBe(-50);
    expect(map.size).toBe(10_000);
  });
});
