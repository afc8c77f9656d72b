import type { Result } from '../../result.js';
import { ByteWriter } from './byte-writer.js';
import { EncodedMessage } from './encoded-message.js';
import { fieldRules, type Ok } from './field-rules.js';
import { jsonAny, jsonFields, type JsonWalk } from './json-fields.js';
import {
  messagePlan,
  type FieldPlan,
  type MessagePlan,
  type OneofPlan,
  type PlanFacts,
} from './message-plan.js';
import { isPlainObject, path, report } from './problem-path.js';
import {
  hasSpecialJson,
  mapKeyProblem,
  scalarProblem,
  SMALL_INT,
  wellKnownProblem,
  writeMapKey,
  writeScalar,
  type JsonFormat,
} from './scalars.js';

const MAX_DEPTH = 64;
const ANY = 'google.protobuf.Any';
const writer = new ByteWriter();
/** The spelling being read: encoding always reads protobufjs objects; a check may read proto3 JSON. */
let format: JsonFormat = 'protobufjs';
/** At the top level, the field number before which spliced items go, and where that is in the output. */
let spliceId = 0;
let spliceOffset = -1;
/** What the proto3 JSON reading (json-fields.ts) reuses of this walk. */
const jsonWalk: JsonWalk = { message, writeField };
/**
 * Checks a message, given as the plain object the shared codec takes (proto field names, nested `Any` as
 * `{ '@type', … }`), against its type and Envoy's `(validate.rules)`, and encodes it in the same walk. The
 * bytes equal `encodeMessage`'s and the problems are those `checkMessageJson(…, { format: 'protobufjs' })`
 * reports, at a fraction of the cost of checking and encoding apart.
 */
export function encodeChecked(typeName: string, json: Record<string, unknown>): Result<Uint8Array> {
  const problems: string[] = [];
  writer.reset();
  path.length = 0;
  spliceId = 0;
  message(messagePlan(typeName), json, 0, problems);
  if (problems.length > 0) return { ok: false, errors: problems };
  return { ok: true, value: writer.finish() };
}

/**
 * Checks and encodes a message that never changes, once, to be set as a field's value in later encodes
 * (see `EncodedMessage`). Throws when it does not pass the check: such constants are code, not input.
 */
export function encodeOnce(typeName: string, json: Record<string, unknown>): EncodedMessage {
  const plan = messagePlan(typeName);
  const encoded = encodeChecked(plan.name, json);
  if (!encoded.ok)
    throw new Error(`constant ${plan.name} does not pass the check: ${encoded.errors.join('; ')}`);
  return new EncodedMessage(plan.name, encoded.value, json);
}

/**
 * `encodeChecked`, also telling where the fields numbered above `fieldId` start in the output: the place
 * where items of that (absent) repeated field go when spliced in. The bytes are the encoder's own scratch
 * space, not a copy (the splice copies them anyway): they are valid only until the next encode.
 */
export function encodeCheckedAt(
  typeName: string,
  json: Record<string, unknown>,
  fieldId: number,
): Result<{ bytes: Uint8Array; offset: number }> {
  const problems: string[] = [];
  writer.reset();
  path.length = 0;
  spliceId = fieldId;
  spliceOffset = -1;
  message(messagePlan(typeName), json, 0, problems);
  spliceId = 0;
  if (problems.length > 0) return { ok: false, errors: problems };
  const bytes = writer.view();
  return { ok: true, value: { bytes, offset: spliceOffset === -1 ? bytes.length : spliceOffset } };
}

/**
 * Only the check of `encodeChecked`, of `json` in the spelling `jsonFormat`: one `path: problem` line per
 * problem, empty when valid. Throws when `typeName` is not a loaded message type.
 */
export function checkJson(typeName: string, json: unknown, jsonFormat: JsonFormat = 'protobufjs'): string[] {
  const problems: string[] = [];
  const plan = messagePlan(typeName);
  writer.reset();
  path.length = 0;
  spliceId = 0;
  format = jsonFormat;
  try {
    message(plan, json, 0, problems);
  } finally {
    format = 'protobufjs';
  }
  return problems;
}

