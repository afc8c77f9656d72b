import type { Result } from '@sesame/shared';
import { ByteWriter } from './byte-writer.js';
import { encodeCheckedAt } from './checked-encode.js';
import { messagePlan } from './message-plan.js';

const writer = new ByteWriter();

/**
 * Encodes `shell` with already encoded messages as the repeated message field `field`, in field-number
 * order, giving the same bytes as encoding the whole message at once. This is how a route configuration
 * with ten thousand virtual hosts is rebuilt after one changes: only the changed host is encoded again.
 * `shell` must not hold `field`; the items are checked where they were encoded.
 */
export function encodeSpliced(
  typeName: string,
  shell: Record<string, unknown>,
  field: string,
  items: readonly Uint8Array[],
): Result<Uint8Array> {
  const plan = messagePlan(typeName);
  const spliced = plan.fields.get(field);
  if (spliced === undefined || spliced.type !== 'message' || !spliced.repeated) {
    return { ok: false, errors: [`${field} is not a repeated message field of ${plan.name}`] };
  }
  const whole = encodeCheckedAt(typeName, shell, spliced.id);
  if (!whole.ok) return whole;
  const listProblems: string[] = [];
  spliced.rules?.list?.(items, listProblems);
  if (listProblems.length > 0) return { ok: false, errors: listProblems.map((p) => `${field}: ${p}`) };
  const { bytes, offset } = whole.value;
  writer.reset();
  writer.raw(bytes.subarray(0, offset));
  for (const item of items) {
    writer.tag(spliced.id, 2);
    writer.bytes(item);
  }
  writer.raw(bytes.subarray(offset));
  return { ok: true, value: writer.finish() };
}
