import { ErrorCode, SesameError } from '../errors.js';

/** The head as stored, with an opaque token that a compare-and-set commit checks against. */
export interface StoredHead {
  readonly value: Uint8Array;
  readonly token: string;
}

/** One value to write. */
export interface StoreEntry {
  readonly key: string;
  readonly value: Uint8Array;
}

/** A commit that took effect (with the new head's token), or one refused because the head had moved. */
export type CommitOutcome = { readonly ok: true; readonly token: string } | { readonly ok: false };

/** A stop handle. */
export interface StoreWatch {
  close(): void;
}

/**
 * The little a bus backend must do; every semantic (ordering, atomicity, resync, compaction, sealing) lives
 * above it in the log bus, so memory, NATS and Redis behave alike. Methods reject when the backend is
 * unreachable; callers retry.
 */
export interface BusStore {
  readHead(): Promise<StoredHead | undefined>;
  get(key: string): Promise<Uint8Array | undefined>;
  /**
   * Writes `entries`, then the head, if the head's token is still `expected` (undefined: no head yet). The
   * head is the commit point: entries may land before a conflict is detected, but no head references them.
   */
  commit(
    entries: readonly StoreEntry[],
    head: Uint8Array,
    expected: string | undefined,
  ): Promise<CommitOutcome>;
  delete(keys: readonly string[]): Promise<void>;
  /** Keys starting with `prefix` (the head included when it matches). */
  listKeys(prefix: string): Promise<string[]>;
  /** Calls `onChange` after the head may have changed: on every commit and after every reconnect. */
  watchHead(onChange: () => void): StoreWatch;
  close(): Promise<void>;
}

/** A process-local backend: what the contract tests run against, with an outage switch for fault tests. */
export interface MemoryStore {
  /** A new client of this backend; closing it leaves the data and the other clients alone. */
  connect(): BusStore;
  /** Every stored key, head included. */
  keys(): string[];
  /** Simulates an outage: while unreachable every call rejects; coming back notifies every watcher. */
  setReachable(reachable: boolean): void;
  /** Simulates a backend restarted without its data. */
  clear(): void;
}

const HEAD = 'head';

/** Creates an empty in-memory backend. */
export function createMemoryStore(): MemoryStore {
  const data = new Map<string, Uint8Array>();
  const watchers = new Set<() => void>();
  let revision = 0;
  let reachable = true;

  const notify = (): void => {
    for (const w of [...watchers]) setImmediate(w);
  };
  const check = (): void => {
    if (!reachable) throw new SesameError(ErrorCode.BusUnavailable, 'memory store is unreachable');
  };
  const copy = (v: Uint8Array): Uint8Array => Uint8Array.from(v);

  return {
    keys: () => [...data.keys()],
    clear: () => data.clear(),
    setReachable(value) {
      const back = value && !reachable;
      reachable = value;
      if (back) notify();
    },
    connect(): BusStore {
      const own = new Set<() => void>();
      const op = <T>(f: () => T): Promise<T> =>
        new Promise<T>((resolve) => {
          check();
          resolve(f());
        });
      return {
        readHead: () =>
          op(() => {
            const value = data.get(HEAD);
            return value === undefined ? undefined : { value: copy(value), token: String(revision) };
          }),
        get: (key) =>
          op(() => {
            const value = data.get(key);
            return value === undefined ? undefined : copy(value);
          }),
        commit: (entries, head, expected) =>
          op(() => {
            const current = data.has(HEAD) ? String(revision) : undefined;
            if (current !== expected) return { ok: false } as const;
            for (const e of entries) data.set(e.key, copy(e.value));
            data.set(HEAD, copy(head));
            revision++;
            notify();
            return { ok: true, token: String(revision) } as const;
          }),
        delete: (keys) =>
          op(() => {
            for (const k of keys) data.delete(k);
          }),
        listKeys: (prefix) => op(() => [...data.keys()].filter((k) => k.startsWith(prefix))),
        watchHead(onChange) {
          const w = (): void => onChange();
          watchers.add(w);
          own.add(w);
          return {
            close: () => {
              watchers.delete(w);
              own.delete(w);
            },
          };
        },
        close: () => {
          for (const w of own) watchers.delete(w);
          own.clear();
          return Promise.resolve();
        },
      };
    },
  };
}