/** Writes the fields of `value` (no tag, no length) and reports its problems. */
function message(plan: MessagePlan, value: unknown, depth: number, problems: string[]): void {
  if (depth > MAX_DEPTH) return report(problems, 'nested too deeply');
  if (plan.name === ANY) return anyMessage(value, depth, problems);
  if (format === 'proto3-json' && hasSpecialJson(plan.name)) {
    const problem = wellKnownProblem(plan.name, value);
    if (problem !== undefined) report(problems, problem);
    return;
  }
  if (!isPlainObject(value))
    return report(problems, `expected a ${plan.name} object, got ${JSON.stringify(value)}`);
  if (format === 'proto3-json') jsonFields(jsonWalk, plan, value, depth, problems, undefined);
  else fields(plan, value, depth, problems);
}

function anyMessage(value: unknown, depth: number, problems: string[]): void {
  if (!isPlainObject(value)) return report(problems, 'expected an Any object with "@type"');
  const url = value['@type'];
  if (url === undefined) {
    // protobufjs also reads the raw form { type_url, value }; proto3 JSON has no such spelling.
    if (format === 'protobufjs' && 'type_url' in value)
      return fields(messagePlan(ANY), value, depth, problems);
    if (Object.keys(value).length > 0) report(problems, 'Any without "@type"');
    return;
  }
  if (typeof url !== 'string' || !url.includes('/')) {
    path.push('@type');
    report(problems, `bad type URL ${JSON.stringify(url)}`);
    path.pop();
    return;
  }
  let packed: MessagePlan;
  try {
    packed = messagePlan(url);
  } catch {
    return report(problems, `Any of type ${url}, which is not loaded, so it cannot be checked`);
  }
  if (format === 'proto3-json') return jsonAny(jsonWalk, packed, value, depth, problems);
  // Any { type_url = 1; value = 2 }, the packed message being the bytes of `value`.
  writer.tag(1, 2);
  writer.string(url);
  writer.tag(2, 2);
  writer.fork();
  fields(packed, value, depth, problems, '@type');
  writer.ldelim();
}

/** Scratch lists of the present fields of a message, one per nesting depth. */
const scratch: FieldPlan[][] = [];

function includes(list: readonly FieldPlan[], count: number, field: FieldPlan): boolean {
  for (let i = 0; i < count; i++) if (list[i] === field) return true;
  return false;
}

function facts(plan: MessagePlan): PlanFacts {
  plan.facts ??= {
    absentFailing: plan.ruled.filter((f) => f.oneof === undefined && unsetFails(f)),
    flagsByKeys: plan.flagged.every((f) => !(f.name in Object.prototype)),
  };
  return plan.facts;
}

/** Whether a field's rules report problems when it is unset: constant per field, so judged once. */
function unsetFails(field: FieldPlan): boolean {
  if (field.unsetFails === undefined) {
    const problems: string[] = [];
    if (field.rules !== undefined) fieldRules(field, field.rules, false, undefined, true, problems);
    field.unsetFails = problems.length > 0;
  }
  return field.unsetFails;
}

function fields(
  plan: MessagePlan,
  value: Record<string, unknown>,
  depth: number,
  problems: string[],
  skip?: string,
): void {
  const top = depth === 0 && spliceId !== 0;
  let keys = 0;
  let undefinedKeys = 0;
  if (plan.byId.length >= LISTED_WALK) {
    // Types this large are usually sparse: one pass over the keys counts them and lists the set fields.
    if (sparseFields(plan, value, depth, problems, skip, top)) return;
    keys = counted.keys;
    undefinedKeys = counted.undefinedKeys;
  } else {
    for (const key in value) {
      if (key === skip) continue;
      keys++;
      if (value[key] === undefined) undefinedKeys++;
    }
    if (keys * 4 < plan.byId.length && sparseFields(plan, value, depth, problems, skip, top)) return;
  }
  let matched = 0;
  for (const field of plan.byId) {
    if (top && spliceOffset === -1 && field.id > spliceId) spliceOffset = writer.position();
    const v = plan.ownOnly && !Object.hasOwn(value, field.name) ? undefined : value[field.name];
    if (v === undefined) {
      if (field.oneof === undefined && field.rules !== undefined && unsetFails(field))
        absentField(field, problems);
      continue;
    }
    matched++;
    presentField(field, v, depth, problems);
  }
  if (matched + undefinedKeys !== keys || undefinedKeys > 0) unknownKeys(plan, value, problems, skip);
  flaggedFields(plan, value, problems);
  for (const oneof of plan.oneofs) oneofProblems(oneof, value, problems);
}

/** From this many fields on, a type's keys are walked once, listing its set fields as they are counted. */
const LISTED_WALK = 8;
/** The key counts of the last `sparseFields` that found a message dense. */
const counted = { keys: 0, undefinedKeys: 0 };

