import { canonicalJson, compareStrings } from '../util/order.js';
import type { HeaderMatch, PathMatch, QueryMatch, Route } from './model.js';

/** Identifies what a route matches; a later route with the same key replaces an earlier one (Contour's AddRoute). */
export function routeKey(route: Pick<Route, 'match' | 'headers' | 'queryParams'>): string {
  let key = routeKeys.get(route);
  if (key === undefined) {
    key = computeKey(route);
    routeKeys.set(route, key);
  }
  return key;
}

const routeKeys = new WeakMap<object, string>();

function computeKey(route: Pick<Route, 'match' | 'headers' | 'queryParams'>): string {
  if (route.headers.length === 0 && route.queryParams.length === 0) {
    const m = route.match;
    // The common case, spelled without canonical JSON: kind and text cannot collide with the JSON form.
    return m.kind === 'prefix'
      ? `p${m.segment ? 's' : ''}\0${m.prefix}`
      : m.kind === 'exact'
        ? `e\0${m.path}`
        : `r\0${m.regex}`;
  }
  return canonicalJson({
    match: route.match,
    headers: [...route.headers].sort(compareHeaders),
    query: [...route.queryParams].sort(compareQueries),
  });
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
  const byQuery = b.queryParams.length - a.queryParams.length;
  if (byQuery !== 0) return byQuery;
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
  return compareStrings(canonicalJson(a), canonicalJson(b));
}

function compareQueries(a: QueryMatch, b: QueryMatch): number {
  return compareStrings(canonicalJson(a), canonicalJson(b));
}
