import { compareStrings } from './order.js';

/** A set of strings kept in code-unit order, so a large ordered listing never needs a full sort. */
export class SortedKeys {
  private readonly keys: string[] = [];

  private position(key: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareStrings(this.keys[mid] ?? '', key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Adds or removes `key`. */
  set(key: string, present: boolean): void {
    const i = this.position(key);
    const found = this.keys[i] === key;
    if (present && !found) this.keys.splice(i, 0, key);
    if (!present && found) this.keys.splice(i, 1);
  }

  /** The keys, in order. */
  values(): readonly string[] {
    return this.keys;
  }

  get size(): number {
    return this.keys.length;
  }
}