/**
 * Few of many fields set (a Cluster, a RouteAction, an HTTP connection manager): walks the keys, not the
 * schema, and judges only the unset fields, flags and oneofs that can report anything. Returns false,
 * having written nothing, when a quarter or more of the fields are set (`counted` then has the counts).
 */
function sparseFields(
  plan: MessagePlan,
  value: Record<string, unknown>,
  depth: number,
  problems: string[],
  skip: string | undefined,
  top: boolean,
): boolean {
  let present = scratch[depth];
  if (present === undefined) {
    present = [];
    scratch[depth] = present;
  }
  let keys = 0;
  let undefinedKeys = 0;
  let matched = 0;
  let flagged = false;
  let oneofMembers = 0;
  for (const key in value) {
    if (key === skip) continue;
    keys++;
    const v = value[key];
    if (v === undefined) undefinedKeys++;
    const field = plan.fields.get(key);
    if (field === undefined) continue;
    if (field.flag !== undefined) flagged = true;
    if (v === undefined) continue;
    if (plan.ownOnly && !Object.hasOwn(value, key)) continue;
    if (field.oneof !== undefined) oneofMembers++;
    // Insertion in field-number order, in place: this runs for nearly every message encoded.
    let i = matched++;
    for (let prev = present[i - 1]; prev !== undefined && prev.id > field.id; prev = present[i - 1]) {
      present[i] = prev;
      i--;
    }
    present[i] = field;
  }
  if (keys * 4 >= plan.byId.length) {
    counted.keys = keys;
    counted.undefinedKeys = undefinedKeys;
    return false;
  }
  const known = facts(plan);
  for (let i = 0; i < matched; i++) {
    const field = present[i];
    if (field === undefined) continue;
    // Spliced items go before the first field numbered above theirs (see `encodeCheckedAt`).
    if (top && spliceOffset === -1 && field.id > spliceId) spliceOffset = writer.position();
    presentField(field, value[field.name], depth, problems);
  }
  for (const field of known.absentFailing) {
    if (!includes(present, matched, field)) absentField(field, problems);
  }
  if (matched + undefinedKeys !== keys || undefinedKeys > 0) unknownKeys(plan, value, problems, skip);
  // A flagged field set (even to undefined) is among the keys, unless it hides in Object.prototype.
  if (flagged || !known.flagsByKeys || plan.ownOnly) flaggedFields(plan, value, problems);
  for (const oneof of plan.oneofs) {
    // The listed fields are all the set ones: a oneof none of them belongs to is unset.
    if (!oneof.required && !plan.ownOnly && (oneofMembers === 0 || !listsOneof(present, matched, oneof)))
      continue;
    oneofProblems(oneof, value, problems);
  }
  return true;
}

function listsOneof(list: readonly FieldPlan[], count: number, oneof: OneofPlan): boolean {
  for (let i = 0; i < count; i++) if (list[i]?.oneof === oneof.name) return true;
  return false;
}

function flaggedFields(plan: MessagePlan, value: Record<string, unknown>, problems: string[]): void {
  for (const field of plan.flagged) {
    if (field.name in value && field.flag !== undefined) {
      path.push(field.name);
      report(problems, field.flag);
      path.pop();
    }
  }
}

function oneofProblems(oneof: OneofPlan, value: Record<string, unknown>, problems: string[]): void {
  let count = 0;
  for (const m of oneof.members) if (value[m.name] !== undefined && value[m.name] !== null) count++;
  if (count > 1) {
    const set = oneof.members.filter((m) => value[m.name] !== undefined && value[m.name] !== null);
    report(problems, `oneof ${oneof.name} has several members set: ${set.map((m) => m.name).join(', ')}`);
  } else if (count === 0 && oneof.required) {
    report(problems, `oneof ${oneof.name} requires one of: ${oneof.members.map((f) => f.name).join(', ')}`);
  }
}

/** Writes a present field (null counts as unset) and applies its rules. */
function presentField(field: FieldPlan, v: unknown, depth: number, problems: string[]): void {
  path.push(field.name);
  if (v !== null) {
    const ok = writeField(field, v, depth, problems);
    if (field.rules !== undefined) fieldRules(field, field.rules, true, v, ok, problems);
  } else if (field.rules !== undefined && field.oneof === undefined) {
    fieldRules(field, field.rules, false, undefined, true, problems);
  }
  path.pop();
}

