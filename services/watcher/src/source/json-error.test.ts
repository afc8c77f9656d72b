import { describe, expect, it } from 'vitest';
import { jsonErrorOffset } from './json-error.js';

describe('jsonErrorOffset', () => {
  it.each([
    ['{}', undefined],
    ['  {"a": [1, -2.5e3, true, false, null, "x\\n\\u00e9"], "b": {}}\n', undefined],
    ['{\n  "kind": \n}', 13],
    ['{"a": 1,}', 8],
    ['[1 2]', 3],
    ['{"a": tru}', 9],
    ['"unterminated', 13],
    ['{} extra', 3],
    ['', 0],
    ['-', 0],
    ['"bad \\q escape"', 6],
  ])('%j → %s', (text, offset) => {
    expect(jsonErrorOffset(text)).toBe(offset);
    if (offset === undefined) expect(() => JSON.parse(text) as unknown).not.toThrow();
    else expect(() => JSON.parse(text) as unknown).toThrow();
  });
});
