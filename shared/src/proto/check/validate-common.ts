/** Helpers shared by the `(validate.rules)` checks. */

/** The value as a record when it is a plain object. */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** A repeated option value as a list (protobufjs keeps a single value bare). */
export function list(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Renders a value for a problem line; durations, the only bigints here, count nanoseconds. */
export const showValue = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${String(v)}ns` : v));

/** One rule violation, worded the same everywhere. */
export const violation = (rule: string, limit: unknown, got: unknown): string =>
  `violates (validate.rules).${rule} = ${showValue(limit)} (got ${showValue(got)})`;

/** The `in` / `not_in` rules of any kind. */
export function membership(
  kind: string,
  rules: Record<string, unknown>,
  value: unknown,
  problems: string[],
): void {
  const same = (a: unknown, b: unknown): boolean => a === b || String(a) === String(b);
  const allowed = list(rules.in);
  if (allowed.length > 0 && !allowed.some((a) => same(a, value))) {
    problems.push(violation(`${kind}.in`, allowed, value));
  }
  const banned = list(rules.not_in);
  if (banned.some((b) => same(b, value))) problems.push(violation(`${kind}.not_in`, banned, value));
}
