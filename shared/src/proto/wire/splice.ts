import type { Result } from '../../result.js';
import { ByteWriter } from './byte-writer.js';
import { encodeCheckedAt } from './checked-encode.js';
import { messagePlan } from './message-plan.js';
import type { SplicedItems } from './spliced-items.js';

const writer = new ByteWriter();

/**
 * Encodes `shell` with already encoded messages as the repeated message field `field`, in field-number
 * order, giving the same bytes as encoding the whole message at once. This is how a virtual host is
 * assembled from its routes: only a changed route is encoded again. `shell` must not hold `field`; the
 * items are checked where they were encoded.
 */
export function encodeSpliced(
  typeName: string,
  shell: Record<string, unknown>,
  field: string,
  items: readonly Uint8Array[],
): Result<Uint8Array> {
  const target = spliceTarget(typeName, shell, field, () => items);
  if (!target.ok) return target;
  const { bytes, offset, id } = target.value;
  writer.reset();
  writer.raw(bytes.subarray(0, offset));
  for (const item of items) {
    writer.tag(id, 2);
    writer.bytes(item);
  }
  writer.raw(bytes.subarray(offset));
  return { ok: true, value: writer.finish() };
}

/**
 * `encodeSpliced` with the items kept encoded between calls in a `SplicedItems`: a change costs one
 * block and a few large copies, not work per item. This is how the route configuration with ten thousand
 * virtual hosts is rebuilt after one of them changes.
 */
export function encodeSplicedItems(shell: Record<string, unknown>, items: SplicedItems): Result<Uint8Array> {
  const target = spliceTarget(items.typeName, shell, items.field, () => items.items());
  if (!target.ok) return target;
  const { bytes, offset } = target.value;
  const chunks = items.chunks();
  let length = bytes.length;
  for (const chunk of chunks) length += chunk.length;
  const out = Buffer.allocUnsafe(length);
  out.set(bytes.subarray(0, offset), 0);
  let at = offset;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  out.set(bytes.subarray(offset), at);
  return { ok: true, value: out };
}

/** The shell encoded and checked, where the items go, and the field's list rules applied to them. */
function spliceTarget(
  typeName: string,
  shell: Record<string, unknown>,
  field: string,
  items: () => readonly Uint8Array[],
): Result<{ bytes: Uint8Array; offset: number; id: number }> {
  const plan = messagePlan(typeName);
  const spliced = plan.fields.get(field);
  if (spliced === undefined || spliced.type !== 'message' || !spliced.repeated) {
    return { ok: false, errors: [`${field} is not a repeated message field of ${plan.name}`] };
  }
  const whole = encodeCheckedAt(typeName, shell, spliced.id);
  if (!whole.ok) return whole;
  const list = spliced.rules?.list;
  if (list !== undefined) {
    const problems: string[] = [];
    list(items(), problems);
    if (problems.length > 0) return { ok: false, errors: problems.map((p) => `${field}: ${p}`) };
  }
  return { ok: true, value: { bytes: whole.value.bytes, offset: whole.value.offset, id: spliced.id } };
}
