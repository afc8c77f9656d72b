/** The `(validate.rules).string` rules: lengths, affixes, patterns and the well-known formats Envoy uses. */
import { isIP } from 'node:net';
import { isDnsName } from '../../dns.js';
import { membership, violation } from './validate-common.js';

const HEADER_NAME = /^:?[0-9a-zA-Z!#$%&'*+\-.^_|~`]+$/;
// eslint-disable-next-line no-control-regex
const HEADER_VALUE = /^[^\u0000-\u0008\u000A-\u001F\u007F]*$/;
// eslint-disable-next-line no-control-regex
const HEADER_LOOSE = /^[^\u0000\u000A\u000D]*$/;

function stringFormat(rules: Record<string, unknown>, value: string): string | undefined {
  const formats: Record<string, (v: string) => boolean> = {
    hostname: isDnsName,
    ip: (v) => isIP(v) !== 0,
    ipv4: (v) => isIP(v) === 4,
    ipv6: (v) => isIP(v) === 6,
    address: (v) => isIP(v) !== 0 || isDnsName(v),
    uuid: (v) => /^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/.test(v),
    uri: (v) => URL.canParse(v),
  };
  for (const [name, test] of Object.entries(formats)) {
    if (rules[name] === true && !test(value)) return violation(`string.${name}`, true, value);
  }
  const regex = rules.well_known_regex;
  if (regex === 'HTTP_HEADER_NAME' || regex === 'HTTP_HEADER_VALUE') {
    const pattern =
      rules.strict === false ? HEADER_LOOSE : regex === 'HTTP_HEADER_NAME' ? HEADER_NAME : HEADER_VALUE;
    if (!pattern.test(value)) return violation('string.well_known_regex', regex, value);
  }
  return undefined;
}

/** Applies `(validate.rules).string` to a string value. */
export function stringRules(rules: Record<string, unknown>, value: string, problems: string[]): void {
  if (rules.ignore_empty === true && value === '') return;
  const chars = [...value].length;
  const bytes = Buffer.byteLength(value, 'utf8');
  const bounds: readonly [string, number, (n: number, l: number) => boolean][] = [
    ['len', chars, (n, l) => n === l],
    ['min_len', chars, (n, l) => n >= l],
    ['max_len', chars, (n, l) => n <= l],
    ['len_bytes', bytes, (n, l) => n === l],
    ['min_bytes', bytes, (n, l) => n >= l],
    ['max_bytes', bytes, (n, l) => n <= l],
  ];
  for (const [name, measured, ok] of bounds) {
    const limit = rules[name];
    if (limit !== undefined && !ok(measured, Number(limit))) {
      problems.push(violation(`string.${name}`, limit, value));
    }
  }
  const text: readonly [string, (l: string) => boolean][] = [
    ['const', (l) => value === l],
    ['prefix', (l) => value.startsWith(l)],
    ['suffix', (l) => value.endsWith(l)],
    ['contains', (l) => value.includes(l)],
    ['not_contains', (l) => !value.includes(l)],
  ];
  for (const [name, ok] of text) {
    const limit = rules[name];
    if (typeof limit === 'string' && !ok(limit)) problems.push(violation(`string.${name}`, limit, value));
  }
  if (typeof rules.pattern === 'string') {
    let pattern: RegExp | undefined;
    try {
      pattern = new RegExp(rules.pattern, 'u');
    } catch {
      pattern = undefined; // RE2 syntax JavaScript does not share: leave it to Envoy
    }
    if (pattern !== undefined && !pattern.test(value)) {
      problems.push(violation('string.pattern', rules.pattern, value));
    }
  }
  membership('string', rules, value, problems);
  const format = stringFormat(rules, value);
  if (format !== undefined) problems.push(format);
}
