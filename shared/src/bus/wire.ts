import { createHash } from 'node:crypto';
import protobuf from 'protobufjs';
import { isTypeUrl, TYPE_URLS, type TypeUrl } from '../proto/type-urls.js';
import type { Result } from '../result.js';
import { createResource, type Audience, type Resource, type ResourceKey } from '../snapshot/resource.js';
import type { SnapshotChange } from '../snapshot/snapshot.js';

/**
 * The bus's own wire format. A change set (or a checkpoint: a change set from nothing) is encoded once, split
 * into chunks that each fit far below NATS' 1 MiB payload limit, and committed by writing the head last.
 * Parsed at load time so the layout is protobuf's, not a hand-rolled one.
 */
const SCHEMA = `
syntax = "proto3";
package sesame.bus.v1;

enum Audience { ALL = 0; ENVOY = 1; GRPC = 2; }
message Entry { string name = 1; bytes body = 2; Audience audience = 3; }
message TypedEntries { string type_url = 1; repeated Entry entries = 2; }
message TypedNames { string type_url = 1; repeated string names = 2; }
message ChangeSet {
  uint64 seq = 1;
  string version = 2;
  string previous_version = 3;
  repeated TypedEntries upserts = 4;
  repeated TypedNames removals = 5;
}
message Chunk {
  string epoch = 1;
  uint64 seq = 2;
  uint32 index = 3;
  uint32 count = 4;
  bytes digest = 5;
  bytes data = 6;
}
message BlobRef { uint32 chunks = 1; bytes digest = 2; uint64 size = 3; }
message Head {
  string epoch = 1;
  uint64 seq = 2;
  string version = 3;
  BlobRef change = 4;
  uint64 checkpoint_seq = 5;
  BlobRef checkpoint = 6;
  string checkpoint_version = 7;
  uint64 oldest_seq = 8;
  uint64 bytes_since_checkpoint = 9;
}
`;

const root = protobuf.parse(SCHEMA, { keepCase: true }).root;
const ChangeSetType = root.lookupType('sesame.bus.v1.ChangeSet');
const ChunkType = root.lookupType('sesame.bus.v1.Chunk');
const HeadType = root.lookupType('sesame.bus.v1.Head');

const AUDIENCES: readonly Audience[] = ['all', 'envoy', 'grpc'];

/** Where a chunked payload lives and how to check it: chunk count, SHA-256 of the whole, size in bytes. */
export interface BlobRef {
  readonly chunks: number;
  readonly digest: Uint8Array;
  readonly size: number;
}

/**
 * The commit point. Readers only ever look at chunks that a head references, so a change written but not yet
 * (or never) committed is invisible. `epoch` changes when the log restarts from a fresh checkpoint (an empty
 * or unreadable bus); within an epoch `seq` only grows.
 */
export interface Head {
  readonly epoch: string;
  readonly seq: number;
  readonly version: string;
  /** The change set at `seq`; absent when `seq` only has a checkpoint (the first commit of an epoch). */
  readonly change: BlobRef | undefined;
  readonly checkpointSeq: number;
  readonly checkpoint: BlobRef;
  readonly checkpointVersion: string;
  /** The oldest change still stored: a reader at `oldestSeq - 1` or later can follow without a resync. */
  readonly oldestSeq: number;
  /** Bytes of change sets written since the checkpoint, to decide when the next one is due. */
  readonly bytesSinceCheckpoint: number;
}

/** One decoded chunk of a payload. */
export interface Chunk {
  readonly epoch: string;
  readonly seq: number;
  readonly index: number;
  readonly count: number;
  readonly digest: Uint8Array;
  readonly data: Uint8Array;
}

/** A change set as stored: the change and its position in the log. */
export interface ChangeSet {
  readonly seq: number;
  readonly change: SnapshotChange;
}

/** Store key of the head. */
export const HEAD_KEY = 'head';

/** Store key of chunk `index` of the change set at `seq`. */
export function changeKey(seq: number, index: number): string {
  return `chg.${seq}.${index}`;
}

/** Store key of chunk `index` of the checkpoint at `seq`. */
export function checkpointKey(seq: number, index: number): string {
  return `cp.${seq}.${index}`;
}

/** What a store key holds, or undefined for a key the bus did not write. */
export function parseKey(key: string): { kind: 'chg' | 'cp'; seq: number; index: number } | undefined {
  const m = /^(chg|cp)\.(\d+)\.(\d+)$/.exec(key);
  if (m === null) return undefined;
  return { kind: m[1] === 'chg' ? 'chg' : 'cp', seq: Number(m[2]), index: Number(m[3]) };
}

