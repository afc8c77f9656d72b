// Label and field selectors with the grammar and matching rules of k8s.io/apimachinery (labels/selector.go,
// fields/selector.go): `!=` and `notin` match objects without the label, commas AND the terms, and field
// selectors only accept the fields the resource declares.
import type { Result } from '@sesame/shared';

/** Decides whether an object's labels or fields pass. */
export type Matcher = (values: Readonly<Record<string, string>>) => boolean;

type LabelOp = 'exists' | '!exists' | '=' | '!=' | 'in' | 'notin' | 'gt' | 'lt';

interface Requirement {
  readonly key: string;
  readonly op: LabelOp;
  readonly values: readonly string[];
}

const SPECIAL = new Set(['(', ')', ',', '=', '!', '<', '>']);
const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Splits a label selector into identifiers and operators, as the apimachinery lexer does. */
function tokenize(input: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input.charAt(i);
    if (/\s/.test(ch)) {
      i += 1;
    } else if (SPECIAL.has(ch)) {
      const two = input.slice(i, i + 2);
      const op = two === '!=' || two === '==' ? two : ch;
      tokens.push(op);
      i += op.length;
    } else {
      let j = i;
      while (j < input.length && !SPECIAL.has(input.charAt(j)) && !/\s/.test(input.charAt(j))) j += 1;
      tokens.push(input.slice(i, j));
      i = j;
    }
  }
  return tokens;
}

function isIdentifier(token: string | undefined): token is string {
  return token !== undefined && !SPECIAL.has(token.charAt(0));
}

function validKey(key: string): string | undefined {
  const slash = key.indexOf('/');
  const name = slash < 0 ? key : key.slice(slash + 1);
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    return `key: Invalid value: "${key}": prefix part must be a lowercase RFC 1123 subdomain`;
  }
  if (name.length > 63 || !NAME.test(name)) {
    return `key: Invalid value: "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`;
  }
  return undefined;
}

function validValue(value: string): string | undefined {
  return value === '' || (value.length <= 63 && NAME.test(value))
    ? undefined
    : `values[0]: Invalid value: "${value}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`;
}

class LabelParser {
  private pos = 0;
  constructor(private readonly tokens: readonly string[]) {}

  private peek(): string | undefined {
    return this.tokens[this.pos];
  }

  private next(): string | undefined {
    const token = this.tokens[this.pos];
    this.pos += 1;
    return token;
  }

  parse(): Requirement[] {
    const requirements: Requirement[] = [];
    while (this.peek() !== undefined) {
      requirements.push(this.requirement());
      const sep = this.next();
      if (sep !== undefined && sep !== ',')
        throw new Error(`found '${sep}', expected: ',' or 'end of string'`);
      if (sep === ',' && this.peek() === undefined)
        throw new Error(`found 'end of string', expected: identifier`);
    }
    return requirements;
  }

  private requirement(): Requirement {
    if (this.peek() === '!') {
      this.next();
      return { key: this.key(), op: '!exists', values: [] };
    }
    const key = this.key();
    const op = this.peek();
    if (op === undefined || op === ',') return { key, op: 'exists', values: [] };
    this.next();
    if (op === 'in' || op === 'notin') return { key, op, values: this.set() };
    if (op === '=' || op === '==' || op === '!=') {
      const value = isIdentifier(this.peek()) ? (this.next() ?? '') : '';
      return { key, op: op === '!=' ? '!=' : '=', values: [value] };
    }
    if (op === '<' || op === '>') {
      const value = this.next() ?? '';
      if (!/^-?\d+$/.test(value)) throw new Error(`for 'Gt', 'Lt' operators, the value must be an integer`);
      return { key, op: op === '>' ? 'gt' : 'lt', values: [value] };
    }
    throw new Error(`found '${op}', expected: in, notin, =, ==, !=, gt, lt`);
  }

  private key(): string {
    const key = this.next();
    if (!isIdentifier(key)) throw new Error(`found '${key ?? 'end of string'}', expected: identifier`);
    const problem = validKey(key);
    if (problem !== undefined) throw new Error(problem);
    return key;
  }