/** Applies the rules of an unset field (scalar rules judge its default, `required` fails). */
function absentField(field: FieldPlan, problems: string[]): void {
  if (field.rules === undefined) return;
  path.push(field.name);
  fieldRules(field, field.rules, false, undefined, true, problems);
  path.pop();
}

function unknownKeys(
  plan: MessagePlan,
  value: Record<string, unknown>,
  problems: string[],
  skip?: string,
): void {
  for (const key of Object.keys(value)) {
    if (key === skip || plan.fields.has(key)) continue;
    path.push(key);
    report(problems, `unknown field of ${plan.name}`);
    path.pop();
  }
}

/** Writes one present field; returns whether it (each item, each map value) was well typed. */
function writeField(field: FieldPlan, value: unknown, depth: number, problems: string[]): Ok {
  if (field.map) {
    if (!isPlainObject(value)) {
      report(problems, 'expected a map (JSON object)');
      return false;
    }
    // Which entries were well typed matters only to rules on the values.
    const oks = field.rules?.element === undefined ? undefined : new Map<string, boolean>();
    for (const key of Object.keys(value)) {
      path.push({ key });
      const keyProblem = mapKeyProblem(field.keyType, key, format);
      if (keyProblem !== undefined) report(problems, `bad map key: ${keyProblem}`);
      writer.tag(field.id, 2);
      writer.fork();
      writeMapKey(writer, field.keyType, key);
      const ok = single(field, value[key], depth, problems, 2);
      oks?.set(key, ok);
      writer.ldelim();
      path.pop();
    }
    return oks ?? true;
  }
  if (field.repeated) {
    if (!Array.isArray(value)) {
      report(problems, 'expected a list (JSON array)');
      return false;
    }
    const items = value as unknown[];
    const oks = field.rules?.element === undefined ? undefined : new Array<boolean>(items.length);
    if (items.length === 0) return oks ?? true;
    if (field.packed) {
      writer.tag(field.id, 2);
      writer.fork();
    }
    const id = field.packed ? 0 : field.id;
    for (let i = 0; i < items.length; i++) {
      path.push(i);
      const ok = single(field, items[i], depth, problems, id);
      if (oks !== undefined) oks[i] = ok;
      path.pop();
    }
    if (field.packed) writer.ldelim();
    return oks ?? true;
  }
  return single(field, value, depth, problems, field.id);
}

/** Checks and writes one value; `id` 0 writes no tag (packed items). */
function single(field: FieldPlan, value: unknown, depth: number, problems: string[], id: number): boolean {
  if (field.type === 'message') {
    if (value instanceof EncodedMessage) return encodedField(field, value, problems, id);
    const before = problems.length;
    if (id !== 0) writer.tag(id, 2);
    writer.fork();
    message(field.message(), value, depth + 1, problems);
    writer.ldelim();
    return problems.length === before;
  }
  if (field.type === 'enum') {
    const values = field.enumValues ?? {};
    const number =
      typeof value === 'string' ? (Object.hasOwn(values, value) ? values[value] : undefined) : value;
    if (typeof number !== 'number' || !Number.isInteger(number)) {
      report(problems, `not a value of enum ${field.enumName}: ${JSON.stringify(value)}`);
      return false;
    }
    if (id !== 0) writer.tag(id, 0);
    writer.int32(number);
    return true;
  }
  // The common case first: a string, or a small integer within its range.
  if (field.type === 'string' && typeof value === 'string') {
    if (id !== 0) writer.tag(id, 2);
    writer.string(value);
    return true;
  }
  const small = SMALL_INT[field.type];
  if (
    small !== undefined &&
    typeof value === 'number' &&
    Number.isInteger(value) &&
    value >= small[0] &&
    value <= small[1]
  ) {
    if (id !== 0) writer.tag(id, field.wireType);
    writeScalar(writer, field.type, value);
    return true;
  }
  const problem = scalarProblem(field.type, value, format);
  if (problem !== undefined) {
    report(problems, problem);
    return false;
  }
  if (id !== 0) writer.tag(id, field.wireType);
  writeScalar(writer, field.type, value);
  return true;
}

/** Writes a message encoded beforehand, after checking that it is of the field's type. */
function encodedField(field: FieldPlan, value: EncodedMessage, problems: string[], id: number): boolean {
  const expected = field.message().name;
  if (value.typeName !== expected) {
    report(problems, `expected a ${expected} object, got an encoded ${value.typeName}`);
    return false;
  }
  if (id !== 0) writer.tag(id, 2);
  writer.bytes(value.bytes);
  return true;
}
