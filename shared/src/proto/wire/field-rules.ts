/** Applies a field's compiled `(validate.rules)` to its value, reporting at the current path. */
import { plainMessage } from './encoded-message.js';
import type { FieldPlan, FieldRules } from './message-plan.js';
import { isPlainObject, path, report } from './problem-path.js';

/** Whether a value was well typed (rules judge only well-typed values, as the shared checker does). */
export type Ok = boolean | boolean[] | ReadonlyMap<string, boolean>;

/** Problems a compiled check found, before they get their path (checks never nest, so one list serves). */
const found: string[] = [];

function reportFound(problems: string[]): void {
  for (const problem of found) report(problems, problem);
  found.length = 0;
}

function element(field: FieldPlan, value: unknown, problems: string[]): void {
  const check = field.rules?.element;
  if (check === undefined) return;
  check(field.type === 'message' ? plainMessage(value) : (value ?? field.defaultValue), found);
  if (found.length > 0) reportFound(problems);
}

/** Applies `rules` of `field` (present or not) to its value; `ok` says which parts were well typed. */
export function fieldRules(
  field: FieldPlan,
  rules: FieldRules,
  isPresent: boolean,
  value: unknown,
  ok: Ok | undefined,
  problems: string[],
): void {
  if (field.map) {
    const map = isPresent && isPlainObject(value) ? value : {};
    const keys = Object.keys(map);
    rules.size?.(keys.length, found);
    reportFound(problems);
    const oks = ok instanceof Map ? ok : undefined;
    for (const key of keys) {
      path.push({ key });
      if (rules.key !== undefined) {
        rules.key(field.keyType === 'bool' ? key === 'true' : key, found);
        reportFound(problems);
      }
      if (oks?.get(key) === true) element(field, map[key], problems);
      path.pop();
    }
    return;
  }
  if (field.repeated) {
    const items = isPresent && Array.isArray(value) ? (value as unknown[]) : [];
    if (rules.list !== undefined) {
      rules.list(items, found);
      reportFound(problems);
    }
    if (rules.element === undefined) return;
    const oks = Array.isArray(ok) ? ok : [];
    for (let i = 0; i < items.length; i++) {
      if (oks[i] !== true) continue;
      path.push(i);
      element(field, items[i], problems);
      path.pop();
    }
    return;
  }
  if (isPresent && ok !== true) return;
  element(field, isPresent ? value : undefined, problems);
}
