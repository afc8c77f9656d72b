/** The `(validate.rules).string` rules, compiled: lengths, affixes, patterns and the well-known formats. */
import { isIP } from 'node:net';
import { isDnsName } from '../../dns.js';
import { all, membership, violation, type ValueCheck } from './rule-common.js';

const HEADER_NAME = /^:?[0-9a-zA-Z!#$%&'*+\-.^_|~`]+$/;
// eslint-disable-next-line no-control-regex
const HEADER_VALUE = /^[^\u0000-\u0008\u000A-\u001F\u007F]*$/;
// eslint-disable-next-line no-control-regex
const HEADER_LOOSE = /^[^\u0000\u000A\u000D]*$/;

const FORMATS: readonly (readonly [string, (v: string) => boolean])[] = [
  ['hostname', isDnsName],
  ['ip', (v) => isIP(v) !== 0],
  ['ipv4', (v) => isIP(v) === 4],
  ['ipv6', (v) => isIP(v) === 6],
  ['address', (v) => isIP(v) !== 0 || isDnsName(v)],
  ['uuid', (v) => /^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/.test(v)],
  ['uri', (v) => URL.canParse(v)],
];

function characters(value: string): number {
  return /[\uD800-\uDFFF]/.test(value) ? [...value].length : value.length;
}

/**
 * Length rules: the measure, the test, and when the UTF-16 length alone already passes it (a code point
 * is one or two units, a unit one to three UTF-8 bytes): most strings are then never counted.
 */
const LENGTHS: readonly (readonly [
  string,
  (s: string) => number,
  (n: number, l: number) => boolean,
  (units: number, l: number) => boolean,
])[] = [
  ['len', characters, (n, l) => n === l, () => false],
  ['min_len', characters, (n, l) => n >= l, (u, l) => u >= 2 * l],
  ['max_len', characters, (n, l) => n <= l, (u, l) => u <= l],
  ['len_bytes', (s) => Buffer.byteLength(s, 'utf8'), (n, l) => n === l, () => false],
  ['min_bytes', (s) => Buffer.byteLength(s, 'utf8'), (n, l) => n >= l, (u, l) => u >= l],
  ['max_bytes', (s) => Buffer.byteLength(s, 'utf8'), (n, l) => n <= l, (u, l) => 3 * u <= l],
];

const TEXTS: readonly (readonly [string, (v: string, l: string) => boolean])[] = [
  ['const', (v, l) => v === l],
  ['prefix', (v, l) => v.startsWith(l)],
  ['suffix', (v, l) => v.endsWith(l)],
  ['contains', (v, l) => v.includes(l)],
  ['not_contains', (v, l) => !v.includes(l)],
];

/** Compiles string rules; undefined when they check nothing. */
export function compileString(rules: Record<string, unknown>): ValueCheck | undefined {
  const checks: ValueCheck[] = [];
  for (const [name, measure, ok, sure] of LENGTHS) {
    const limit = rules[name];
    if (limit === undefined) continue;
    const l = Number(limit);
    checks.push((v, problems) => {
      const s = v as string;
      if (!sure(s.length, l) && !ok(measure(s), l)) problems.push(violation(`string.${name}`, limit, v));
    });
  }
  for (const [name, ok] of TEXTS) {
    const limit = rules[name];
    if (typeof limit !== 'string') continue;
    checks.push((v, problems) => {
      if (!ok(v as string, limit)) problems.push(violation(`string.${name}`, limit, v));
    });
  }
  const source = rules['pattern'];
  if (typeof source === 'string') {
    let pattern: RegExp | undefined;
    try {
      pattern = new RegExp(source, 'u');
    } catch {
      pattern = undefined; // RE2 syntax JavaScript does not share: left to Envoy, as the shared checker does
    }
    if (pattern !== undefined) {
      const p = pattern;
      checks.push((v, problems) => {
        if (!p.test(v as string)) problems.push(violation('string.pattern', source, v));
      });
    }
  }
  const member = membership('string', rules);
  if (member !== undefined) checks.push(member);
  const formats = FORMATS.filter(([name]) => rules[name] === true);
  const regex = rules['well_known_regex'];
  const header =
    regex === 'HTTP_HEADER_NAME' || regex === 'HTTP_HEADER_VALUE'
      ? rules['strict'] === false
        ? HEADER_LOOSE
        : regex === 'HTTP_HEADER_NAME'
          ? HEADER_NAME
          : HEADER_VALUE
      : undefined;
  if (formats.length > 0 || header !== undefined) {
    checks.push((v, problems) => {
      for (const [name, test] of formats) {
        if (!test(v as string)) {
          problems.push(violation(`string.${name}`, true, v));
          return;
        }
      }
      if (header !== undefined && !header.test(v as string)) {
        problems.push(violation('string.well_known_regex', regex, v));
      }
    });
  }
  const check = all(checks);
  if (check === undefined) return undefined;
  const ignoreEmpty = rules['ignore_empty'] === true;
  // Generated resources repeat the same strings (header names, domains) many times in a row: the last
  // value found valid is not checked again.
  let lastValid: string | undefined;
  return (value, problems) => {
    const v = String(value);
    if ((ignoreEmpty && v === '') || v === lastValid) return;
    const before = problems.length;
    check(v, problems);
    if (problems.length === before) lastValid = v;
  };
}