/** SHA-256 of a payload, as referenced by heads and chunks. */
export function digestOf(bytes: Uint8Array): Uint8Array {
  return createHash('sha256').update(bytes).digest();
}

/** Encodes a change set, grouping entries by type so a type URL is written once, not once per resource. */
export function encodeChangeSet(set: ChangeSet): Uint8Array {
  const upserts = new Map<TypeUrl, Array<{ name: string; body: Uint8Array; audience: number }>>();
  for (const r of set.change.upserts) {
    let group = upserts.get(r.typeUrl);
    if (group === undefined) upserts.set(r.typeUrl, (group = []));
    group.push({ name: r.name, body: r.body, audience: AUDIENCES.indexOf(r.audience) });
  }
  const removals = new Map<TypeUrl, string[]>();
  for (const k of set.change.removals) {
    let group = removals.get(k.typeUrl);
    if (group === undefined) removals.set(k.typeUrl, (group = []));
    group.push(k.name);
  }
  const message = ChangeSetType.fromObject({
    seq: set.seq,
    version: set.change.version,
    previous_version: set.change.previousVersion ?? '',
    upserts: [...upserts].map(([type_url, entries]) => ({ type_url, entries })),
    removals: [...removals].map(([type_url, names]) => ({ type_url, names })),
  });
  return ChangeSetType.encode(message).finish();
}

interface DecodedChangeSet {
  seq: unknown;
  version: string;
  previous_version: string;
  upserts: Array<{ type_url: string; entries: Array<{ name: string; body: Uint8Array; audience: number }> }>;
  removals: Array<{ type_url: string; names: string[] }>;
}

/**
 * Decodes a change set. Resource versions are recomputed from the bytes, never trusted from the wire, so
 * `applyChange`'s version check covers the contents end to end.
 */
export function decodeChangeSet(bytes: Uint8Array): Result<ChangeSet> {
  let m: DecodedChangeSet;
  try {
    m = ChangeSetType.decode(bytes) as unknown as DecodedChangeSet;
  } catch (err) {
    return { ok: false, errors: [`undecodable change set: ${String(err)}`] };
  }
  const upserts: Resource[] = [];
  const removals: ResourceKey[] = [];
  // Make-before-break order, whatever order the writer grouped the types in.
  const groups = [...m.upserts].sort(
    (a, b) => TYPE_URLS.indexOf(a.type_url as TypeUrl) - TYPE_URLS.indexOf(b.type_url as TypeUrl),
  );
  for (const group of groups) {
    const typeUrl = group.type_url;
    if (!isTypeUrl(typeUrl)) return { ok: false, errors: [`unsupported type URL ${typeUrl}`] };
    for (const e of group.entries) {
      const audience = AUDIENCES[e.audience];
      if (audience === undefined) return { ok: false, errors: [`unknown audience ${e.audience}`] };
      upserts.push(createResource({ typeUrl, name: e.name, body: e.body, audience }));
    }
  }
  for (const group of m.removals) {
    const typeUrl = group.type_url;
    if (!isTypeUrl(typeUrl)) return { ok: false, errors: [`unsupported type URL ${typeUrl}`] };
    for (const name of group.names) removals.push({ typeUrl, name });
  }
  const previousVersion = m.previous_version === '' ? null : m.previous_version;
  return {
    ok: true,
    value: { seq: toNumber(m.seq), change: { version: m.version, previousVersion, upserts, removals } },
  };
}

/** Splits a payload into encoded chunks of at most `chunkSize` data bytes each (at least one chunk). */
export function encodeChunks(
  position: { epoch: string; seq: number },
  payload: Uint8Array,
  chunkSize: number,
): { chunks: Uint8Array[]; ref: BlobRef } {
  const digest = digestOf(payload);
  const count = Math.max(1, Math.ceil(payload.length / chunkSize));
  const chunks: Uint8Array[] = [];
  for (let index = 0; index < count; index++) {
    const data = payload.subarray(index * chunkSize, (index + 1) * chunkSize);
    const message = ChunkType.fromObject({ ...position, index, count, digest, data });
    chunks.push(ChunkType.encode(message).finish());
  }
  return { chunks, ref: { chunks: count, digest, size: payload.length } };
}

