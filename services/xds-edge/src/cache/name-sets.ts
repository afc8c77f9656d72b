import { createHash } from 'node:crypto';

/**
 * An immutable set of resource names. Sets from a `NameSetTable` are shared: every stream subscribed to
 * exactly the same names (thousands of Envoys asking for the same 1,000 endpoints) holds the same object.
 */
export type NameSet = ReadonlySet<string>;

/** The empty set; never counted in a table. */
export const EMPTY_NAMES: NameSet = new Set<string>();

/** Encoded copies of a set's names kept per set, so a client that repeats its list is recognised by memcmp. */
const MAX_ALIASES = 4;

interface Entry {
  readonly set: NameSet;
  readonly key: string;
  refs: number;
  /** Digests of the encodings of this set seen so far (each names order is one encoding). */
  readonly aliases: string[];
  /** The first encoding seen, compared byte for byte with the next request. */
  raw: Buffer | undefined;
}

/** Interns name sets, counting references so a set is forgotten with its last subscriber. */
export interface NameSetTable {
  /** The shared set of exactly `names`; the caller holds one reference until `release`. */
  acquire(names: Iterable<string>): NameSet;
  /**
   * The shared set for an encoded `resource_names` field (the raw bytes of its entries). Bytes seen before
   * cost one digest and no decoding; `decode` runs only for a new encoding.
   */
  acquireEncoded(raw: Uint8Array, decode: () => readonly string[]): NameSet;
  /**
   * True when `raw` is byte for byte the first encoding seen of `set`: the client repeated its list. The
   * encoding itself (as `encodingOf` returns it) is recognised without comparing a byte.
   */
  isEncodingOf(set: NameSet, raw: Uint8Array): boolean;
  /** The first encoding seen of `set`, if any. */
  encodingOf(set: NameSet): Uint8Array | undefined;
  /** Drops one reference; the set is forgotten with its last one. */
  release(set: NameSet): void;
  /** How many subscribers hold `set` (0 for a set the table does not know). */
  refs(set: NameSet): number;
  /** Distinct sets held (for tests and metrics). */
  size(): number;
}

/** Creates an empty table. */
export function createNameSetTable(): NameSetTable {
  const byKey = new Map<string, Entry>();
  const byAlias = new Map<string, Entry>();
  const bySet = new WeakMap<NameSet, Entry>();

  const take = (entry: Entry): NameSet => {
    entry.refs++;
    return entry.set;
  };

  const acquire = (names: Iterable<string>): NameSet => {
    const unique = names instanceof Set ? (names as Set<string>) : new Set(names);
    if (unique.size === 0) return EMPTY_NAMES;
    const key = contentKey(unique);
    const found = byKey.get(key);
    if (found !== undefined) return take(found);
    const set: NameSet = new Set(unique);
    const entry: Entry = { set, key, refs: 0, aliases: [], raw: undefined };
    byKey.set(key, entry);
    bySet.set(set, entry);
    return take(entry);
  };

  return {
    acquire,
    acquireEncoded(raw, decode) {
      if (raw.length === 0) return EMPTY_NAMES;
      const alias = digest(raw);
      const known = byAlias.get(alias);
      if (known !== undefined) return take(known);
      const set = acquire(decode());
      const entry = bySet.get(set);
      if (entry !== undefined && entry.aliases.length < MAX_ALIASES) {
        entry.aliases.push(alias);
        byAlias.set(alias, entry);
        entry.raw ??= Buffer.from(raw);
      }
      return set;
    },
    isEncodingOf(set, raw) {
      if (set === EMPTY_NAMES) return raw.length === 0;
      const stored = bySet.get(set)?.raw;
      if (stored === undefined) return false;
      return stored === raw || (stored.length === raw.length && stored.equals(raw));
    },
    encodingOf: (set) => bySet.get(set)?.raw,
    release(set) {
      const entry = bySet.get(set);
      if (entry === undefined || --entry.refs > 0) return;
      byKey.delete(entry.key);
      for (const alias of entry.aliases) byAlias.delete(alias);
    },
    refs: (set) => bySet.get(set)?.refs ?? 0,
    size: () => byKey.size,
  };
}

/** Order-independent: the digest of the sorted names. */
function contentKey(names: ReadonlySet<string>): string {
  return digest([...names].sort().join('\0'));
}

function digest(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('base64url');
}
