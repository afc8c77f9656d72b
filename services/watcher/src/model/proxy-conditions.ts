import type { MatchCondition } from '../kube/kinds.js';
import { checkPath, checkRegex } from './match.js';
import type { HeaderMatch, PathMatch, QueryMatch } from './model.js';

/** A header name as HTTP allows it (RFC 9110 token), which Envoy's matchers require. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Contour's pathMatchConditionsValid: at most one of prefix, exact or regex in one condition block, each
 * starting with `/` (Sesame also refuses characters Envoy's path matchers never see, and non-RE2 regexes).
 */
export function pathConditionsProblem(conditions: readonly MatchCondition[]): string | undefined {
  let count = 0;
  for (const c of conditions) {
    for (const [kind, value] of [
      ['prefix', c.prefix],
      ['exact', c.exact],
      ['regex', c.regex],
    ] as const) {
      if (value === '') continue;
      count++;
      if (!value.startsWith('/')) return `${kind} conditions must start with /, ${value} was supplied`;
      const problem = kind === 'regex' ? checkRegex(value) : checkPath(value);
      if (problem !== undefined)
        return kind === 'regex' ? `supplied regex: ${value} invalid. error: ${problem}` : problem;
    }
  }
  return count > 1 ? 'more than one prefix, exact or regex is not allowed in a condition block' : undefined;
}

/** Contour's includeMatchConditionsValid: includes may only narrow by prefix (and headers, query). */
export function includeConditionsProblem(conditions: readonly MatchCondition[]): string | undefined {
  for (const c of conditions) {
    if (c.exact !== '') return 'exact conditions are not allowed in includes block';
    if (c.regex !== '') return 'regex conditions are not allowed in includes block';
  }
  return undefined;
}

/**
 * Contour's headerMatchConditionsValid: no contradictory or duplicate exact conditions on one header, valid
 * regexes; Sesame also requires one match type per condition and a valid header name.
 */
export function headerConditionsProblem(conditions: readonly MatchCondition[]): string | undefined {
  if (!conditions.some((c) => c.header !== undefined)) return undefined;
  const seen = new Set<string>();
  const exact = new Set<string>();
  for (const c of conditions) {
    const h = c.header;
    if (h === undefined) continue;
    const name = h.name.toLowerCase();
    if (!TOKEN.test(h.name)) return `invalid header name "${h.name}" in a header condition`;
    const set = [
      h.present,
      h.notpresent,
      h.contains !== '',
      h.notcontains !== '',
      h.exact !== '',
      h.notexact !== '',
      h.regex !== '',
    ];
    const count = set.filter(Boolean).length;
    if (count === 0)
      return `header condition on "${h.name}" needs one of present, notpresent, contains, notcontains, exact, notexact or regex`;
    if (count > 1)
      return `header condition on "${h.name}" may set only one of present, notpresent, contains, notcontains, exact, notexact or regex`;
    const key = (kind: string, value: string): string => `${name}\0${kind}\0${value}`;
    if (h.present && seen.has(key('notpresent', '')))
      return "cannot specify contradictory 'present' and 'notpresent' conditions for the same route and header";
    if (h.notpresent && seen.has(key('present', '')))
      return "cannot specify contradictory 'present' and 'notpresent' conditions for the same route and header";
    if (h.exact !== '') {
      if (exact.has(name))
        return "cannot specify duplicate header 'exact match' conditions in the same route";
      exact.add(name);
      if (seen.has(key('notexact', h.exact)))
        return "cannot specify contradictory 'exact' and 'notexact' conditions for the same route and header";
    }
    if (h.notexact !== '' && seen.has(key('exact', h.notexact)))
      return "cannot specify contradictory 'exact' and 'notexact' conditions for the same route and header";
    if (h.contains !== '' && seen.has(key('notcontains', h.contains)))
      return "cannot specify contradictory 'contains' and 'notcontains' conditions for the same route and header";
    if (h.notcontains !== '' && seen.has(key('contains', h.notcontains)))
      return "cannot specify contradictory 'contains' and 'notcontains' conditions for the same route and header";
    if (h.regex !== '' && checkRegex(h.regex) !== undefined)
      return "invalid regular expression specified for 'regex' condition";
    if (h.present) seen.add(key('present', ''));
    if (h.notpresent) seen.add(key('notpresent', ''));
    if (h.exact !== '') seen.add(key('exact', h.exact));
    if (h.notexact !== '') seen.add(key('notexact', h.notexact));
    if (h.contains !== '') seen.add(key('contains', h.contains));
    if (h.notcontains !== '') seen.add(key('notcontains', h.notcontains));
  }
  return undefined;
}

