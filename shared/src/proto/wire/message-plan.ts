import { lookupMessage } from '../codec.js';
import type protobuf from 'protobufjs';
import {
  compileEnum,
  compileMap,
  compileMessage,
  compileRepeated,
  compileScalar,
  nestedRules,
} from './rule-checks.js';
import { asRecord, type Rules, type ValueCheck } from './rule-common.js';

/** Wire type of each scalar (enums are varints). */
const WIRE_TYPES: Readonly<Record<string, number>> = {
  double: 1,
  float: 5,
  int32: 0,
  uint32: 0,
  sint32: 0,
  fixed32: 5,
  sfixed32: 5,
  int64: 0,
  uint64: 0,
  sint64: 0,
  fixed64: 1,
  sfixed64: 1,
  bool: 0,
  string: 2,
  bytes: 2,
};

/** A field's compiled `(validate.rules)`. */
export interface FieldRules {
  /** On a list (its items) or a map (its size), present or not. */
  readonly list?: (items: readonly unknown[], problems: string[]) => void;
  readonly size?: (size: number, problems: string[]) => void;
  /** On a map key. */
  readonly key?: ValueCheck;
  /** On the value of a singular field (also when unset), or on each list item or map value. */
  readonly element?: ValueCheck;
}

/** How to check and write one field, computed once per field. */
export interface FieldPlan {
  readonly name: string;
  readonly id: number;
  readonly repeated: boolean;
  readonly map: boolean;
  readonly keyType: string;
  /** 'message', 'enum' or the scalar type name. */
  readonly type: string;
  readonly wireType: number;
  readonly packed: boolean;
  readonly enumValues: Readonly<Record<string, number>> | undefined;
  /** Full name of an enum field's type, for problem lines. */
  readonly enumName: string;
  /** The value an unset scalar or enum field has, which its rules judge. */
  readonly defaultValue: unknown;
  readonly rules: FieldRules | undefined;
  /** 'deprecated field' or 'field disallowed by default' when the field must not be used. */
  readonly flag: string | undefined;
  readonly oneof: string | undefined;
  /** Whether its rules report problems when it is unset (constant per field): judged on first need. */
  unsetFails: boolean | undefined;
  /** The message plan of a message field (resolved lazily: types are recursive). */
  message(): MessagePlan;
}

/** One oneof of a message. */
export interface OneofPlan {
  readonly name: string;
  readonly members: readonly FieldPlan[];
  readonly required: boolean;
}

/** How to check and write one message type. */
export interface MessagePlan {
  /** Full name without the leading dot. */
  readonly name: string;
  readonly fields: ReadonlyMap<string, FieldPlan>;
  /** Fields by their lowerCamel JSON name, where it differs from the proto name (proto3 JSON takes both). */
  readonly jsonNames: ReadonlyMap<string, FieldPlan>;
  /** Every field, by field number (the order protobufjs writes them in). */
  readonly byId: readonly FieldPlan[];
  /** Fields that must not be used (deprecated, disallowed by default). */
  readonly flagged: readonly FieldPlan[];
  /** A field name shadows an Object.prototype member: look fields up as own properties only. */
  readonly ownOnly: boolean;
  /** Fields carrying `(validate.rules)`, in declaration order. */
  readonly ruled: readonly FieldPlan[];
  readonly oneofs: readonly OneofPlan[];
  /** What the checked encoder may skip in this type, worked out on its first use (rules may recurse). */
  facts: PlanFacts | undefined;
}

/** What a walk of a message type can skip. */
export interface PlanFacts {
  /** Ruled fields outside oneofs whose rules fail when unset: the only ones worth judging when unset. */
  readonly absentFailing: readonly FieldPlan[];
  /** No flagged field is named like an `Object.prototype` member, so only the own keys can set one. */
  readonly flagsByKeys: boolean;
}

const RULES_OPTION = '(validate.rules)';
const plans = new Map<string, MessagePlan>();

/** The plan of a message type, by full name or type URL; built on first use and kept. */
export function messagePlan(nameOrTypeUrl: string): MessagePlan {
  const known = plans.get(nameOrTypeUrl);
  if (known !== undefined) return known;
  const name = nameOrTypeUrl.slice(nameOrTypeUrl.lastIndexOf('/') + 1);
  let plan = plans.get(name);
  if (plan === undefined) {
    plan = compile(lookupMessage(name));
    plans.set(name, plan);
  }
  plans.set(nameOrTypeUrl, plan);
  return plan;
}

function isType(t: unknown): t is protobuf.Type {
  return typeof t === 'object' && t !== null && 'fieldsArray' in t;
}

function isEnum(t: unknown): t is protobuf.Enum {
  return typeof t === 'object' && t !== null && 'values' in t && !('fieldsArray' in t);
}

