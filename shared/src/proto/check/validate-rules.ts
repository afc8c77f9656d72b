/**
 * protoc-gen-validate rules, as protobufjs keeps them on each field (`(validate.rules)`), applied to proto
 * JSON values the way Envoy's generated validators apply them: scalar rules also judge an unset field (as
 * its default value), message rules only `required`, rules on a oneof member only when it is the one set.
 */
import protobuf from 'protobufjs';
import { asRecord, list, membership, violation } from './validate-common.js';
import { stringRules } from './validate-string-rules.js';
import { durationNanos, toBigInt, toFloat, WRAPPER_SCALARS, type JsonFormat } from './proto-json-scalars.js';

/** One `FieldRules` message as a plain object, e.g. `{ string: { min_len: 1 } }`. */
export type Rules = Readonly<Record<string, unknown>>;

const RULES_OPTION = '(validate.rules)';
const NUMERIC_KINDS = new Set([
  ...['int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'fixed32', 'fixed64'],
  ...['sfixed32', 'sfixed64', 'double', 'float'],
]);

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) node = asRecord(node[key]) ?? (node[key] = {});
  node[path.at(-1)!] = value;
}

/**
 * The field's validation rules: the structured `parsedOptions` when protobufjs kept them (they hold empty
 * messages such as `duration.gt {}` that the flattened `options` drop), else the flattened keys rebuilt.
 */
export function fieldRules(field: protobuf.FieldBase): Rules | undefined {
  const parsed = (field.parsedOptions as unknown as readonly Record<string, unknown>[] | undefined) ?? [];
  const structured = parsed.map((entry) => asRecord(entry[RULES_OPTION])).filter((r) => r !== undefined);
  if (structured.length > 0) return Object.assign({}, ...structured) as Rules;
  const rules: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(field.options ?? {})) {
    if (key.startsWith(`${RULES_OPTION}.`)) {
      setPath(rules, key.slice(RULES_OPTION.length + 1).split('.'), value);
    }
  }
  return Object.keys(rules).length > 0 ? rules : undefined;
}

/** True when the oneof carries `(validate.required)`: exactly one member must be set. */
export function oneofRequired(oneof: protobuf.OneOf): boolean {
  return oneof.options?.['(validate.required)'] === true;
}

function compare(
  kind: string,
  rules: Record<string, unknown>,
  value: number | bigint,
  problems: string[],
): void {
  const checks: readonly [string, (v: number | bigint, limit: number | bigint) => boolean][] = [
    // Loose equality on purpose: it compares a bigint with a number by value.
    ['const', (v, l) => v == l],
    ['lt', (v, l) => v < l],
    ['lte', (v, l) => v <= l],
    ['gt', (v, l) => v > l],
    ['gte', (v, l) => v >= l],
  ];
  for (const [name, ok] of checks) {
    const raw = rules[name];
    if (raw === undefined) continue;
    const limit = typeof value === 'bigint' ? (durationNanos(raw) ?? toBigInt(raw)) : toFloat(raw);
    if (limit !== undefined && !ok(value, limit)) problems.push(violation(`${kind}.${name}`, raw, value));
  }
}

/** Applies scalar rules of `kind` (`string`, `uint32`, `bool`, `bytes`, …) to a well-typed JSON value. */
function scalarRules(kind: string, rules: Record<string, unknown>, value: unknown, problems: string[]): void {
  if (kind === 'string') return stringRules(rules, String(value), problems);
  if (kind === 'bool') {
    if (rules.const !== undefined && rules.const !== value) {
      problems.push(violation('bool.const', rules.const, value));
    }
    return;
  }
  if (kind === 'bytes') {
    const length =
      typeof value === 'string' ? Buffer.from(value, 'base64').length : (value as Uint8Array).length;
    for (const [name, ok] of [
      ['len', (l: number) => length === l],
      ['min_len', (l: number) => length >= l],
      ['max_len', (l: number) => length <= l],
    ] as const) {
      if (rules[name] !== undefined && !ok(Number(rules[name]))) {
        problems.push(violation(`bytes.${name}`, rules[name], length));
      }
    }
    return;
  }
  if (NUMERIC_KINDS.has(kind)) {
    const number = toFloat(typeof value === 'object' ? String(toBigInt(value)) : value);
    if (number === undefined) return;
    if (rules.ignore_empty === true && number === 0) return;
    compare(kind, rules, number, problems);
    membership(kind, rules, number, problems);
  }
}

function enumRules(
  type: protobuf.Enum,
  rules: Record<string, unknown>,
  value: unknown,
  problems: string[],
): void {
  const number =
    typeof value === 'string'
      ? Object.hasOwn(type.values, value)
        ? type.values[value]
        : undefined
      : Number(value);
  if (number === undefined) return;
  if (rules.defined_only === true && !Object.values(type.values).includes(number)) {
    problems.push(violation('enum.defined_only', true, value));
  }
  if (rules.const !== undefined && rules.const !== number) {
    problems.push(violation('enum.const', rules.const, value));
  }
  membership('enum', rules, number, problems);
}

