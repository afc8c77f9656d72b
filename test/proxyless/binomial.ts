// Bounds for counting tests: how far a correct random split may stray, so a test that counts outcomes fails
// by chance only with a probability it chooses, instead of a window tuned by hand.

/** The interval [lo, hi] that Binomial(n, p) leaves with probability at most `alpha` (at most alpha/2 per side). */
export function binomialBounds(n: number, p: number, alpha: number): { lo: number; hi: number } {
  const pmf = binomialPmf(n, p);
  let lo = 0;
  // P(X < lo + 1) = P(X < lo) + pmf(lo): move lo up while the tail below it stays within alpha / 2.
  for (let below = 0; lo < n && below + (pmf[lo] ?? 0) <= alpha / 2; lo++) below += pmf[lo] ?? 0;
  let hi = n;
  for (let above = 0; hi > 0 && above + (pmf[hi] ?? 0) <= alpha / 2; hi--) above += pmf[hi] ?? 0;
  return { lo, hi };
}

/** P(X = k) for k = 0…n, by the ratio of successive terms (no factorials, no overflow for n in the thousands). */
export function binomialPmf(n: number, p: number): number[] {
  const pmf = [Math.pow(1 - p, n)];
  for (let k = 0; k < n; k++) pmf.push((pmf[k] ?? 0) * ((n - k) / (k + 1)) * (p / (1 - p)));
  return pmf;
}
