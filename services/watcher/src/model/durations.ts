import type { Result } from '@sesame/shared';
import type { Duration } from './model.js';

/** A timeout as Contour's timeout.Parse reads it: use Envoy's default, disable it, or a duration. */
export type TimeoutSetting =
  | { readonly kind: 'default' }
  | { readonly kind: 'disabled' }
  | { readonly kind: 'duration'; readonly duration: Duration };

const UNIT_NANOS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n,
  μs: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
const COMPONENT = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/;
/** Envoy's Duration limit (about 10,000 years). */
const MAX_SECONDS = 315_576_000_000n;

/**
 * Go's time.ParseDuration, which Contour's timeouts use: "1.5s", "2m30s", "300ms"; a bare "0" is zero.
 * Returns nanoseconds.
 */
export function parseGoDuration(text: string): Result<bigint, string> {
  const bad: Result<bigint, string> = { ok: false, errors: `invalid duration "${text}"` };
  let rest = text;
  let sign = 1n;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1n : 1n;
    rest = rest.slice(1);
  }
  if (rest === '0') return { ok: true, value: 0n };
  if (rest === '') return bad;
  let total = 0n;
  while (rest !== '') {
    const m = COMPONENT.exec(rest);
    const unit = m?.[3];
    if (m === null || unit === undefined || (m[1] === '' && (m[2] ?? '') === '')) return bad;
    const scale = UNIT_NANOS[unit] ?? 1n;
    const whole = BigInt(m[1] === '' ? '0' : (m[1] ?? '0'));
    const fraction = m[2] ?? '';
    const fractionNanos = fraction === '' ? 0n : (BigInt(fraction) * scale) / 10n ** BigInt(fraction.length);
    total += whole * scale + fractionNanos;
    rest = rest.slice(m[0].length);
  }
  return { ok: true, value: sign * total };
}

/** Nanoseconds as a protobuf Duration. */
export function toDuration(nanos: bigint): Duration {
  return { seconds: Number(nanos / 1_000_000_000n), nanos: Number(nanos % 1_000_000_000n) };
}

/** Contour's timeout.Parse: '' is the default, "infinity" (or "infinite") disables, else a non-negative duration. */
export function parseTimeout(text: string): Result<TimeoutSetting, string> {
  if (text === '') return { ok: true, value: { kind: 'default' } };
  if (text === 'infinity' || text === 'infinite') return { ok: true, value: { kind: 'disabled' } };
  const parsed = parseGoDuration(text);
  if (!parsed.ok) return { ok: false, errors: `error parsing timeout: ${parsed.errors}` };
  if (parsed.value < 0n) return { ok: false, errors: `timeout "${text}" cannot be negative` };
  if (parsed.value / 1_000_000_000n > MAX_SECONDS)
    return { ok: false, errors: `timeout "${text}" is too long` };
  return { ok: true, value: { kind: 'duration', duration: toDuration(parsed.value) } };
}

/** The Duration of a setting for Envoy: undefined keeps Envoy's default, zero disables. */
export function timeoutDuration(setting: TimeoutSetting): Duration | undefined {
  switch (setting.kind) {
    case 'default':
      return undefined;
    case 'disabled':
      return { seconds: 0, nanos: 0 };
    case 'duration':
      return setting.duration;
  }
}
