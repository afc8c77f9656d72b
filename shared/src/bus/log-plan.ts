import { randomBytes } from 'node:crypto';
import { diffSnapshots, fullChange, type Snapshot, type SnapshotChange } from '../snapshot/snapshot.js';
import type { Sealer } from './seal.js';
import type { StoreEntry } from './store.js';
import {
  changeKey,
  checkpointKey,
  encodeChangeSet,
  encodeChunks,
  parseKey,
  type BlobRef,
  type Head,
} from './wire.js';

/** The layout knobs a plan follows. */
export interface PlanTuning {
  /** Largest chunk payload; far below NATS' 1 MiB default so a chunk always fits one message. */
  readonly chunkSize: number;
  /** A checkpoint at least every this many changes, so a new reader never replays many. */
  readonly checkpointEvery: number;
  /** Changes kept behind the head for readers that fall behind (at least those since the checkpoint). */
  readonly retainChanges: number;
}

/**
 * One commit, ready to write: the sealed chunks, the head that commits them, and the stored change sets and
 * checkpoints it adds (`chg.5` → chunk count), for later compaction. Pure: no store, no clock.
 */
export interface Plan {
  readonly head: Head;
  readonly entries: StoreEntry[];
  readonly written: ReadonlyMap<string, number>;
  /** The change set written, absent for a new epoch (a checkpoint only). */
  readonly change: SnapshotChange | undefined;
  readonly checkpoint: boolean;
}

function sealAll(sealer: Sealer, chunks: Uint8Array[], keyOf: (i: number) => string): StoreEntry[] {
  return chunks.map((c, i) => ({ key: keyOf(i), value: sealer.seal(keyOf(i), c) }));
}

function encodeFull(epoch: string, seq: number, target: Snapshot, chunkSize: number) {
  return encodeChunks({ epoch, seq }, encodeChangeSet({ seq, change: fullChange(target) }), chunkSize);
}

/** Stored change sets and checkpoints by id (`chg.5`, `cp.4`) with their chunk counts, from a key listing. */
export function storedIds(keys: Iterable<string>): Map<string, number> {
  const stored = new Map<string, number>();
  for (const key of keys) {
    const parsed = parseKey(key);
    if (parsed === undefined) continue;
    const id = `${parsed.kind}.${parsed.seq}`;
    stored.set(id, Math.max(stored.get(id) ?? 0, parsed.index + 1));
  }
  return stored;
}

/**
 * A new epoch: one checkpoint of the whole state, numbered past every seq already stored so it never
 * overwrites an old key that a reader may still be reading.
 */
export function planFresh(options: {
  target: Snapshot;
  /** The highest seq known to be stored or committed. */
  afterSeq: number;
  chunkSize: number;
  sealer: Sealer;
}): Plan {
  const { target, sealer } = options;
  const seq = options.afterSeq + 1;
  const epoch = randomBytes(8).toString('hex');
  const cp = encodeFull(epoch, seq, target, options.chunkSize);
  return {
    head: {
      epoch,
      seq,
      version: target.version,
      change: undefined,
      checkpointSeq: seq,
      checkpoint: cp.ref,
      checkpointVersion: target.version,
      oldestSeq: seq + 1,
      bytesSinceCheckpoint: 0,
    },
    entries: sealAll(sealer, cp.chunks, (i) => checkpointKey(seq, i)),
    written: new Map([[`cp.${seq}`, cp.chunks.length]]),
    change: undefined,
    checkpoint: true,
  };
}

/**
 * The change set after `head` (from `base`, the head's state, to `target`), plus a checkpoint when one is due:
 * every `checkpointEvery` changes, or once the changes since the last one weigh half as much as it does, so a
 * new reader never replays more than it would load from a fresh checkpoint.
 */
export function planNext(options: {
  target: Snapshot;
  head: Head;
  base: Snapshot;
  tuning: PlanTuning;
  sealer: Sealer;
}): Plan {
  const { target, head, base, tuning, sealer } = options;
  const seq = head.seq + 1;
  const { epoch } = head;
  const change = diffSnapshots(base, target);
  const chg = encodeChunks({ epoch, seq }, encodeChangeSet({ seq, change }), tuning.chunkSize);
  const entries = sealAll(sealer, chg.chunks, (i) => changeKey(seq, i));
  const written = new Map([[`chg.${seq}`, chg.chunks.length]]);
  const bytesSince = head.bytesSinceCheckpoint + chg.ref.size;
  const due = seq - head.checkpointSeq >= tuning.checkpointEvery || bytesSince > head.checkpoint.size / 2;
  let checkpoint: { seq: number; ref: BlobRef; version: string } = {
    seq: head.checkpointSeq,
    ref: head.checkpoint,
    version: head.checkpointVersion,
  };
  if (due) {
    const cp = encodeFull(epoch, seq, target, tuning.chunkSize);
    entries.push(...sealAll(sealer, cp.chunks, (i) => checkpointKey(seq, i)));
    written.set(`cp.${seq}`, cp.chunks.length);
    checkpoint = { seq, ref: cp.ref, version: target.version };
  }
  // Keep the retained tail, and never drop a change a new reader needs after the checkpoint.
  const oldestSeq = Math.min(Math.max(head.oldestSeq, seq - tuning.retainChanges + 1), checkpoint.seq + 1);
  return {
    head: {
      epoch,
      seq,
      version: target.version,
      change: chg.ref,
      checkpointSeq: checkpoint.seq,
      checkpoint: checkpoint.ref,
      checkpointVersion: checkpoint.version,
      oldestSeq,
      bytesSinceCheckpoint: due ? 0 : bytesSince,
    },
    entries,
    written,
    change,
    checkpoint: due,
  };
}

/**
 * What `head` no longer needs: change sets before its tail and checkpoints other than its own. Anything past
 * the head (a write in flight, or one that lost a race) is left alone.
 */
export function compactable(
  head: Head,
  stored: ReadonlyMap<string, number>,
): { ids: string[]; keys: string[] } {
  const ids: string[] = [];
  const keys: string[] = [];
  for (const [id, count] of stored) {
    const [kind, seqText] = id.split('.');
    const seq = Number(seqText);
    const keep = kind === 'chg' ? seq >= head.oldestSeq : seq === head.checkpointSeq || seq > head.seq;
    if (keep) continue;
    ids.push(id);
    for (let i = 0; i < count; i++) keys.push(kind === 'chg' ? changeKey(seq, i) : checkpointKey(seq, i));
  }
  return { ids, keys };
}
