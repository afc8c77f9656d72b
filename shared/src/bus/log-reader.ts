import type { Result } from '../result.js';
import { applyChange, EMPTY_SNAPSHOT, type Snapshot } from '../snapshot/snapshot.js';
import type { Sealer } from './seal.js';
import type { BusStore, StoredHead } from './store.js';
import {
  changeKey,
  checkpointKey,
  decodeChangeSet,
  decodeChunk,
  decodeHead,
  HEAD_KEY,
  joinChunks,
  type BlobRef,
  type ChangeSet,
  type Chunk,
  type Head,
} from './wire.js';

/**
 * Why a read did not produce a value. `missing`: a key the head implies is gone (compacted, or the writer
 * moved on while we read): resynchronise. `invalid`: a value failed verification: reject and count it.
 */
export interface LoadFailure {
  readonly kind: 'missing' | 'invalid';
  readonly message: string;
}

/** The outcome of a read from the log; store errors (the backend is unreachable) are thrown instead. */
export type Loaded<T> = Result<T, LoadFailure>;

/** What readers and the writer need to read the log. */
export interface LogContext {
  readonly store: BusStore;
  readonly sealer: Sealer;
}

/** How many chunk reads are in flight at once while loading. */
const PARALLEL_READS = 32;

const missing = (message: string): { ok: false; errors: LoadFailure } => ({
  ok: false,
  errors: { kind: 'missing', message },
});
const invalid = (message: string): { ok: false; errors: LoadFailure } => ({
  ok: false,
  errors: { kind: 'invalid', message },
});

/** Opens and decodes a stored head. */
export function openHead(ctx: LogContext, stored: StoredHead): Loaded<Head> {
  const opened = ctx.sealer.open(HEAD_KEY, stored.value);
  if (!opened.ok) return invalid(opened.errors.join('; '));
  const head = decodeHead(opened.value);
  return head.ok ? head : invalid(head.errors.join('; '));
}

/** Maps `f` over `items` with at most PARALLEL_READS calls in flight, keeping the order. */
async function mapParallel<T, U>(items: readonly T[], f: (item: T) => Promise<U>): Promise<U[]> {
  const out = new Array<U>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_READS, items.length) }, worker));
  return out;
}

async function readChunk(ctx: LogContext, key: string): Promise<Loaded<Chunk>> {
  const value = await ctx.store.get(key);
  if (value === undefined) return missing(`${key} is missing`);
  const opened = ctx.sealer.open(key, value);
  if (!opened.ok) return invalid(opened.errors.join('; '));
  const chunk = decodeChunk(opened.value);
  return chunk.ok ? chunk : invalid(`${key}: ${chunk.errors.join('; ')}`);
}

/**
 * Loads one change set (`chg`) or checkpoint (`cp`). With the head's reference every chunk is fetched at
 * once; without one (an older change), chunk 0 says how many follow.
 */
export async function loadChangeSet(
  ctx: LogContext,
  kind: 'chg' | 'cp',
  position: { epoch: string; seq: number },
  ref?: BlobRef,
): Promise<Loaded<ChangeSet>> {
  const keyOf = kind === 'chg' ? changeKey : checkpointKey;
  let chunks: Chunk[];
  if (ref !== undefined) {
    const keys = Array.from({ length: ref.chunks }, (_, i) => keyOf(position.seq, i));
    const read = await mapParallel(keys, (k) => readChunk(ctx, k));
    chunks = [];
    for (const c of read) {
      if (!c.ok) return c;
      chunks.push(c.value);
    }
  } else {
    const first = await readChunk(ctx, keyOf(position.seq, 0));
    if (!first.ok) return first;
    const keys = Array.from({ length: Math.max(0, first.value.count - 1) }, (_, i) =>
      keyOf(position.seq, i + 1),
    );
    const rest = await mapParallel(keys, (k) => readChunk(ctx, k));
    chunks = [first.value];
    for (const c of rest) {
      if (!c.ok) return c;
      chunks.push(c.value);
    }
  }
  const payload = joinChunks(chunks, { ...position, ...(ref === undefined ? {} : { digest: ref.digest }) });
  if (!payload.ok) return invalid(`${keyOf(position.seq, 0)}: ${payload.errors.join('; ')}`);
  const set = decodeChangeSet(payload.value);
  if (!set.ok) return invalid(set.errors.join('; '));
  if (set.value.seq !== position.seq) return invalid(`change set ${set.value.seq} stored at ${position.seq}`);
  return set;
}

/** Loads the change sets `from..to` of the head's epoch (in parallel), in order. */
export async function loadChangeSets(
  ctx: LogContext,
  head: Head,
  from: number,
  to: number,
): Promise<Loaded<ChangeSet[]>> {
  const seqs = Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
  const loaded = await mapParallel(seqs, (seq) =>
    loadChangeSet(ctx, 'chg', { epoch: head.epoch, seq }, seq === head.seq ? head.change : undefined),
  );
  const sets: ChangeSet[] = [];
  for (const l of loaded) {
    if (!l.ok) return l;
    sets.push(l.value);
  }
  return { ok: true, value: sets };
}

/** Applies a change set, turning a failure (a broken version chain, wrong contents) into a rejection. */
export function applyChangeSet(base: Snapshot, set: ChangeSet): Loaded<Snapshot> {
  const next = applyChange(base, set.change);
  return next.ok ? next : invalid(`change set ${set.seq}: ${next.errors.join('; ')}`);
}

/** Loads the full state a head commits: its checkpoint, then every change after it. */
export async function loadHeadState(ctx: LogContext, head: Head): Promise<Loaded<Snapshot>> {
  const cp = await loadChangeSet(ctx, 'cp', { epoch: head.epoch, seq: head.checkpointSeq }, head.checkpoint);
  if (!cp.ok) return cp;
  if (cp.value.change.previousVersion !== null)
    return invalid(`checkpoint ${head.checkpointSeq} is not full`);
  let snapshot = applyChangeSet(EMPTY_SNAPSHOT, cp.value);
  if (!snapshot.ok) return snapshot;
  if (snapshot.value.version !== head.checkpointVersion) {
    return invalid(`checkpoint ${head.checkpointSeq} is not version ${head.checkpointVersion}`);
  }
  if (head.checkpointSeq < head.seq) {
    if (head.checkpointSeq + 1 < head.oldestSeq)
      return invalid('head compacted changes after its checkpoint');
    const sets = await loadChangeSets(ctx, head, head.checkpointSeq + 1, head.seq);
    if (!sets.ok) return sets;
    for (const set of sets.value) {
      snapshot = applyChangeSet(snapshot.value, set);
      if (!snapshot.ok) return snapshot;
    }
  }
  if (snapshot.value.version !== head.version)
    return invalid(`head ${head.seq} is not version ${head.version}`);
  return snapshot;
}
