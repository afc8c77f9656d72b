import { describe, expect, it } from 'vitest';
import { formatHostPort, parseHostPort, parseNonNegativeInt } from './config.js';

describe('parseHostPort', () => {
  it.each([
    ['127.0.0.1:8001', { host: '127.0.0.1', port: 8001 }],
    ['0.0.0.0:0', { host: '0.0.0.0', port: 0 }],
    ['localhost:80', { host: 'localhost', port: 80 }],
    ['[::1]:8001', { host: '::1', port: 8001 }],
  ])('accepts %s', (input, expected) => {
    expect(parseHostPort(input)).toEqual({ ok: true, value: expected });
  });

  it.each(['8001', ':8001', '127.0.0.1', '127.0.0.1:', '127.0.0.1:70000', 'a:b', '::1:80'])(
    'rejects %s',
    (input) => {
      expect(parseHostPort(input).ok).toBe(false);
    },
  );

  it('round-trips through formatHostPort', () => {
    expect(formatHostPort({ host: '::1', port: 1 })).toBe('[::1]:1');
    expect(formatHostPort({ host: '127.0.0.1', port: 8001 })).toBe('127.0.0.1:8001');
  });
});

describe('parseNonNegativeInt', () => {
  it('accepts integers and rejects the rest', () => {
    expect(parseNonNegativeInt('100')).toEqual({ ok: true, value: 100 });
    expect(parseNonNegativeInt('-1').ok).toBe(false);
    expect(parseNonNegativeInt('1.5').ok).toBe(false);
    expect(parseNonNegativeInt('').ok).toBe(false);
  });
});
