/** Changes folded into a new base once there are more than this, or more than √(base size). */
const MIN_FOLD = 64;

/**
 * An immutable map made of a flat base plus the changes made since (a key mapped to undefined is removed).
 * The next version of a 10,000-name view then costs the changed names plus a copy of the few changes so far,
 * instead of a copy of every name; the changes are folded into a new base once they outgrow √(base size), so
 * a lookup stays two hash probes and an update costs O(changed + √n) amortised. Iteration follows the base's
 * order, with changed values in place and added keys last, as a copied Map would.
 */
export class LayeredMap<V> implements ReadonlyMap<string, V> {
  private constructor(
    private readonly base: ReadonlyMap<string, V>,
    private readonly changes: ReadonlyMap<string, V | undefined>,
    readonly size: number,
  ) {}

  /** An empty map. */
  static empty<V>(): LayeredMap<V> {
    return new LayeredMap<V>(new Map(), new Map(), 0);
  }

  /** A new map with `edits` applied (undefined removes a key); this one is left as it was. */
  with(edits: ReadonlyMap<string, V | undefined>): LayeredMap<V> {
    if (edits.size === 0) return this;
    const changes = new Map(this.changes);
    let size = this.size;
    for (const [key, value] of edits) {
      const had = this.has(key);
      if (value === undefined && had) size--;
      else if (value !== undefined && !had) size++;
      // A removal only needs recording where the base still has the key.
      if (value === undefined && !this.base.has(key)) changes.delete(key);
      else changes.set(key, value);
    }
    const next = new LayeredMap(this.base, changes, size);
    if (changes.size <= Math.max(MIN_FOLD, Math.sqrt(this.base.size))) return next;
    return new LayeredMap<V>(new Map<string, V>(next), new Map<string, V | undefined>(), size);
  }

  /** Entries held apart from the base (what the next update copies). */
  layered(): number {
    return this.changes.size;
  }

  get(key: string): V | undefined {
    return this.changes.has(key) ? this.changes.get(key) : this.base.get(key);
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  *entries(): MapIterator<[string, V]> {
    const { base, changes } = this;
    for (const entry of base) {
      if (!changes.has(entry[0])) {
        yield entry;
        continue;
      }
      const value = changes.get(entry[0]);
      if (value !== undefined) yield [entry[0], value];
    }
    for (const [key, value] of changes) if (value !== undefined && !base.has(key)) yield [key, value];
  }

  *keys(): MapIterator<string> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): MapIterator<V> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  forEach(callback: (value: V, key: string, map: ReadonlyMap<string, V>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }
}
