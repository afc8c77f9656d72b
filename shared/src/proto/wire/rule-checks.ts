/**
 * The `(validate.rules)` that Envoy's generated validators enforce, compiled once per field into checks on
 * plain objects (scalar rules judge an unset field as its default; message rules only `required`), compiled
 * so that a check allocates nothing unless it finds a problem: the watcher checks every resource it
 * generates.
 */
import {
  all,
  asRecord,
  bounds,
  durationNanos,
  list,
  membership,
  toBigInt,
  toFloat,
  violation,
  type Rules,
  type ValueCheck,
} from './rule-common.js';
import { WRAPPER_SCALARS } from './scalars.js';
import { compileString } from './string-rules.js';

function compileBytes(rules: Record<string, unknown>): ValueCheck | undefined {
  const checks = [
    ['len', (n: number, l: number) => n === l],
    ['min_len', (n: number, l: number) => n >= l],
    ['max_len', (n: number, l: number) => n <= l],
  ] as const;
  const present = checks.filter(([name]) => rules[name] !== undefined);
  if (present.length === 0) return undefined;
  return (value, problems) => {
    const length =
      typeof value === 'string' ? Buffer.from(value, 'base64').length : (value as Uint8Array).length;
    for (const [name, ok] of present) {
      if (!ok(length, Number(rules[name]))) problems.push(violation(`bytes.${name}`, rules[name], length));
    }
  };
}

const NUMERIC_KINDS = new Set([
  ...['int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'fixed32', 'fixed64'],
  ...['sfixed32', 'sfixed64', 'double', 'float'],
]);

/** Compiles the rules of scalar `kind` (`string`, `uint32`, `bool`, `bytes`, …) for well-typed values. */
export function compileScalar(kind: string, rules: Record<string, unknown>): ValueCheck | undefined {
  if (kind === 'string') return compileString(rules);
  if (kind === 'bytes') return compileBytes(rules);
  if (kind === 'bool') {
    const expected = rules['const'];
    if (expected === undefined) return undefined;
    return (value, problems) => {
      if (expected !== value) problems.push(violation('bool.const', expected, value));
    };
  }
  if (!NUMERIC_KINDS.has(kind)) return undefined;
  const check = all([...bounds(kind, rules, false), membership(kind, rules)]);
  if (check === undefined) return undefined;
  const ignoreEmpty = rules['ignore_empty'] === true;
  return (value, problems) => {
    const number = toFloat(typeof value === 'object' ? String(toBigInt(value)) : value);
    if (number === undefined || (ignoreEmpty && number === 0)) return;
    check(number, problems);
  };
}

/** Compiles `enum` rules for values already known to be a name or number of `values`. */
export function compileEnum(
  values: Readonly<Record<string, number>>,
  rules: Record<string, unknown>,
): ValueCheck | undefined {
  const defined = new Set(Object.values(values));
  const expected = rules['const'];
  const member = membership('enum', rules);
  if (rules['defined_only'] !== true && expected === undefined && member === undefined) return undefined;
  return (value, problems) => {
    const number =
      typeof value === 'string' ? (Object.hasOwn(values, value) ? values[value] : undefined) : Number(value);
    if (number === undefined) return;
    if (rules['defined_only'] === true && !defined.has(number)) {
      problems.push(violation('enum.defined_only', true, value));
    }
    if (expected !== undefined && expected !== number)
      problems.push(violation('enum.const', expected, value));
    member?.(number, problems);
  };
}

/**
 * Compiles the rules of a message-typed field: `required` (also judged when unset), duration bounds, Any
 * type URLs and the scalar rules of wrapper types. The check receives undefined for an unset field.
 */
export function compileMessage(typeName: string, rules: Rules): ValueCheck | undefined {
  const required = (['message', 'duration', 'timestamp', 'any'] as const).filter(
    (kind) => asRecord(rules[kind])?.['required'] === true,
  );
  const checks: ValueCheck[] = [];
  const duration = asRecord(rules['duration']);
  if (duration !== undefined) {
    const durationChecks = all([
      ...bounds('duration', duration, true),
      membership('duration', {
        in: list(duration['in']).map(durationNanos),
        not_in: list(duration['not_in']).map(durationNanos),
      }),
    ]);
    if (durationChecks !== undefined) {
      checks.push((value, problems) => {
        const nanos = durationNanos(value);
        if (nanos !== undefined) durationChecks(nanos, problems);
      });
    }
  }
  const any = asRecord(rules['any']);
  const anyCheck = any === undefined ? undefined : membership('any', any);
  if (anyCheck !== undefined) {
    checks.push((value, problems) => {
      const record = asRecord(value);
      if (record !== undefined) anyCheck(record['@type'] ?? record['type_url'], problems);
    });
  }
  const wrapped = WRAPPER_SCALARS[typeName];
  const scalarRules = wrapped === undefined ? undefined : asRecord(rules[wrapped]);
  const scalar =
    wrapped === undefined || scalarRules === undefined ? undefined : compileScalar(wrapped, scalarRules);
  if (scalar !== undefined) {
    checks.push((value, problems) => {
      // protobufjs spells a wrapper { value }, proto3 JSON as the bare scalar.
      const record = asRecord(value);
      const inner = record === undefined ? value : record['value'];
      if (inner !== undefined) scalar(inner, problems);
    });
  }
  const check = all(checks);
  if (required.length === 0 && check === undefined) return undefined;
  return (value, problems) => {
    if (value === undefined) {
      for (const kind of required) problems.push(violation(`${kind}.required`, true, 'unset'));
      return;
    }
    check?.(value, problems);
  };
}

/** Compiles `repeated.min_items`, `max_items` and `unique` (on the list as a whole). */
export function compileRepeated(
  rules: Rules,
): ((items: readonly unknown[], problems: string[]) => void) | undefined {
  const repeated = asRecord(rules['repeated']);
  if (repeated === undefined) return undefined;
  const min = repeated['min_items'];
  const max = repeated['max_items'];
  const unique = repeated['unique'] === true;
  if (min === undefined && max === undefined && !unique) return undefined;
  return (items, problems) => {
    if (min !== undefined && items.length < Number(min)) {
      problems.push(violation('repeated.min_items', min, items.length));
    }
    if (max !== undefined && items.length > Number(max)) {
      problems.push(violation('repeated.max_items', max, items.length));
    }
    if (unique && new Set(items.map((i) => JSON.stringify(i))).size !== items.length) {
      problems.push(violation('repeated.unique', true, 'duplicates'));
    }
  };
}

/** Compiles `map.min_pairs` and `max_pairs` (on the map as a whole). */
export function compileMap(rules: Rules): ((size: number, problems: string[]) => void) | undefined {
  const map = asRecord(rules['map']);
  const min = map?.['min_pairs'];
  const max = map?.['max_pairs'];
  if (min === undefined && max === undefined) return undefined;
  return (size, problems) => {
    if (min !== undefined && size < Number(min)) problems.push(violation('map.min_pairs', min, size));
    if (max !== undefined && size > Number(max)) problems.push(violation('map.max_pairs', max, size));
  };
}

/** The nested rules for list items, map keys or map values. */
export function nestedRules(
  rules: Rules | undefined,
  container: 'repeated' | 'map',
  part: 'items' | 'keys' | 'values',
): Rules | undefined {
  return asRecord(asRecord(rules?.[container])?.[part]);
}
