import { lookupMessage } from '../codec.js';
import { messageName } from '../type-urls.js';
import protobuf from 'protobufjs';
import {
  hasSpecialJson,
  isPlainObject,
  scalarProblem,
  wellKnownProblem,
  type JsonFormat,
} from './proto-json-scalars.js';
import {
  elementRuleProblems,
  fieldRules,
  keyRuleProblems,
  mapRuleProblems,
  nestedRules,
  oneofRequired,
  repeatedRuleProblems,
  type Rules,
} from './validate-rules.js';

/** Options of `checkMessageJson`. */
export interface CheckMessageOptions {
  /**
   * `proto3-json` (default): canonical proto3 JSON as Envoy reads a bootstrap (durations as "5s", wrappers
   * as bare values, lowerCamel names allowed). `protobufjs`: the plain objects the shared codec encodes
   * (well-known types as ordinary messages, proto field names only, `Any` still as `{ '@type', … }`).
   */
  readonly format?: JsonFormat;
}

const MAX_DEPTH = 64;
const ANY = 'google.protobuf.Any';

interface Walk {
  readonly format: JsonFormat;
  readonly problems: string[];
}

const fieldPath = (path: string, name: string): string => (path === '' ? name : `${path}.${name}`);

function report(walk: Walk, path: string, problem: string): void {
  walk.problems.push(`${path === '' ? '(root)' : path}: ${problem}`);
}

/**
 * Checks `json` strictly against the Envoy message `typeName` (a full name or type URL): unknown or
 * deprecated fields, wrong JSON types, unknown enum names, several members of one oneof, `Any` payloads of
 * unloaded types, and the `(validate.rules)` Envoy enforces. protobufjs' own `fromObject` ignores unknown
 * keys, so it cannot tell a typo from a field. Returns one line per problem; empty means valid.
 */
export function checkMessageJson(
  typeName: string,
  json: unknown,
  options: CheckMessageOptions = {},
): string[] {
  const walk: Walk = { format: options.format ?? 'proto3-json', problems: [] };
  let type: protobuf.Type;
  try {
    type = lookupMessage(typeName);
  } catch {
    return [`unknown message type ${typeName}`];
  }
  checkMessage(walk, type, json, '', 0);
  return walk.problems;
}

function checkMessage(walk: Walk, type: protobuf.Type, value: unknown, path: string, depth: number): void {
  if (depth > MAX_DEPTH) return report(walk, path, 'nested too deeply');
  const name = type.fullName.slice(1);
  if (name === ANY) return checkAny(walk, value, path, depth);
  if (walk.format === 'proto3-json' && hasSpecialJson(name)) {
    const problem = wellKnownProblem(name, value);
    if (problem !== undefined) report(walk, path, problem);
    return;
  }
  if (!isPlainObject(value)) {
    return report(walk, path, `expected a ${name} object, got ${JSON.stringify(value)}`);
  }
  checkFields(walk, type, value, path, depth);
}

function checkAny(walk: Walk, value: unknown, path: string, depth: number): void {
  if (!isPlainObject(value)) return report(walk, path, 'expected an Any object with "@type"');
  const url = value['@type'];
  if (url === undefined) {
    // protobufjs also reads the raw form { type_url, value }; proto3 JSON has no such spelling.
    if (walk.format === 'protobufjs' && 'type_url' in value) {
      return checkFields(walk, lookupMessage(ANY), value, path, depth);
    }
    if (Object.keys(value).length > 0) report(walk, path, 'Any without "@type"');
    return;
  }
  if (typeof url !== 'string' || !url.includes('/')) {
    return report(walk, `${fieldPath(path, '@type')}`, `bad type URL ${JSON.stringify(url)}`);
  }
  let packed: protobuf.Type;
  try {
    packed = lookupMessage(messageName(url));
  } catch {
    return report(walk, path, `Any of type ${url}, which is not loaded, so it cannot be checked`);
  }
  const { '@type': _type, ...fields } = value;
  const packedName = packed.fullName.slice(1);
  if (walk.format === 'proto3-json' && (hasSpecialJson(packedName) || packedName === ANY)) {
    const extra = Object.keys(fields).filter((key) => key !== 'value');
    if (extra.length > 0) {
      report(walk, path, `unknown field(s) ${extra.join(', ')} beside "value" in an Any of ${packedName}`);
    }
    return checkMessage(walk, packed, fields.value, fieldPath(path, 'value'), depth + 1);
  }
  checkFields(walk, packed, fields, path, depth);
}

function lowerCamel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase());
}

function checkFields(
  walk: Walk,
  type: protobuf.Type,
  value: Record<string, unknown>,
  path: string,
  depth: number,
): void {
  const byJsonName = new Map(type.fieldsArray.map((field) => [lowerCamel(field.name), field]));
  const present = new Map<protobuf.Field, unknown>();
  for (const [key, fieldValue] of Object.entries(value)) {
    // Own keys only: a key such as "constructor" must not find a property of Object.prototype.
    const own = Object.hasOwn(type.fields, key) ? type.fields[key] : undefined;
    const field = own ?? (walk.format === 'proto3-json' ? byJsonName.get(key) : undefined);
    const at = fieldPath(path, key);
    if (field === undefined) {
      report(walk, at, `unknown field of ${type.fullName.slice(1)}`);
      continue;
    }
    if (present.has(field)) report(walk, at, `field ${field.name} given twice`);
    if (field.options?.deprecated === true) report(walk, at, 'deprecated field');
    if (field.options?.['(envoy.annotations.disallowed_by_default)'] === true) {
      report(walk, at, 'field disallowed by default');
    }
    // null means "unset" in proto3 JSON, except for google.protobuf.Value, whose null is a value.
    if (fieldValue === null && field.resolvedType?.fullName !== '.google.protobuf.Value') continue;
    if (fieldValue === undefined) continue;
    present.set(field, fieldValue);
    checkFieldValue(walk, field, fieldValue, at, depth);
  }
  checkOneofs(walk, type, present, path);
  for (const field of type.fieldsArray) {
    const rules = fieldRules(field);
    // A oneof member's rules apply only when it is the member that is set.
    if (rules === undefined || (field.partOf !== null && !present.has(field))) continue;
    checkFieldRules(walk, field, rules, present.get(field), fieldPath(path, field.name));
  }
}

