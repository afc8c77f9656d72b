import { describe, expect, it } from 'vitest';
import { compileString } from './string-rules.js';

function problems(rules: Record<string, unknown>, value: string): string[] {
  const found: string[] = [];
  compileString(rules)?.(value, found);
  return found;
}

describe('compileString length rules', () => {
  it('counts code points, not UTF-16 units, whether or not the length alone decides', () => {
    const cases: [Record<string, unknown>, string, boolean][] = [
      [{ min_len: 1 }, '', false],
      [{ min_len: 1 }, 'a', true],
      [{ min_len: 2 }, '😀', false],
      [{ min_len: 2 }, '😀a', true],
      [{ min_len: 2 }, 'abcd', true],
      [{ max_len: 1 }, '😀', true],
      [{ max_len: 1 }, 'ab', false],
      [{ max_len: 2 }, '😀😀', true],
      [{ max_len: 2 }, '😀😀😀', false],
      [{ len: 1 }, '😀', true],
      [{ len: 2 }, '😀', false],
      [{ min_bytes: 2 }, 'é', true],
      [{ min_bytes: 3 }, 'é', false],
      [{ max_bytes: 3 }, '€', true],
      [{ max_bytes: 2 }, '€', false],
      [{ max_bytes: 6 }, 'ab', true],
      [{ len_bytes: 4 }, '😀', true],
    ];
    for (const [rules, value, ok] of cases) {
      expect({ rules, value, ok: problems(rules, value).length === 0 }).toEqual({ rules, value, ok });
    }
  });
});
