import type { Meta } from './kinds.js';

/**
 * Contour's annotations under Sesame's group. Contour's own spelling (`projectcontour.io/`) is read too, so
 * a manifest written for Contour means the same thing here; Sesame's wins when both are set.
 */
const PREFIXES = ['projectsesame.io/', 'projectcontour.io/'] as const;

/** The value of Contour annotation `key` (e.g. `response-timeout`), or undefined. */
export function contourAnnotation(meta: Meta, key: string): string | undefined {
  for (const prefix of PREFIXES) {
    const value = meta.annotations[`${prefix}${key}`];
    if (value !== undefined) return value;
  }
  return undefined;
}

/** The protocols a Service's upstream-protocol annotations give its ports, by port name or number. */
export function upstreamProtocols(meta: Meta): ReadonlyMap<string, 'h2' | 'h2c' | 'tls'> {
  const out = new Map<string, 'h2' | 'h2c' | 'tls'>();
  for (const protocol of ['h2', 'h2c', 'tls'] as const) {
    const value = contourAnnotation(meta, `upstream-protocol.${protocol}`);
    if (value === undefined) continue;
    for (const port of value.split(',')) {
      const trimmed = port.trim();
      if (trimmed !== '') out.set(trimmed, protocol);
    }
  }
  return out;
}

/** A non-negative 32-bit integer annotation; undefined when absent or malformed (Contour ignores those). */
export function uint32Annotation(meta: Meta, key: string): number | undefined {
  const value = contourAnnotation(meta, key);
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  const n = Number(value.trim());
  return n > 0 && n <= 0xffffffff ? n : undefined;
}