function messageRules(
  field: protobuf.FieldBase,
  rules: Rules,
  value: unknown,
  format: JsonFormat,
  problems: string[],
): void {
  const typeName = (field.resolvedType as protobuf.Type).fullName.slice(1);
  for (const kind of ['message', 'duration', 'timestamp', 'any']) {
    if (asRecord(rules[kind])?.required === true && value === undefined) {
      problems.push(violation(`${kind}.required`, true, 'unset'));
    }
  }
  if (value === undefined) return;
  const duration = asRecord(rules.duration);
  const nanos = durationNanos(value);
  if (duration !== undefined && nanos !== undefined) {
    compare('duration', duration, nanos, problems);
    membership(
      'duration',
      { in: list(duration.in).map(durationNanos), not_in: list(duration.not_in).map(durationNanos) },
      nanos,
      problems,
    );
  }
  const any = asRecord(rules.any);
  const record = asRecord(value);
  if (any !== undefined && record !== undefined) {
    membership('any', any, record['@type'] ?? record.type_url, problems);
  }
  const wrapped = WRAPPER_SCALARS[typeName];
  const scalar = wrapped === undefined ? undefined : asRecord(rules[wrapped]);
  if (wrapped !== undefined && scalar !== undefined) {
    const inner = format === 'protobufjs' ? record?.value : value;
    if (inner !== undefined) scalarRules(wrapped, scalar, inner, problems);
  }
}

function defaultValue(field: protobuf.FieldBase): unknown {
  if (field.resolvedType instanceof protobuf.Enum) return 0;
  if (field.type === 'string') return '';
  if (field.type === 'bool') return false;
  if (field.type === 'bytes') return '';
  return 0;
}

/** Applies rules to one element (a singular field's value, a list item or a map value); undefined = unset. */
export function elementRuleProblems(
  field: protobuf.FieldBase,
  rules: Rules,
  value: unknown,
  format: JsonFormat,
): string[] {
  const problems: string[] = [];
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) {
    messageRules(field, rules, value, format, problems);
  } else if (resolved instanceof protobuf.Enum) {
    const enumRule = asRecord(rules.enum);
    if (enumRule !== undefined) enumRules(resolved, enumRule, value ?? 0, problems);
  } else {
    const kind = asRecord(rules[field.type]);
    if (kind !== undefined) scalarRules(field.type, kind, value ?? defaultValue(field), problems);
  }
  return problems;
}

/** Rules on the list as a whole (`repeated.min_items`, `max_items`, `unique`); items are checked one by one. */
export function repeatedRuleProblems(rules: Rules, items: readonly unknown[]): string[] {
  const repeated = asRecord(rules.repeated);
  if (repeated === undefined) return [];
  const problems: string[] = [];
  if (repeated.min_items !== undefined && items.length < Number(repeated.min_items)) {
    problems.push(violation('repeated.min_items', repeated.min_items, items.length));
  }
  if (repeated.max_items !== undefined && items.length > Number(repeated.max_items)) {
    problems.push(violation('repeated.max_items', repeated.max_items, items.length));
  }
  if (repeated.unique === true && new Set(items.map((item) => JSON.stringify(item))).size !== items.length) {
    problems.push(violation('repeated.unique', true, 'duplicates'));
  }
  return problems;
}

/** Rules on a map as a whole (`map.min_pairs`, `max_pairs`). */
export function mapRuleProblems(rules: Rules, size: number): string[] {
  const map = asRecord(rules.map);
  if (map === undefined) return [];
  const problems: string[] = [];
  if (map.min_pairs !== undefined && size < Number(map.min_pairs)) {
    problems.push(violation('map.min_pairs', map.min_pairs, size));
  }
  if (map.max_pairs !== undefined && size > Number(map.max_pairs)) {
    problems.push(violation('map.max_pairs', map.max_pairs, size));
  }
  return problems;
}

/** The nested rules for list items, map keys or map values, if any. */
export function nestedRules(
  rules: Rules | undefined,
  container: 'repeated' | 'map',
  part: 'items' | 'keys' | 'values',
): Rules | undefined {
  return asRecord(asRecord(rules?.[container])?.[part]);
}

/** Applies key rules to a map key (keys are strings in JSON; numeric and bool keys are spelled as text). */
export function keyRuleProblems(keyType: string, rules: Rules, key: string): string[] {
  const problems: string[] = [];
  const kind = asRecord(rules[keyType]);
  if (kind === undefined) return problems;
  const value = keyType === 'string' ? key : keyType === 'bool' ? key === 'true' : key;
  scalarRules(keyType, kind, value, problems);
  return problems;
}
