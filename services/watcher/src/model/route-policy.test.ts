import { describe, expect, it } from 'vitest';
import { parseGoDuration, parseTimeout } from './durations.js';
import { canonicalHeaderKey, escapeHeaderValue, headersPolicy, retryPolicy } from './route-policy.js';

describe('parseTimeout (Contour timeout.Parse)', () => {
  it.each([
    ['', { kind: 'default' }],
    ['infinity', { kind: 'disabled' }],
    ['infinite', { kind: 'disabled' }],
    ['0s', { kind: 'duration', duration: { seconds: 0, nanos: 0 } }],
    ['1h2m3.5s', { kind: 'duration', duration: { seconds: 3723, nanos: 500_000_000 } }],
    ['250ms', { kind: 'duration', duration: { seconds: 0, nanos: 250_000_000 } }],
    ['1.5us', { kind: 'duration', duration: { seconds: 0, nanos: 1500 } }],
  ])('reads %j', (text, expected) => {
    expect(parseTimeout(text)).toEqual({ ok: true, value: expected });
  });

  it.each(['5', 'soon', '-1s', '1x', '.s', '1e3s'])('refuses %j', (text) => {
    expect(parseTimeout(text).ok).toBe(false);
  });

  it('reads Go durations exactly, in nanoseconds', () => {
    expect(parseGoDuration('0')).toEqual({ ok: true, value: 0n });
    expect(parseGoDuration('-1.000000001s')).toEqual({ ok: true, value: -1_000_000_001n });
  });
});

describe('headers policies (Contour headersPolicy)', () => {
  it('canonicalises names as Go does', () => {
    expect(['x-forwarded-proto', 'HOST', 'x--a', 'not a header'].map(canonicalHeaderKey)).toEqual([
      'X-Forwarded-Proto',
      'Host',
      'X--A',
      'not a header',
    ]);
  });

  it('escapes % except for object variables, known Envoy variables and %REQ(…)%', () => {
    expect(
      escapeHeaderValue(
        '100% of %CONTOUR_NAMESPACE% from %DOWNSTREAM_REMOTE_ADDRESS% via %REQ(x-id)% %UNKNOWN%',
        { CONTOUR_NAMESPACE: 'ns' },
      ),
    ).toBe('100%% of ns from %DOWNSTREAM_REMOTE_ADDRESS% via %REQ(x-id)% %%UNKNOWN%%');
  });

  it('turns a Host set into a rewrite on requests only, and refuses bad names and duplicates', () => {
    expect(
      headersPolicy(
        {
          set: [
            { name: 'host', value: 'h' },
            { name: 'x-b', value: '1' },
          ],
          remove: ['x-c', 'x-a'],
        },
        true,
        {},
      ),
    ).toEqual({
      ok: true,
      value: { set: [{ name: 'X-B', value: '1' }], remove: ['X-A', 'X-C'], hostRewrite: 'h' },
    });
    expect(headersPolicy({ set: [{ name: 'Host', value: 'h' }], remove: [] }, false, {})).toEqual({
      ok: false,
      errors: 'rewriting "Host" header is not supported',
    });
    expect(headersPolicy({ set: [{ name: 'bad name', value: 'h' }], remove: [] }, true, {}).ok).toBe(false);
    expect(headersPolicy({ set: [], remove: ['x-a', 'X-A'] }, true, {})).toEqual({
      ok: false,
      errors: 'duplicate header removal: "X-A"',
    });
  });
});

describe('retryPolicy (Contour retryPolicy)', () => {
  it('refuses a retry condition Envoy does not know', () => {
    expect(
      retryPolicy({ retryOn: ['5xx', 'sometimes'], perTryTimeout: '', retriableStatusCodes: [] }),
    ).toEqual({
      ok: false,
      errors: 'retryOn "sometimes" is not a retry condition Envoy knows',
    });
  });
});
