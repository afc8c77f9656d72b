import { encodeMessage } from '@sesame/shared';
import { describe, expect, it } from 'vitest';
import { decodeDiscoveryRequest, DiscoveryMessage } from '../protocol/codec.js';
import { createNameSetTable, EMPTY_NAMES } from './name-sets.js';

const encoded = (names: string[]): Uint8Array =>
  decodeDiscoveryRequest(encodeMessage(DiscoveryMessage.Request, { resource_names: names }))
    .resourceNamesRaw ?? new Uint8Array();

describe('name set table', () => {
  it('shares one set per content, whatever the order, and forgets it with its last reference', () => {
    const table = createNameSetTable();
    const a = table.acquire(['x', 'y']);
    const b = table.acquire(new Set(['y', 'x']));
    expect(b).toBe(a);
    expect(table.refs(a)).toBe(2);
    table.release(a);
    expect(table.size()).toBe(1);
    table.release(b);
    expect(table.size()).toBe(0);
    expect(table.acquire(['x', 'y'])).not.toBe(a);
  });

  it('never counts the empty set', () => {
    const table = createNameSetTable();
    expect(table.acquire([])).toBe(EMPTY_NAMES);
    expect(table.acquireEncoded(new Uint8Array(), () => [])).toBe(EMPTY_NAMES);
    table.release(EMPTY_NAMES);
    expect(table.size()).toBe(0);
  });

  it('recognises a repeated encoding without decoding it', () => {
    const table = createNameSetTable();
    let decodes = 0;
    const decode = (names: string[]) => () => {
      decodes++;
      return names;
    };
    const first = table.acquireEncoded(encoded(['a', 'b']), decode(['a', 'b']));
    expect(table.isEncodingOf(first, encoded(['a', 'b']))).toBe(true);
    expect(table.isEncodingOf(first, encoded(['b', 'a']))).toBe(false);
    expect(table.acquireEncoded(encoded(['a', 'b']), decode(['a', 'b']))).toBe(first);
    expect(decodes).toBe(1);
    // Another order is another encoding of the same set: decoded once, then known.
    expect(table.acquireEncoded(encoded(['b', 'a']), decode(['b', 'a']))).toBe(first);
    expect(table.acquireEncoded(encoded(['b', 'a']), decode(['b', 'a']))).toBe(first);
    expect(decodes).toBe(2);
    expect(table.refs(first)).toBe(4);
  });
});
