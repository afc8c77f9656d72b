import type { HeaderMatch, PathMatch } from './model.js';

const LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const SUBDOMAIN = new RegExp(`^${LABEL}(\\.${LABEL})*$`);

/**
 * A host as a virtual host name: lower case, a DNS subdomain, optionally `*.` in front. Returns undefined
 * for anything else (Envoy would reject it or match it surprisingly).
 */
export function normalizeHost(host: string): string | undefined {
  const lower = host.toLowerCase();
  const bare = lower.startsWith('*.') ? lower.slice(2) : lower;
  if (lower.length > 253 || !SUBDOMAIN.test(bare)) return undefined;
  return lower;
}

/**
 * Envoy matches `*.example.com` against any number of labels; this header condition keeps it to exactly one,
 * as Contour does, whatever port the authority carries.
 */
export function wildcardHostMatch(fqdn: string): HeaderMatch {
  return {
    name: ':authority',
    kind: 'regex',
    value: `${LABEL}${escapeRegex(fqdn.slice(1))}(:[0-9]+)?`,
    invert: false,
    ignoreCase: false,
    treatMissingAsEmpty: false,
  };
}

/** `s` as a regex matching exactly itself. */
export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Characters Envoy's path matchers never see in a path (query, fragment) or cannot carry (space, controls). */
const BAD_PATH_CHARS = /[?#\s]|\p{Cc}/u;

/** A path condition value must be absolute and carry only path characters. */
export function checkPath(path: string): string | undefined {
  if (!path.startsWith('/')) return `path "${path}" must start with "/"`;
  if (BAD_PATH_CHARS.test(path))
    return `path "${path}" must not contain "?", "#", spaces or control characters`;
  return undefined;
}

/**
 * Envoy's regexes are RE2: no lookaround and no backreferences. Checking that here, and that the pattern
 * compiles, catches what would otherwise be a NACK for the whole route configuration. JavaScript lacks
 * RE2's inline flags and `(?P<name>` groups, so those are rewritten before the compile check.
 */
export function checkRegex(regex: string): string | undefined {
  if (regex === '') return 'regex must not be empty';
  if (/\(\?<?[=!]/.test(regex)) return `regex "${regex}" uses lookaround, which RE2 does not support`;
  if (/\\[1-9]/.test(regex)) return `regex "${regex}" uses a backreference, which RE2 does not support`;
  const asJs = regex
    .replace(/\(\?[imsU-]+\)/g, '')
    .replace(/\(\?[imsU-]+:/g, '(?:')
    .replace(/\(\?P</g, '(?<');
  try {
    new RegExp(asJs);
  } catch (err) {
    return `regex "${regex}" does not compile (${(err as Error).message})`;
  }
  return undefined;
}

/**
 * The match for an Ingress path, by path type (Contour's ingress_processor): Prefix matches whole segments
 * (`/foo` matches `/foo` and `/foo/bar`, not `/foobar`); ImplementationSpecific is a regex when the path
 * looks like one, else a string prefix.
 */
export function ingressPathMatch(path: string, pathType: string): { match: PathMatch } | { error: string } {
  const problem = checkPath(path);
  switch (pathType) {
    case 'Exact':
      return problem === undefined ? { match: { kind: 'exact', path } } : { error: problem };
    case 'Prefix': {
      if (problem !== undefined) return { error: problem };
      const trimmed = path.replace(/\/+$/, '');
      return {
        match:
          trimmed === ''
            ? { kind: 'prefix', prefix: '/', segment: false }
            : { kind: 'prefix', prefix: trimmed, segment: true },
      };
    }
    case 'ImplementationSpecific': {
      if (/[\^+*[\]%]/.test(path)) {
        const bad = checkRegex(path);
        return bad === undefined ? { match: { kind: 'regex', regex: path } } : { error: bad };
      }
      return problem === undefined
        ? { match: { kind: 'prefix', prefix: path, segment: false } }
        : { error: problem };
    }
    default:
      return { error: `unknown pathType "${pathType}", expected Exact, Prefix or ImplementationSpecific` };
  }
}
