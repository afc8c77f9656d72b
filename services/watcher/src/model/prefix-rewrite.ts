import type { Route } from './model.js';

/**
 * Contour's expandPrefixMatches: Envoy rewrites a prefix literally, so `/foo` → `/bar` would turn
 * `/foo/x` into `/barx`-style paths for some slash combinations. A route with a rewrite whose prefix is
 * the only one of its slash-insensitive family becomes two: `/foo` and `/foo/`, with matching rewrites.
 */
export function expandPrefixMatches(routes: readonly Route[]): Route[] {
  // The usual case, no rewrite at all, needs no families.
  if (!routes.some((r) => r.action.kind === 'forward' && r.action.policy.prefixRewrite !== undefined))
    return [...routes];
  const families = new Map<string, Route[]>();
  for (const r of routes) {
    if (r.match.kind !== 'prefix') continue;
    const key = r.match.prefix === '/' ? '/' : r.match.prefix.replace(/\/+$/, '');
    families.set(key, [...(families.get(key) ?? []), r]);
  }
  const out: Route[] = [];
  for (const r of routes) {
    const action = r.action;
    if (r.match.kind !== 'prefix' || action.kind !== 'forward' || action.policy.prefixRewrite === undefined) {
      out.push(r);
      continue;
    }
    const key = r.match.prefix === '/' ? '/' : r.match.prefix.replace(/\/+$/, '');
    if ((families.get(key)?.length ?? 0) !== 1 || r.match.prefix === '/') {
      out.push(r);
      continue;
    }
    const trimmed = action.policy.prefixRewrite.replace(/\/+$/, '');
    const withPolicy = (prefix: string, rewrite: string): Route => ({
      ...r,
      match: { kind: 'prefix', prefix, segment: false },
      action: { ...action, policy: { ...action.policy, prefixRewrite: rewrite } },
    });
    out.push(withPolicy(key, trimmed === '' ? '/' : trimmed), withPolicy(`${key}/`, `${trimmed}/`));
  }
  return out;
}
