/** Helpers shared by the compiled `(validate.rules)` checks (same wording as the shared checker). */
/** One `FieldRules` message as a plain object, e.g. `{ string: { min_len: 1 } }`. */
export type Rules = Readonly<Record<string, unknown>>;

/** A compiled check of one value; pushes problem texts (without the path). */
export type ValueCheck = (value: unknown, problems: string[]) => void;

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

function showValue(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${String(v)}ns` : v));
}

/** One rule violation, worded as the shared checker words it. */
export function violation(rule: string, limit: unknown, got: unknown): string {
  return `violates (validate.rules).${rule} = ${showValue(limit)} (got ${showValue(got)})`;
}

/** The integer a JSON value spells, or undefined. */
export function toBigInt(value: unknown): bigint | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : undefined;
  if (typeof value === 'string') return /^-?\d+$/.test(value) ? BigInt(value) : undefined;
  if (typeof value === 'bigint') return value;
  const r = asRecord(value);
  if (r !== undefined && typeof r['low'] === 'number' && typeof r['high'] === 'number') {
    const combined = (BigInt(r['high'] >>> 0) << 32n) | BigInt(r['low'] >>> 0);
    return r['unsigned'] === true || combined < 2n ** 63n ? combined : combined - 2n ** 64n;
  }
  return undefined;
}

/** The number a JSON value spells for a float field, or undefined. */
export function toFloat(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  if (value === 'NaN') return Number.NaN;
  if (value === 'Infinity') return Number.POSITIVE_INFINITY;
  if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
  const parsed = Number(value);
  return Number.isNaN(parsed) ? undefined : parsed;
}

const DURATION = /^(-?)(\d+)(?:\.(\d{1,9}))?s$/;

/** A Duration in nanoseconds, from "1.5s" or `{ seconds, nanos }`; else undefined. */
export function durationNanos(value: unknown): bigint | undefined {
  if (typeof value === 'string') {
    const match = DURATION.exec(value);
    if (match === null) return undefined;
    const nanos = BigInt(match[2] ?? '0') * 1_000_000_000n + BigInt((match[3] ?? '').padEnd(9, '0'));
    return match[1] === '-' ? -nanos : nanos;
  }
  const r = asRecord(value);
  if (r === undefined) return undefined;
  const s = r['seconds'] === undefined ? 0n : toBigInt(r['seconds']);
  const n = r['nanos'] === undefined ? 0n : toBigInt(r['nanos']);
  return s === undefined || n === undefined ? undefined : s * 1_000_000_000n + n;
}

function same(a: unknown, b: unknown): boolean {
  return a === b || String(a) === String(b);
}

/** `in` / `not_in`, compiled; undefined when the rules have neither. */
export function membership(kind: string, rules: Record<string, unknown>): ValueCheck | undefined {
  const allowed = list(rules['in']);
  const banned = list(rules['not_in']);
  if (allowed.length === 0 && banned.length === 0) return undefined;
  return (value, problems) => {
    if (allowed.length > 0 && !allowed.some((a) => same(a, value))) {
      problems.push(violation(`${kind}.in`, allowed, value));
    }
    if (banned.some((b) => same(b, value))) problems.push(violation(`${kind}.not_in`, banned, value));
  };
}

type Compare = (v: number | bigint, limit: number | bigint) => boolean;
const COMPARISONS: readonly (readonly [string, Compare])[] = [
  // Loose equality on purpose: it compares a bigint with a number by value.
  ['const', (v, l) => v == l],
  ['lt', (v, l) => v < l],
  ['lte', (v, l) => v <= l],
  ['gt', (v, l) => v > l],
  ['gte', (v, l) => v >= l],
];

/** Numeric bounds, compiled; `nanos` compares durations in nanoseconds. */
export function bounds(kind: string, rules: Record<string, unknown>, nanos: boolean): ValueCheck[] {
  const checks: ValueCheck[] = [];
  for (const [name, ok] of COMPARISONS) {
    const raw = rules[name];
    if (raw === undefined) continue;
    const limit = nanos ? (durationNanos(raw) ?? toBigInt(raw)) : toFloat(raw);
    if (limit === undefined) continue;
    checks.push((value, problems) => {
      if (!ok(value as number | bigint, limit)) problems.push(violation(`${kind}.${name}`, raw, value));
    });
  }
  return checks;
}

/** All of `checks` as one check, or undefined when there is none. */
export function all(checks: readonly (ValueCheck | undefined)[]): ValueCheck | undefined {
  const present = checks.filter((c): c is ValueCheck => c !== undefined);
  if (present.length === 0) return undefined;
  if (present.length === 1) return present[0];
  return (value, problems) => {
    for (const check of present) check(value, problems);
  };
}
