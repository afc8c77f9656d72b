import { describe, expect, it } from 'vitest';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';

function labelMatch(selector: string, labels: Record<string, string>): boolean {
  const parsed = parseLabelSelector(selector);
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.value(labels);
}

describe('parseLabelSelector', () => {
  it.each([
    ['', {}, true],
    ['app=web', { app: 'web' }, true],
    ['app==web', { app: 'web' }, true],
    ['app=web', { app: 'db' }, false],
    ['app!=web', { app: 'db' }, true],
    // `!=` and `notin` select objects that lack the label, as the real server does.
    ['app!=web', {}, true],
    ['app in (web, db)', { app: 'db' }, true],
    ['app in (web,db)', { app: 'cache' }, false],
    ['app notin (web,db)', {}, true],
    ['app notin (web,db)', { app: 'web' }, false],
    ['app', { app: '' }, true],
    ['app', {}, false],
    ['!app', {}, true],
    ['!app', { app: 'x' }, false],
    ['app=web,tier in (front),!canary', { app: 'web', tier: 'front' }, true],
    ['app=web,tier in (front),!canary', { app: 'web', tier: 'front', canary: 'y' }, false],
    ['example.com/team=a', { 'example.com/team': 'a' }, true],
    ['app=', { app: '' }, true],
    ['replicas>2', { replicas: '3' }, true],
    ['replicas<2', { replicas: '3' }, false],
  ])('%s on %j → %s', (selector, labels, expected) => {
    expect(labelMatch(selector, labels)).toBe(expected);
  });

  it.each(['app in ()', 'app in (a', '=a', 'app=a,', 'app=a b', 'Bad_/x=1', 'app=-bad-', 'app>x'])(
    'rejects %s',
    (selector) => {
      const parsed = parseLabelSelector(selector);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.errors[0]).toMatch(/^unable to parse requirement/);
    },
  );
});

describe('parseFieldSelector', () => {
  const supported = ['metadata.name', 'metadata.namespace', 'type'];

  function fieldMatch(selector: string, fields: Record<string, string>): boolean {
    const parsed = parseFieldSelector(selector, supported);
    if (!parsed.ok) throw new Error(parsed.errors.join('; '));
    return parsed.value(fields);
  }

  it('supports =, == and != with commas meaning AND', () => {
    const tls = { 'metadata.name': 'a', 'metadata.namespace': 'ns', type: 'kubernetes.io/tls' };
    expect(fieldMatch('type=kubernetes.io/tls', tls)).toBe(true);
    expect(fieldMatch('type==kubernetes.io/tls,metadata.namespace=ns', tls)).toBe(true);
    expect(fieldMatch('type!=helm.sh/release.v1', tls)).toBe(true);
    expect(fieldMatch('type!=kubernetes.io/tls', tls)).toBe(false);
    expect(fieldMatch('type=kubernetes.io/tls,metadata.name=b', tls)).toBe(false);
    expect(fieldMatch('', tls)).toBe(true);
  });

  it('unescapes values', () => {
    expect(fieldMatch('metadata.name=a\\,b', { 'metadata.name': 'a,b' })).toBe(true);
  });

  it('rejects fields the resource does not declare, with the real message', () => {
    expect(parseFieldSelector('spec.type=x', supported)).toEqual({
      ok: false,
      errors: ['field label not supported: spec.type'],
    });
    expect(parseFieldSelector('metadata.name', supported).ok).toBe(false);
  });
});
