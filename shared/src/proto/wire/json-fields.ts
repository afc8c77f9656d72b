/** Reading proto3 JSON in the checked walk: lowerCamel names, fields given twice, null as unset. */
import { fieldRules, type Ok } from './field-rules.js';
import type { FieldPlan, MessagePlan } from './message-plan.js';
import { path, report } from './problem-path.js';
import { hasSpecialJson } from './scalars.js';

const ANY = 'google.protobuf.Any';
const VALUE = 'google.protobuf.Value';

/** The parts of the checked walk (checked-encode.ts) that reading proto3 JSON reuses. */
export interface JsonWalk {
  message(plan: MessagePlan, value: unknown, depth: number, problems: string[]): void;
  writeField(field: FieldPlan, value: unknown, depth: number, problems: string[]): Ok;
}

/** A proto3 JSON Any: a type whose JSON is not an object (a Duration, another Any) sits under "value". */
export function jsonAny(
  walk: JsonWalk,
  packed: MessagePlan,
  value: Record<string, unknown>,
  depth: number,
  problems: string[],
): void {
  if (!hasSpecialJson(packed.name) && packed.name !== ANY) {
    return jsonFields(walk, packed, value, depth, problems, '@type');
  }
  const extra = Object.keys(value).filter((key) => key !== '@type' && key !== 'value');
  if (extra.length > 0) {
    report(problems, `unknown field(s) ${extra.join(', ')} beside "value" in an Any of ${packed.name}`);
  }
  path.push('value');
  walk.message(packed, value['value'], depth + 1, problems);
  path.pop();
}

/**
 * The fields of a proto3 JSON object, which may also spell a name in lowerCamel: problems of a value are
 * reported at the key as written, rule violations at the field's proto name.
 */
export function jsonFields(
  walk: JsonWalk,
  plan: MessagePlan,
  value: Record<string, unknown>,
  depth: number,
  problems: string[],
  skip: string | undefined,
): void {
  const present = new Map<FieldPlan, { value: unknown; ok: Ok }>();
  for (const key of Object.keys(value)) {
    if (key === skip) continue;
    const field = plan.fields.get(key) ?? plan.jsonNames.get(key);
    path.push(key);
    if (field === undefined) {
      report(problems, `unknown field of ${plan.name}`);
    } else {
      if (present.has(field)) report(problems, `field ${field.name} given twice`);
      if (field.flag !== undefined) report(problems, field.flag);
      const v = value[key];
      // null means "unset" in proto3 JSON, except for google.protobuf.Value, whose null is a value.
      const unset =
        v === undefined || (v === null && (field.type !== 'message' || field.message().name !== VALUE));
      if (!unset) present.set(field, { value: v, ok: walk.writeField(field, v, depth, problems) });
    }
    path.pop();
  }
  for (const oneof of plan.oneofs) {
    const set = oneof.members.filter((m) => present.has(m));
    if (set.length > 1) {
      report(problems, `oneof ${oneof.name} has several members set: ${set.map((m) => m.name).join(', ')}`);
    } else if (set.length === 0 && oneof.required) {
      report(problems, `oneof ${oneof.name} requires one of: ${oneof.members.map((f) => f.name).join(', ')}`);
    }
  }
  for (const field of plan.ruled) {
    const given = present.get(field);
    // A oneof member's rules apply only when it is the member that is set.
    if (given === undefined && field.oneof !== undefined) continue;
    if (field.rules === undefined) continue;
    path.push(field.name);
    fieldRules(field, field.rules, given !== undefined, given?.value, given?.ok, problems);
    path.pop();
  }
}
