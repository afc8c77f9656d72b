/** A JSON-like mapping read from a manifest. */
export type Fields = Readonly<Record<string, unknown>>;

/** True for a plain mapping (not null, not a list). */
export function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads typed fields out of an unchecked manifest and collects every problem with its field path
 * (`spec.rules[0].host: expected a string`), so one report names all that is wrong with an object.
 */
export class FieldReader {
  readonly errors: string[] = [];

  /** Records a problem at `path`. */
  fail(path: string, message: string): undefined {
    this.errors.push(`${path}: ${message}`);
    return undefined;
  }

  /** The mapping at `obj[key]`; undefined (and an error when required) if absent or not a mapping. */
  fields(obj: Fields, key: string, path: string, required = false): Fields | undefined {
    const value = obj[key];
    if (value === undefined || value === null)
      return required ? this.fail(join(path, key), 'is required') : undefined;
    return isFields(value) ? value : this.fail(join(path, key), `expected a mapping, got ${describe(value)}`);
  }

  /** The string at `obj[key]`. */
  string(obj: Fields, key: string, path: string, required = false): string | undefined {
    const value = obj[key];
    if (value === undefined || value === null || (required && value === '')) {
      return required ? this.fail(join(path, key), 'is required') : undefined;
    }
    return typeof value === 'string'
      ? value
      : this.fail(join(path, key), `expected a string, got ${describe(value)}`);
  }

  /** The integer at `obj[key]`, within [min, max]. */
  int(
    obj: Fields,
    key: string,
    path: string,
    range: { min: number; max: number; required?: boolean },
  ): number | undefined {
    const value = obj[key];
    // The usual valid integer needs no path: joining one per port and endpoint is garbage.
    if (typeof value === 'number' && Number.isInteger(value) && value >= range.min && value <= range.max)
      return value;
    return this.intValue(value, join(path, key), range);
  }

  /** An integer value (a list item), within [min, max]. */
  intValue(
    value: unknown,
    path: string,
    range: { min: number; max: number; required?: boolean },
  ): number | undefined {
    if (value === undefined || value === null) {
      return range.required === true ? this.fail(path, 'is required') : undefined;
    }
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      return this.fail(path, `expected an integer, got ${describe(value)}`);
    }
    if (value < range.min || value > range.max) {
      return this.fail(path, `must be between ${range.min} and ${range.max}, got ${value}`);
    }
    return value;
  }

  /** The boolean at `obj[key]`. */
  bool(obj: Fields, key: string, path: string): boolean | undefined {
    const value = obj[key];
    if (value === undefined || value === null) return undefined;
    return typeof value === 'boolean'
      ? value
      : this.fail(join(path, key), `expected true or false, got ${describe(value)}`);
  }

  /** The list at `obj[key]`, each item read by `item` (which returns undefined for a bad item). */
  list<T>(
    obj: Fields,
    key: string,
    path: string,
    item: (value: unknown, path: string) => T | undefined,
  ): T[] {
    const value = obj[key];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      this.fail(join(path, key), `expected a list, got ${describe(value)}`);
      return [];
    }
    const out: T[] = [];
    const at = join(path, key);
    for (let i = 0; i < value.length; i++) {
      const read = item(value[i] as unknown, `${at}[${i}]`);
      if (read !== undefined) out.push(read);
    }
    return out;
  }

  /** The list of strings at `obj[key]`. */
  strings(obj: Fields, key: string, path: string): string[] {
    const value = obj[key];
    // `list` without a path string per item (100,000 endpoint addresses): only a bad item needs its path.
    if (Array.isArray(value) && allStrings(value)) return value.slice() as string[];
    return this.list(obj, key, path, (v, p) =>
      typeof v === 'string' ? v : this.fail(p, `expected a string, got ${describe(v)}`),
    );
  }

  /** A mapping item of a list. */
  item(value: unknown, path: string): Fields | undefined {
    return isFields(value) ? value : this.fail(path, `expected a mapping, got ${describe(value)}`);
  }

  /** Keys of `obj` that are neither in `known` nor null-valued, for reporting fields Sesame ignores. */
  extraKeys(obj: Fields, known: ReadonlySet<string>): readonly string[] {
    // Asked of every part of every HTTPProxy, and nearly always empty: nothing is allocated then.
    let extra: string[] | undefined;
    for (const key in obj) {
      if (!Object.hasOwn(obj, key) || known.has(key) || obj[key] === null || obj[key] === undefined) continue;
      (extra ??= []).push(key);
    }
    return extra ?? NO_KEYS;
  }

  /** The string-to-string mapping at `obj[key]` (labels, annotations, Secret data). */
  stringMap(obj: Fields, key: string, path: string): Readonly<Record<string, string>> {
    const map = this.fields(obj, key, path);
    const out: Record<string, string> = {};
    if (map === undefined) return out;
    for (const [k, v] of Object.entries(map)) {
      if (typeof v === 'string') out[k] = v;
      else this.fail(`${join(path, key)}.${k}`, `expected a string, got ${describe(v)}`);
    }
    return out;
  }
}

const NO_KEYS: readonly string[] = [];

function allStrings(items: readonly unknown[]): boolean {
  for (let i = 0; i < items.length; i++) if (typeof items[i] !== 'string') return false;
  return true;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value;
}
