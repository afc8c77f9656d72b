import { ByteWriter } from './byte-writer.js';
import { messagePlan } from './message-plan.js';

/** Items per block: a change re-copies one block, and assembling the whole walks size / BLOCK blocks. */
const BLOCK = 64;

interface Block {
  readonly keys: string[];
  readonly items: Uint8Array[];
  /** The block's items as field entries (tag, length, bytes); undefined after a change. */
  bytes: Uint8Array | undefined;
}

const writer = new ByteWriter();

/**
 * The encoded items of one repeated message field, kept in key order in blocks that each cache their
 * wire bytes: replacing one item of ten thousand re-copies only its block, so a message with a huge
 * repeated field (the `ingress_http` route configuration) is reassembled in a few large copies.
 */
export class SplicedItems {
  private readonly blocks: Block[] = [];
  private count = 0;
  private readonly fieldId: number;

  /** Items of the repeated message field `field` of the message type `typeName`. */
  constructor(
    readonly typeName: string,
    readonly field: string,
  ) {
    const plan = messagePlan(typeName).fields.get(field);
    if (plan === undefined || plan.type !== 'message' || !plan.repeated)
      throw new Error(`${field} is not a repeated message field of ${typeName}`);
    this.fieldId = plan.id;
  }

  /** The block that holds, or would hold, `key`. */
  private blockIndex(key: string): number {
    let lo = 0;
    let hi = this.blocks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const keys = this.blocks[mid]?.keys ?? [];
      if (compareStrings(keys[keys.length - 1] ?? '', key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return Math.max(lo, 0);
  }

  /** Sets the item of `key`, or removes it (undefined). */
  set(key: string, item: Uint8Array | undefined): void {
    const at = this.blockIndex(key);
    let block = this.blocks[at];
    if (block === undefined) {
      if (item === undefined) return;
      block = { keys: [], items: [], bytes: undefined };
      this.blocks.push(block);
    }
    const i = position(block.keys, key);
    const found = block.keys[i] === key;
    if (item === undefined) {
      if (!found) return;
      block.keys.splice(i, 1);
      block.items.splice(i, 1);
      this.count--;
      if (block.keys.length === 0) this.blocks.splice(at, 1);
    } else if (found) {
      block.items[i] = item;
    } else {
      block.keys.splice(i, 0, key);
      block.items.splice(i, 0, item);
      this.count++;
      if (block.keys.length > 2 * BLOCK) {
        const half = block.keys.length >>> 1;
        const tail: Block = {
          keys: block.keys.splice(half),
          items: block.items.splice(half),
          bytes: undefined,
        };
        this.blocks.splice(at + 1, 0, tail);
      }
    }
    block.bytes = undefined;
  }

  get size(): number {
    return this.count;
  }

  /** Every item, in key order. */
  items(): Uint8Array[] {
    return this.blocks.flatMap((b) => b.items);
  }

  /** The field entries of every item, in key order, as a few large chunks. */
  chunks(): Uint8Array[] {
    return this.blocks.map((block) => {
      if (block.bytes === undefined) {
        writer.reset();
        for (const item of block.items) {
          writer.tag(this.fieldId, 2);
          writer.bytes(item);
        }
        block.bytes = writer.finish();
      }
      return block.bytes;
    });
  }
}

/** Code-unit order, independent of locale. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function position(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareStrings(keys[mid] ?? '', key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