function checkOneofs(
  walk: Walk,
  type: protobuf.Type,
  present: Map<protobuf.Field, unknown>,
  path: string,
): void {
  for (const oneof of type.oneofsArray) {
    const set = oneof.fieldsArray.filter((field) => present.has(field)).map((field) => field.name);
    if (set.length > 1) report(walk, path, `oneof ${oneof.name} has several members set: ${set.join(', ')}`);
    if (set.length === 0 && oneofRequired(oneof)) {
      report(
        walk,
        path,
        `oneof ${oneof.name} requires one of: ${oneof.fieldsArray.map((f) => f.name).join(', ')}`,
      );
    }
  }
}

function checkFieldValue(
  walk: Walk,
  field: protobuf.Field,
  value: unknown,
  path: string,
  depth: number,
): void {
  if (field.map) {
    if (!isPlainObject(value)) return report(walk, path, 'expected a map (JSON object)');
    const keyType = (field as unknown as protobuf.MapField).keyType;
    for (const [key, item] of Object.entries(value)) {
      const keyProblem = mapKeyProblem(keyType, key, walk.format);
      if (keyProblem !== undefined) {
        report(walk, `${path}[${JSON.stringify(key)}]`, `bad map key: ${keyProblem}`);
      }
      checkSingle(walk, field, item, `${path}[${JSON.stringify(key)}]`, depth);
    }
    return;
  }
  if (field.repeated) {
    if (!Array.isArray(value)) return report(walk, path, 'expected a list (JSON array)');
    value.forEach((item, index) => checkSingle(walk, field, item, `${path}[${index}]`, depth));
    return;
  }
  checkSingle(walk, field, value, path, depth);
}

/** JSON spells every map key as text; numeric keys must spell an integer of the key type, bool keys a bool. */
function mapKeyProblem(keyType: string, key: string, format: JsonFormat): string | undefined {
  if (keyType === 'string') return undefined;
  if (keyType === 'bool') return key === 'true' || key === 'false' ? undefined : `expected "true" or "false"`;
  return scalarProblem(keyType, key, format);
}

function checkSingle(walk: Walk, field: protobuf.Field, value: unknown, path: string, depth: number): void {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return checkMessage(walk, resolved, value, path, depth + 1);
  if (resolved instanceof protobuf.Enum) {
    const known = typeof value === 'string' ? Object.hasOwn(resolved.values, value) : Number.isInteger(value);
    if (!known) {
      report(walk, path, `not a value of enum ${resolved.fullName.slice(1)}: ${JSON.stringify(value)}`);
    }
    return;
  }
  const problem = scalarProblem(field.type, value, walk.format);
  if (problem !== undefined) report(walk, path, problem);
}

/** Rule checks run only on values of the right JSON type, so a type error is reported once, as such. */
function typeOk(walk: Walk, field: protobuf.Field, value: unknown): boolean {
  const probe: Walk = { format: walk.format, problems: [] };
  checkSingle(probe, field, value, '', 0);
  return probe.problems.length === 0;
}

function checkFieldRules(
  walk: Walk,
  field: protobuf.Field,
  rules: Rules,
  value: unknown,
  path: string,
): void {
  if (field.map) {
    const entries = isPlainObject(value) ? Object.entries(value) : [];
    for (const problem of mapRuleProblems(rules, entries.length)) report(walk, path, problem);
    const keys = nestedRules(rules, 'map', 'keys');
    const values = nestedRules(rules, 'map', 'values');
    for (const [key, item] of entries) {
      const at = `${path}[${JSON.stringify(key)}]`;
      const keyType = (field as unknown as protobuf.MapField).keyType;
      if (keys !== undefined) {
        for (const problem of keyRuleProblems(keyType, keys, key)) report(walk, at, problem);
      }
      if (values !== undefined && typeOk(walk, field, item)) {
        for (const problem of elementRuleProblems(field, values, item, walk.format)) {
          report(walk, at, problem);
        }
      }
    }
    return;
  }
  if (field.repeated) {
    const items = Array.isArray(value) ? value : [];
    for (const problem of repeatedRuleProblems(rules, items)) report(walk, path, problem);
    const itemRules = nestedRules(rules, 'repeated', 'items');
    if (itemRules === undefined) return;
    items.forEach((item, index) => {
      if (!typeOk(walk, field, item)) return;
      for (const problem of elementRuleProblems(field, itemRules, item, walk.format)) {
        report(walk, `${path}[${index}]`, problem);
      }
    });
    return;
  }
  if (value !== undefined && !typeOk(walk, field, value)) return;
  for (const problem of elementRuleProblems(field, rules, value, walk.format)) report(walk, path, problem);
}
