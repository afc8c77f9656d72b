import { describe, expect, it } from 'vitest';
import { TypeUrl } from '../proto/type-urls.js';
import { createResource } from '../snapshot/resource.js';
import {
  changeKey,
  checkpointKey,
  decodeChangeSet,
  decodeChunk,
  decodeHead,
  encodeChangeSet,
  encodeChunks,
  encodeHead,
  joinChunks,
  parseKey,
  type Chunk,
  type Head,
} from './wire.js';

const resource = (
  typeUrl: TypeUrl,
  name: string,
  body: string,
  audience?: 'envoy',
): ReturnType<typeof createResource> =>
  createResource({ typeUrl, name, body: Buffer.from(body), ...(audience === undefined ? {} : { audience }) });

function decodeAll(chunks: Uint8Array[]): Chunk[] {
  return chunks.map((c) => {
    const d = decodeChunk(c);
    if (!d.ok) throw new Error(d.errors.join('; '));
    return d.value;
  });
}

describe('wire format', () => {
  it('round-trips a change set, recomputing versions and keeping make-before-break order', () => {
    const upserts = [
      resource(TypeUrl.Secret, 's', 'key', 'envoy'),
      resource(TypeUrl.Cluster, 'c', 'cluster'),
      resource(TypeUrl.Listener, 'l', 'listener'),
    ];
    const bytes = encodeChangeSet({
      seq: 2 ** 40,
      change: {
        version: 'v2',
        previousVersion: 'v1',
        upserts,
        removals: [{ typeUrl: TypeUrl.Cluster, name: 'old' }],
      },
    });
    const decoded = decodeChangeSet(bytes);
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(decoded.value.seq).toBe(2 ** 40);
    expect(decoded.value.change.previousVersion).toBe('v1');
    expect(decoded.value.change.upserts.map((r) => r.typeUrl)).toEqual([
      TypeUrl.Cluster,
      TypeUrl.Listener,
      TypeUrl.Secret,
    ]);
    expect(decoded.value.change.upserts.find((r) => r.name === 's')).toEqual(upserts[0]);
    expect(decoded.value.change.removals).toEqual([{ typeUrl: TypeUrl.Cluster, name: 'old' }]);
  });

  it('writes a full state with an empty previous version and reads it back as null', () => {
    const bytes = encodeChangeSet({
      seq: 1,
      change: { version: 'v', previousVersion: null, upserts: [], removals: [] },
    });
    const decoded = decodeChangeSet(bytes);
    expect(decoded.ok && decoded.value.change.previousVersion).toBeNull();
  });

  it('rejects garbage and unknown types', () => {
    expect(decodeChangeSet(Buffer.from([0xff, 0xff, 0xff])).ok).toBe(false);
    const bad = encodeChangeSet({
      seq: 1,
      change: {
        version: 'v',
        previousVersion: null,
        upserts: [{ ...resource(TypeUrl.Cluster, 'c', 'x'), typeUrl: 'type.googleapis.com/x.Y' as TypeUrl }],
        removals: [],
      },
    });
    expect(decodeChangeSet(bad).ok).toBe(false);
  });

  it('splits into chunks and joins them back, checking every chunk belongs to the same write', () => {
    const payload = Buffer.alloc(1000, 7);
    const { chunks, ref } = encodeChunks({ epoch: 'e', seq: 3 }, payload, 300);
    expect(chunks).toHaveLength(4);
    expect(ref).toMatchObject({ chunks: 4, size: 1000 });
    const decoded = decodeAll(chunks);
    const joined = joinChunks(decoded, { epoch: 'e', seq: 3, digest: ref.digest });
    expect(joined.ok && Buffer.from(joined.value).equals(payload)).toBe(true);

    expect(joinChunks(decoded.slice(0, 3), { epoch: 'e', seq: 3 }).ok).toBe(false);
    expect(joinChunks(decoded, { epoch: 'other', seq: 3 }).ok).toBe(false);
    expect(joinChunks(decoded, { epoch: 'e', seq: 4 }).ok).toBe(false);
    const other = decodeAll(encodeChunks({ epoch: 'e', seq: 3 }, Buffer.alloc(1000, 8), 300).chunks);
    expect(
      joinChunks([decoded[0], other[1], decoded[2], decoded[3]] as Chunk[], { epoch: 'e', seq: 3 }).ok,
    ).toBe(false);
    expect(joinChunks(other, { epoch: 'e', seq: 3, digest: ref.digest }).ok).toBe(false);
  });

  it('always writes at least one chunk, even for an empty payload', () => {
    const { chunks } = encodeChunks({ epoch: 'e', seq: 1 }, new Uint8Array(), 300);
    const joined = joinChunks(decodeAll(chunks), { epoch: 'e', seq: 1 });
    expect(joined.ok && joined.value.length).toBe(0);
  });

  it('round-trips a head and rejects an incomplete one', () => {
    const { ref } = encodeChunks({ epoch: 'e', seq: 5 }, Buffer.from('x'), 10);
    const head: Head = {
      epoch: 'e',
      seq: 9,
      version: 'v9',
      change: ref,
      checkpointSeq: 5,
      checkpoint: ref,
      checkpointVersion: 'v5',
      oldestSeq: 3,
      bytesSinceCheckpoint: 123,
    };
    const decoded = decodeHead(encodeHead(head));
    expect(decoded.ok && decoded.value).toMatchObject({ ...head, change: { chunks: 1, size: 1 } });
    expect(decodeHead(encodeHead({ ...head, change: undefined })).ok).toBe(true);
    expect(decodeHead(encodeHead({ ...head, epoch: '' })).ok).toBe(false);
    expect(decodeHead(encodeHead({ ...head, checkpointSeq: 10 })).ok).toBe(false);
    expect(decodeHead(Buffer.from('garbage')).ok).toBe(false);
  });

  it('names keys and parses them back', () => {
    expect(parseKey(changeKey(12, 3))).toEqual({ kind: 'chg', seq: 12, index: 3 });
    expect(parseKey(checkpointKey(4, 0))).toEqual({ kind: 'cp', seq: 4, index: 0 });
    expect(parseKey('head')).toBeUndefined();
    expect(parseKey('chg.1')).toBeUndefined();
  });
});