/** Decodes one chunk. */
export function decodeChunk(bytes: Uint8Array): Result<Chunk> {
  try {
    const m = ChunkType.decode(bytes) as unknown as Record<string, unknown>;
    return {
      ok: true,
      value: {
        epoch: String(m['epoch']),
        seq: toNumber(m['seq']),
        index: Number(m['index']),
        count: Number(m['count']),
        digest: m['digest'] as Uint8Array,
        data: m['data'] as Uint8Array,
      },
    };
  } catch (err) {
    return { ok: false, errors: [`undecodable chunk: ${String(err)}`] };
  }
}

/**
 * Joins chunks (in index order) back into the payload, checking that they all belong to the same write at the
 * expected position and that the whole hashes to the digest they announce (and `digest`, when the head gives one).
 */
export function joinChunks(
  chunks: readonly Chunk[],
  expected: { epoch: string; seq: number; digest?: Uint8Array },
): Result<Uint8Array> {
  const first = chunks[0];
  if (first === undefined) return { ok: false, errors: ['no chunks'] };
  if (first.count !== chunks.length) {
    return { ok: false, errors: [`expected ${first.count} chunks, got ${chunks.length}`] };
  }
  for (const [i, c] of chunks.entries()) {
    if (c.epoch !== expected.epoch || c.seq !== expected.seq || c.index !== i || c.count !== first.count) {
      return { ok: false, errors: [`chunk ${i} belongs to ${c.epoch}/${c.seq}/${c.index}`] };
    }
    if (!Buffer.from(c.digest).equals(first.digest)) {
      return { ok: false, errors: [`chunk ${i} belongs to another write`] };
    }
  }
  if (expected.digest !== undefined && !Buffer.from(first.digest).equals(expected.digest)) {
    return { ok: false, errors: ['chunks are not the ones the head references'] };
  }
  const payload = chunks.length === 1 ? first.data : Buffer.concat(chunks.map((c) => c.data));
  if (!Buffer.from(digestOf(payload)).equals(first.digest)) {
    return { ok: false, errors: ['payload does not match its digest'] };
  }
  return { ok: true, value: payload };
}

/** Encodes a head. */
export function encodeHead(head: Head): Uint8Array {
  const message = HeadType.fromObject({
    epoch: head.epoch,
    seq: head.seq,
    version: head.version,
    ...(head.change === undefined ? {} : { change: head.change }),
    checkpoint_seq: head.checkpointSeq,
    checkpoint: head.checkpoint,
    checkpoint_version: head.checkpointVersion,
    oldest_seq: head.oldestSeq,
    bytes_since_checkpoint: head.bytesSinceCheckpoint,
  });
  return HeadType.encode(message).finish();
}

/** Decodes a head, rejecting one that cannot be a head the writer produced. */
export function decodeHead(bytes: Uint8Array): Result<Head> {
  let m: Record<string, unknown>;
  try {
    m = HeadType.decode(bytes) as unknown as Record<string, unknown>;
  } catch (err) {
    return { ok: false, errors: [`undecodable head: ${String(err)}`] };
  }
  const checkpoint = toBlobRef(m['checkpoint']);
  const head: Head = {
    epoch: String(m['epoch']),
    seq: toNumber(m['seq']),
    version: String(m['version']),
    change: toBlobRef(m['change']),
    checkpointSeq: toNumber(m['checkpoint_seq']),
    checkpoint: checkpoint ?? { chunks: 0, digest: new Uint8Array(), size: 0 },
    checkpointVersion: String(m['checkpoint_version']),
    oldestSeq: toNumber(m['oldest_seq']),
    bytesSinceCheckpoint: toNumber(m['bytes_since_checkpoint']),
  };
  if (head.epoch === '' || head.seq < 1 || checkpoint === undefined || head.checkpointSeq > head.seq) {
    return { ok: false, errors: ['head is incomplete'] };
  }
  return { ok: true, value: head };
}

function toBlobRef(value: unknown): BlobRef | undefined {
  if (value === null || value === undefined) return undefined;
  const m = value as Record<string, unknown>;
  const chunks = Number(m['chunks']);
  if (chunks < 1) return undefined;
  return { chunks, digest: m['digest'] as Uint8Array, size: toNumber(m['size']) };
}

/** protobufjs gives uint64 as a Long when the `long` package is present, else as a number. */
function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (value !== null && typeof value === 'object' && 'toNumber' in value) {
    return (value as { toNumber(): number }).toNumber();
  }
  return Number(value);
}
