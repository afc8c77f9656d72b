import { canonicalJson, compareStrings } from '../util/order.js';
import type { HeaderMatch, PathMatch, Route } from './model.js';

/** Identifies what a route matches; a later route with the same key replaces an earlier one (Contour's AddRoute). */
export function routeKey(route: Pick<Route, 'match' | 'headers'>): string {
  return canonicalJson({ match: route.match, headers: [...route.headers].sort(compareHeaders) });
}

const KIND_RANK: Readonly<Record<PathMatch['kind'], number>> = { exact: 0, regex: 1, prefix: 2 };

/**
 * Envoy takes the first matching route, so the most specific must come first. Contour's order
 * (internal/sorter): exact, then regex, then prefix; within a kind, reverse lexical order, which puts
 * `/foo/bar` before `/foo` and `/foo` before `/`; segment prefixes before string prefixes of the same text;
 * then routes with more header conditions first. The last step only makes the order total.
 */
export function compareRoutes(a: Route, b: Route): number {
  const rank = KIND_RANK[a.match.kind] - KIND_RANK[b.match.kind];
  if (rank !== 0) return rank;
  const byPath = compareStrings(pathText(b.match), pathText(a.match));
  if (byPath !== 0) return byPath;
  if (a.match.kind === 'prefix' && b.match.kind === 'prefix' && a.match.segment !== b.match.segment) {
    return a.match.segment ? -1 : 1;
  }
  const byHeaders = b.headers.length - a.headers.length;
  if (byHeaders !== 0) return byHeaders;
  return compareStrings(routeKey(a), routeKey(b));
}

function pathText(match: PathMatch): string {
  switch (match.kind) {
    case 'prefix':
      return match.prefix;
    case 'exact':
      return match.path;
    case 'regex':
      return match.regex;
  }
}

function compareHeaders(a: HeaderMatch, b: HeaderMatch): number {
  return compareStrings(a.name, b.name) || compareStrings(a.kind, b.kind) || compareStrings(a.value, b.value);
}
