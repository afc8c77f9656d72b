import { describe, expect, it } from 'vitest';
import { binomialBounds, binomialPmf } from './binomial.js';

describe('binomialBounds', () => {
  const tail = (pmf: number[], from: number, to: number): number =>
    pmf.slice(from, to + 1).reduce((sum, x) => sum + x, 0);

  it('matches a case worked by hand: 10 fair coins, 1% in all', () => {
    // P(X = 0) = 1/1024 fits in the 0.5% below; P(X ≤ 1) = 11/1024 does not. The same above, by symmetry.
    expect(binomialBounds(10, 0.5, 0.01)).toEqual({ lo: 1, hi: 9 });
  });

  it('leaves at most alpha/2 outside on each side, and is as narrow as that allows', () => {
    for (const [n, p, alpha] of [
      [200, 0.2, 1e-6],
      [400, 0.2, 1e-6],
      [1000, 0.05, 1e-3],
    ] as const) {
      const pmf = binomialPmf(n, p);
      expect(tail(pmf, 0, n)).toBeCloseTo(1, 9);
      const { lo, hi } = binomialBounds(n, p, alpha);
      expect(lo).toBeLessThan(n * p);
      expect(hi).toBeGreaterThan(n * p);
      expect(tail(pmf, 0, lo - 1)).toBeLessThanOrEqual(alpha / 2);
      expect(tail(pmf, hi + 1, n)).toBeLessThanOrEqual(alpha / 2);
      expect(tail(pmf, 0, lo)).toBeGreaterThan(alpha / 2);
      expect(tail(pmf, hi, n)).toBeGreaterThan(alpha / 2);
    }
  });
});
