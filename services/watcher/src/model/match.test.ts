import { describe, expect, it } from 'vitest';
import { checkRegex, ingressPathMatch, normalizeHost } from './match.js';

describe('normalizeHost', () => {
  it.each([
    ['Echo.Example.COM', 'echo.example.com'],
    ['*.example.com', '*.example.com'],
    ['localhost', 'localhost'],
    ['under_score.example.com', undefined],
    ['*', undefined],
    ['a.*.example.com', undefined],
    ['-leading.example.com', undefined],
    ['', undefined],
  ])('%j → %j', (host, expected) => {
    expect(normalizeHost(host)).toBe(expected);
  });
});

describe('checkRegex', () => {
  it.each(['/v[0-9]+/.*', '(?i)/case', '/(?P<id>[0-9]+)', '/a\\-b', '(?s:.)'])(
    'accepts RE2 pattern %j',
    (regex) => {
      expect(checkRegex(regex)).toBeUndefined();
    },
  );
  it.each(['', '/(?=x)', '/(?<!x)y', '(a)\\1', '/[unclosed'])('refuses %j', (regex) => {
    expect(checkRegex(regex)).toBeDefined();
  });
});

describe('ingressPathMatch', () => {
  it.each([
    ['/a/', 'Prefix', { match: { kind: 'prefix', prefix: '/a', segment: true } }],
    ['///', 'Prefix', { match: { kind: 'prefix', prefix: '/', segment: false } }],
    ['/a', 'Exact', { match: { kind: 'exact', path: '/a' } }],
    ['a', 'Exact', { error: 'path "a" must start with "/"' }],
    ['/a?b', 'Prefix', { error: 'path "/a?b" must not contain "?", "#", spaces or control characters' }],
    ['/a', 'Regex', { error: 'unknown pathType "Regex", expected Exact, Prefix or ImplementationSpecific' }],
  ])('%j %s', (path, pathType, expected) => {
    expect(ingressPathMatch(path, pathType)).toEqual(expected);
  });
});