  private set(): string[] {
    if (this.next() !== '(')
      throw new Error(`found '${this.tokens[this.pos - 1] ?? 'end of string'}', expected: '('`);
    const values: string[] = [];
    for (;;) {
      const token = this.peek();
      if (token === ')' && values.length === 0)
        throw new Error(`for 'in', 'notin' operators, values set can't be empty`);
      values.push(isIdentifier(token) ? (this.next() ?? '') : '');
      const sep = this.next();
      if (sep === ')') return values;
      if (sep !== ',') throw new Error(`found '${sep ?? 'end of string'}', expected: ',' or ')'`);
    }
  }
}

function matchesRequirement(req: Requirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, req.key);
  const value = has ? labels[req.key] : undefined;
  switch (req.op) {
    case 'exists':
      return has;
    case '!exists':
      return !has;
    case '=':
    case 'in':
      return value !== undefined && req.values.includes(value);
    case '!=':
    case 'notin':
      return value === undefined || !req.values.includes(value);
    case 'gt':
    case 'lt': {
      if (value === undefined || !/^-?\d+$/.test(value)) return false;
      const [bound = '0'] = req.values;
      return req.op === 'gt' ? Number(value) > Number(bound) : Number(value) < Number(bound);
    }
  }
}

/** Parses a `labelSelector` query value; an empty selector matches everything. */
export function parseLabelSelector(selector: string): Result<Matcher> {
  try {
    const requirements = new LabelParser(tokenize(selector)).parse();
    for (const req of requirements) {
      for (const value of req.values) {
        const problem = req.op === 'gt' || req.op === 'lt' ? undefined : validValue(value);
        if (problem !== undefined) throw new Error(problem);
      }
    }
    return { ok: true, value: (labels) => requirements.every((req) => matchesRequirement(req, labels)) };
  } catch (err) {
    return { ok: false, errors: [`unable to parse requirement: ${(err as Error).message}`] };
  }
}

/** Splits on separators not escaped with a backslash. */
function splitUnescaped(input: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < input.length; i += 1) {
    const ch = input.charAt(i);
    if (ch === '\\' && i + 1 < input.length) {
      current += ch + input.charAt(i + 1);
      i += 1;
    } else if (ch === separator) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

function unescapeValue(value: string): string | undefined {
  let out = '';
  for (let i = 0; i < value.length; i += 1) {
    const ch = value.charAt(i);
    if (ch === '\\') {
      const escaped = value.charAt(i + 1);
      if (escaped !== '\\' && escaped !== ',' && escaped !== '=') return undefined;
      out += escaped;
      i += 1;
    } else if (ch === ',' || ch === '=') {
      return undefined;
    } else {
      out += ch;
    }
  }
  return out;
}

/**
 * Parses a `fieldSelector` query value (`a=b`, `a==b`, `a!=b`, comma = AND); `supported` lists the field names
 * the resource accepts, as the real server rejects any other with "field label not supported".
 */
export function parseFieldSelector(selector: string, supported: readonly string[]): Result<Matcher> {
  const terms: { field: string; value: string; equal: boolean }[] = [];
  for (const term of splitUnescaped(selector, ',')) {
    if (term === '') continue;
    const match = /^(.*?)(!=|==|=)(.*)$/s.exec(term);
    const value = match === null ? undefined : unescapeValue(match[3] ?? '');
    if (match === null || value === undefined) {
      return { ok: false, errors: [`invalid selector: '${selector}'; can't understand '${term}'`] };
    }
    const field = (match[1] ?? '').trim();
    if (!supported.includes(field)) return { ok: false, errors: [`field label not supported: ${field}`] };
    terms.push({ field, value, equal: match[2] !== '!=' });
  }
  return {
    ok: true,
    value: (fields) => terms.every((t) => ((fields[t.field] ?? '') === t.value) === t.equal),
  };
}