function compile(type: protobuf.Type): MessagePlan {
  const fields = new Map<string, FieldPlan>();
  for (const field of type.fieldsArray) fields.set(field.name, fieldPlan(field));
  const ruled: FieldPlan[] = [];
  for (const field of type.fieldsArray) {
    const plan = fields.get(field.name);
    if (plan?.rules !== undefined) ruled.push(plan);
  }
  const oneofs = type.oneofsArray.map((oneof) => ({
    name: oneof.name,
    members: oneof.fieldsArray.map((f) => fields.get(f.name)).filter((f) => f !== undefined),
    required: oneof.options?.['(validate.required)'] === true,
  }));
  const all = [...fields.values()];
  const jsonNames = new Map<string, FieldPlan>();
  for (const field of all) {
    const camel = lowerCamel(field.name);
    if (camel !== field.name) jsonNames.set(camel, field);
  }
  return {
    name: type.fullName.slice(1),
    fields,
    jsonNames,
    byId: [...all].sort((a, b) => a.id - b.id),
    flagged: all.filter((f) => f.flag !== undefined),
    ownOnly: all.some((f) => f.name in Object.prototype),
    ruled,
    oneofs,
    facts: undefined,
  };
}

function lowerCamel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase());
}

function fieldPlan(field: protobuf.Field): FieldPlan {
  field.resolve();
  const resolved = field.resolvedType;
  const type = isType(resolved) ? 'message' : isEnum(resolved) ? 'enum' : field.type;
  const packable = type !== 'message' && type !== 'string' && type !== 'bytes';
  const keyType = field.map ? (field as unknown as protobuf.MapField).keyType : '';
  const enumValues = isEnum(resolved) ? resolved.values : undefined;
  const subName = isType(resolved) ? resolved.fullName.slice(1) : '';
  let sub: MessagePlan | undefined;
  const flag =
    field.options?.['deprecated'] === true
      ? 'deprecated field'
      : field.options?.['(envoy.annotations.disallowed_by_default)'] === true
        ? 'field disallowed by default'
        : undefined;
  const rules = readRules(field);
  return {
    name: field.name,
    id: field.id,
    repeated: field.repeated,
    map: field.map,
    keyType,
    type,
    wireType: type === 'message' ? 2 : type === 'enum' ? 0 : (WIRE_TYPES[type] ?? 2),
    packed: field.repeated && !field.map && packable && field.packed,
    enumValues,
    enumName: isEnum(resolved) ? resolved.fullName.slice(1) : '',
    defaultValue: type === 'string' || type === 'bytes' ? '' : type === 'bool' ? false : 0,
    rules:
      rules === undefined ? undefined : compileFieldRules(field, type, subName, keyType, enumValues, rules),
    flag,
    oneof: field.partOf?.name,
    unsetFails: undefined,
    message() {
      if (sub === undefined) sub = messagePlan(subName);
      return sub;
    },
  };
}

function compileElement(
  type: string,
  subName: string,
  enumValues: Readonly<Record<string, number>> | undefined,
  rules: Rules | undefined,
): ValueCheck | undefined {
  if (rules === undefined) return undefined;
  if (type === 'message') return compileMessage(subName, rules);
  if (type === 'enum') {
    const enumRules = asRecord(rules['enum']);
    return enumRules === undefined ? undefined : compileEnum(enumValues ?? {}, enumRules);
  }
  const kind = asRecord(rules[type]);
  return kind === undefined ? undefined : compileScalar(type, kind);
}

function compileFieldRules(
  field: protobuf.Field,
  type: string,
  subName: string,
  keyType: string,
  enumValues: Readonly<Record<string, number>> | undefined,
  rules: Rules,
): FieldRules | undefined {
  let compiled: FieldRules;
  if (field.map) {
    const keys = asRecord(nestedRules(rules, 'map', 'keys')?.[keyType]);
    compiled = {
      size: compileMap(rules),
      key: keys === undefined ? undefined : compileScalar(keyType, keys),
      element: compileElement(type, subName, enumValues, nestedRules(rules, 'map', 'values')),
    };
  } else if (field.repeated) {
    compiled = {
      list: compileRepeated(rules),
      element: compileElement(type, subName, enumValues, nestedRules(rules, 'repeated', 'items')),
    };
  } else {
    compiled = { element: compileElement(type, subName, enumValues, rules) };
  }
  const any = Object.values(compiled).some((c) => c !== undefined);
  return any ? compiled : undefined;
}

/** The field's `(validate.rules)`: the structured parsed options, else the flattened option keys rebuilt. */
function readRules(field: protobuf.FieldBase): Rules | undefined {
  const parsed = (field.parsedOptions as unknown as readonly Record<string, unknown>[] | undefined) ?? [];
  const structured = parsed.map((entry) => asRecord(entry[RULES_OPTION])).filter((r) => r !== undefined);
  if (structured.length > 0) return Object.assign({}, ...structured) as Rules;
  const rules: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(field.options ?? {})) {
    if (!key.startsWith(`${RULES_OPTION}.`)) continue;
    const path = key.slice(RULES_OPTION.length + 1).split('.');
    let node = rules;
    for (const part of path.slice(0, -1)) node = asRecord(node[part]) ?? (node[part] = {});
    node[path.at(-1) ?? ''] = value;
  }
  return Object.keys(rules).length > 0 ? rules : undefined;
}