/** Contour's queryParameterMatchConditionsValid. */
export function queryConditionsProblem(conditions: readonly MatchCondition[]): string | undefined {
  if (!conditions.some((c) => c.queryParameter !== undefined)) return undefined;
  const exact = new Set<string>();
  for (const c of conditions) {
    const q = c.queryParameter;
    if (q === undefined) continue;
    const set =
      [q.exact, q.prefix, q.suffix, q.regex, q.contains].filter((v) => v !== '').length + (q.present ? 1 : 0);
    if (set === 0) return 'must specify at least one query parameter condition';
    if (set > 1) return 'cannot specify more than one condition in the same match condition branch';
    if (q.name === '') return 'a query parameter condition needs a name';
    if (q.exact !== '') {
      const name = q.name.toLowerCase();
      if (exact.has(name))
        return "cannot specify duplicate query parameter 'exact match' conditions in the same route";
      exact.add(name);
    }
    if (q.regex !== '' && checkRegex(q.regex) !== undefined)
      return "invalid regular expression specified for 'regex' condition";
  }
  return undefined;
}

/**
 * Contour's mergePathMatchConditions: the path conditions of an include chain concatenated, `//` collapsed;
 * a regex anywhere makes the whole a regex, else the last condition decides between prefix and exact.
 */
export function mergePathMatch(conditions: readonly MatchCondition[]): PathMatch {
  let merged = '';
  let regex = false;
  let last: 'prefix' | 'exact' | 'regex' | undefined;
  for (const c of conditions) {
    if (c.prefix !== '') {
      merged += c.prefix;
      last = 'prefix';
    } else if (c.exact !== '') {
      merged += c.exact;
      last = 'exact';
    } else if (c.regex !== '') {
      merged += c.regex;
      regex = true;
      last = 'regex';
    }
  }
  merged = merged.replace(/\/\/+/g, '/');
  if (merged === '') return { kind: 'prefix', prefix: '/', segment: false };
  if (regex) return { kind: 'regex', regex: merged };
  if (last === 'exact') return { kind: 'exact', path: merged };
  return { kind: 'prefix', prefix: merged, segment: false };
}

/** The header matches of a condition chain (Contour's mergeHeaderMatchConditions). */
export function headerMatches(conditions: readonly MatchCondition[]): HeaderMatch[] {
  const out: HeaderMatch[] = [];
  for (const c of conditions) {
    const h = c.header;
    if (h === undefined) continue;
    const base = { name: h.name, ignoreCase: false, invert: false, treatMissingAsEmpty: false, value: '' };
    if (h.present) out.push({ ...base, kind: 'present' });
    else if (h.notpresent) out.push({ ...base, kind: 'present', invert: true });
    else if (h.contains !== '')
      out.push({ ...base, kind: 'contains', value: h.contains, ignoreCase: h.ignoreCase });
    else if (h.notcontains !== '')
      out.push({
        ...base,
        kind: 'contains',
        value: h.notcontains,
        ignoreCase: h.ignoreCase,
        invert: true,
        treatMissingAsEmpty: h.treatMissingAsEmpty,
      });
    else if (h.exact !== '') out.push({ ...base, kind: 'exact', value: h.exact, ignoreCase: h.ignoreCase });
    else if (h.notexact !== '')
      out.push({
        ...base,
        kind: 'exact',
        value: h.notexact,
        ignoreCase: h.ignoreCase,
        invert: true,
        treatMissingAsEmpty: h.treatMissingAsEmpty,
      });
    else if (h.regex !== '') out.push({ ...base, kind: 'regex', value: h.regex });
  }
  return out;
}

/** The query parameter matches of a condition chain. */
export function queryMatches(conditions: readonly MatchCondition[]): QueryMatch[] {
  const out: QueryMatch[] = [];
  for (const c of conditions) {
    const q = c.queryParameter;
    if (q === undefined) continue;
    const kinds = [
      ['exact', q.exact],
      ['prefix', q.prefix],
      ['suffix', q.suffix],
      ['regex', q.regex],
      ['contains', q.contains],
    ] as const;
    const found = kinds.find(([, v]) => v !== '');
    if (found !== undefined) {
      out.push({
        name: q.name,
        kind: found[0],
        value: found[1],
        ignoreCase: found[0] === 'regex' ? false : q.ignoreCase,
      });
    } else if (q.present) out.push({ name: q.name, kind: 'present', value: '', ignoreCase: false });
  }
  return out;
}

/** Identifies a set of include conditions, to refuse two includes with the same ones. */
export function conditionsKey(conditions: readonly MatchCondition[]): string {
  const path = mergePathMatch(conditions);
  const headers = headerMatches(conditions)
    .map((h) => JSON.stringify(h))
    .sort();
  const queries = queryMatches(conditions)
    .map((q) => JSON.stringify(q))
    .sort();
  return JSON.stringify([path, headers, queries]);
}
