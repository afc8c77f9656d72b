/**
 * The value computed for `key` once and kept in `map` while the key lives: model objects are immutable and
 * shared between builds, so what is derived from one (its name, its encoding) is derived once.
 */
export function cachedFor<K extends object, V>(map: WeakMap<K, V>, key: K, build: () => V): V {
  let found = map.get(key);
  if (found === undefined) {
    found = build();
    map.set(key, found);
  }
  return found;
}

/** `T` with its fields assignable, to build a model object field by field instead of by spreads. */
export type Writable<T> = { -readonly [K in keyof T]: T[K] };
