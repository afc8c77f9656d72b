import { describe, expect, it } from 'vitest';
import { applyJsonPatch, applyMergePatch } from './json-patch.js';

describe('applyMergePatch (RFC 7386)', () => {
  it('merges objects, removes null keys, replaces arrays and leaves the target untouched', () => {
    const target = { a: 1, b: { c: 2, d: 3 }, list: [1, 2] };
    const result = applyMergePatch(target, { b: { c: null, e: 4 }, list: [3], f: 'x' });
    expect(result).toEqual({ a: 1, b: { d: 3, e: 4 }, list: [3], f: 'x' });
    expect(target).toEqual({ a: 1, b: { c: 2, d: 3 }, list: [1, 2] });
  });
});

describe('applyJsonPatch (RFC 6902)', () => {
  const doc = { metadata: { labels: { 'a/b': 'x' } }, items: [1, 2, 3] };

  it('applies add, replace, remove, move, copy and test', () => {
    const result = applyJsonPatch(doc, [
      { op: 'test', path: '/items/0', value: 1 },
      { op: 'add', path: '/items/-', value: 4 },
      { op: 'replace', path: '/metadata/labels/a~1b', value: 'y' },
      { op: 'remove', path: '/items/1' },
      { op: 'copy', from: '/items/0', path: '/first' },
      { op: 'move', from: '/first', path: '/moved' },
    ]);
    expect(result).toEqual({
      ok: true,
      value: { metadata: { labels: { 'a/b': 'y' } }, items: [1, 3, 4], moved: 1 },
    });
    expect(doc.items).toEqual([1, 2, 3]);
  });

  it('fails as a whole when one operation cannot apply', () => {
    expect(applyJsonPatch(doc, [{ op: 'test', path: '/items/0', value: 9 }]).ok).toBe(false);
    expect(applyJsonPatch(doc, [{ op: 'replace', path: '/missing', value: 1 }]).ok).toBe(false);
    expect(applyJsonPatch(doc, { op: 'add' }).ok).toBe(false);
  });
});
