// A streaming reader of the gRPC frames of an ADS stream: fed HTTP/2 DATA chunks as they arrive, it walks each
// DiscoveryResponse's fields (version_info 1, resources 2, type_url 4, nonce 5), each resource's Any (type_url
// 1, value 2) and the start of each resource for its name (field 1 of every xDS resource message), without
// ever holding a whole message. A resource's body is kept only when the sink asks for it (by type and name),
// so a fleet's memory does not grow with the size of what the edges send. Protobuf does not fix the order of
// fields: the envelope may come before or after the resources (the edge writes it last), a name need not be
// first, and any field may be split over chunks.
import { createHash, type Hash } from 'node:crypto';
import { ResourceBody, type ResponseSink } from './response-sink.js';

/** Feeds a stream's DATA chunks in order. */
export interface ResponseParser {
  push(chunk: Buffer): void;
}

const S = {
  header: 0,
  tag: 1,
  length: 2,
  varint: 3,
  skip: 4,
  string: 5,
  rest: 6,
  failed: 7,
} as const;

/** Levels: the response, a resource's Any, the resource's body (until its name is found). */
const MESSAGE = 0;
const ANY = 1;
const BODY = 2;

/** Creates a parser; `begin` gives the sink of each response, `onError` reports a malformed stream (once). */
export function createResponseParser(options: {
  begin: () => ResponseSink;
  digest: boolean;
  onError: (message: string) => void;
}): ResponseParser {
  let state: number = S.header;
  const header = Buffer.alloc(5);
  let headerHave = 0;
  /** Stream offset of the start of the current chunk. */
  let base = 0;
  let messageStart = 0;
  /** End offsets (stream-absolute) of the open levels; depth = ends.length - 1. */
  const ends: number[] = [];
  let varint = 0;
  let shift = 0;
  let field = 0;
  let tokenEnd = 0;
  let stringParts: Buffer[] = [];
  let sink: ResponseSink | undefined;
  let typeUrl: string | undefined;
  let versionInfo = '';
  let nonce = '';
  let count = 0;
  let hash: Hash | undefined;
  let res: ResourceBody | undefined;
  let chunk: Buffer = Buffer.alloc(0);
  /** Where the not yet handed over part of the current body starts in `chunk`. */
  let tapFrom = 0;

  const depth = (): number => ends.length - 1;

  /** Whether a callback found the stream malformed (a check TypeScript cannot narrow away). */
  const failed = (): boolean => state === S.failed;

  const fail = (message: string): void => {
    state = S.failed;
    options.onError(message);
  };

  const beginMessage = (length: number, at: number): void => {
    messageStart = at;
    ends.length = 0;
    ends.push(at + length);
    sink = options.begin();
    typeUrl = undefined;
    versionInfo = '';
    nonce = '';
    count = 0;
    hash = options.digest ? createHash('sha256') : undefined;
  };

  /** Hands the body bytes read so far in this chunk to the resource. */
  const tap = (to: number): void => {
    if (res === undefined || to <= tapFrom) return;
    if (res.wants()) res.take(chunk.subarray(tapFrom, to));
    tapFrom = to;
  };

  // Every resource of a response carries the same Any type_url: read its string once.
  let typeBytes: Buffer = Buffer.alloc(0);
  let typeString = '';
  const readString = (from: Buffer, start: number, end: number): string =>
    depth() === ANY ? readType(from, start, end) : from.toString('utf8', start, end);
  const readType = (from: Buffer, start: number, end: number): string => {
    const n = end - start;
    let same = n === typeBytes.length;
    // From the end: type URLs share their prefix.
    for (let i = n - 1; same && i >= 0; i--) same = from[start + i] === typeBytes[i];
    if (!same) {
      typeString = from.toString('utf8', start, end);
      typeBytes = Buffer.from(from.subarray(start, end));
    }
    return typeString;
  };

  /** The name is known (or the body has none): decide whether to keep the body, and digest what came. */
  const decide = (r: ResourceBody, name: string, at: number): void => {
    tap(at);
    r.named(name, sink?.keep(r.anyType ?? typeUrl, name) ?? false);
  };

  const endBody = (at: number): void => {
    const r = res;
    if (r === undefined) return;
    if (r.name === undefined) decide(r, '', at);
    else tap(at);
    fieldEnded(at);
    r.endBody();
  };

  const endResource = (): void => {
    const r = res;
    res = undefined;
    if (r === undefined) return;
    if (!r.seen) r.endEmpty(sink?.keep(r.anyType ?? typeUrl, '') ?? false);
    count++;
    sink?.resource(r.anyType ?? typeUrl, r.name ?? '', r.body);
  };

  /** Hands the fields read since the last ones to a sink that keeps a resource field by field. */
  const fieldEnded = (at: number): void => {
    const r = res;
    if (r?.keep !== 'fields') return;
    tap(at);
    const bytes = r.takeFields();
    if (bytes !== undefined) sink?.fields(r.anyType ?? typeUrl, r.name ?? '', bytes);
  };

  /** Closes every level that ends at `at`; the next token is a tag (or a frame header). */
  const close = (at: number): void => {
    state = S.tag;
    if (depth() === BODY) fieldEnded(at - base);
    while (ends.length > 0 && ends[ends.length - 1] === at) {
      const depth = ends.length - 1;
      ends.pop();
      if (depth === BODY) endBody(at - base);
      else if (depth === ANY) endResource();
      else {
        const done = sink;
        sink = undefined;
        done?.end({
          typeUrl: typeUrl ?? '',
          versionInfo,
          nonce,
          bytes: at - messageStart,
          count,
          digest: hash?.digest('base64url').slice(0, 12),
        });
        hash = undefined;
        state = S.header;
        headerHave = 0;
      }
    }
    // Once the name is known, the rest of a body is only skipped (or collected), unless kept field by field.
    if (state === S.tag && depth() === BODY && res?.name !== undefined && res.keep !== 'fields') {
      state = S.rest;
    }
  };

  /** A token ending at `end` must fit in its level. */
  const fits = (end: number): boolean => {
    if (end <= (ends[ends.length - 1] ?? -1)) return true;
    fail('a field runs past the end of its message');
    return false;
  };

  const onString = (value: string, at: number): void => {
    const d = depth();
    if (d === MESSAGE) {
      if (field === 1) versionInfo = value;
      else if (field === 4) typeUrl = value;
      else nonce = value;
    } else if (d === ANY) {
      if (res !== undefined) res.anyType = value;
    } else if (res !== undefined && res.name === undefined) {
      decide(res, value, at - base);
    }
  };

  const onLength = (length: number, at: number): void => {
    const end = at + length;
    if (!fits(end)) return;
    const d = depth();
    tokenEnd = end;
    stringParts = [];
    if (
      (d === MESSAGE && (field === 1 || field === 4 || field === 5)) ||
      ((d === ANY || d === BODY) && field === 1)
    ) {
      state = S.string;
    } else if (d === MESSAGE && field === 2) {
      res = new ResourceBody(hash);
      ends.push(end);
      close(at);
    } else if (d === ANY && field === 2 && res !== undefined) {
      res.restart();
      tapFrom = at - base;
      ends.push(end);
      close(at);
    } else {
      state = S.skip;
    }
    if (state === S.skip || state === S.string) {
      if (end === at) {
        if (state === S.string) onString('', at);
        if (!failed()) close(at);
      }
    }
  };

  const onTag = (tag: number, at: number): void => {
    field = tag >>> 3;
    const wireType = tag & 7;
    if (field === 0) return fail('field number 0');
    if (wireType === 0) state = S.varint;
    else if (wireType === 1 || wireType === 5) {
      tokenEnd = at + (wireType === 1 ? 8 : 4);
      if (fits(tokenEnd)) state = S.skip;
    } else if (wireType === 2) state = S.length;
    else fail(`unsupported wire type ${wireType}`);
    // The name of a resource is field 1 as a string; any other field 1 is skipped like protobufjs does.
    if (wireType !== 2 && field === 1 && depth() === BODY) field = -1;
  };

  /** Position after the varint last read by varintAt. */
  let next = 0;
  /** A varint of `chunk` at `pos` that ends before `limit`; -1 when it does not. */
  const varintAt = (pos: number, limit: number): number => {
    let value = 0;
    for (let i = pos, s = 0; i < limit && s < 64; i++, s += 7) {
      const b = chunk[i] ?? 0;
      value += (b & 0x7f) * 2 ** s;
      if (b < 0x80) {
        next = i + 1;
        return value;
      }
    }
    return -1;
  };

  /** The end of the field of `chunk` whose tag is at `pos`, or -1 (past `limit`, or not a simple field). */
  const fieldEnd = (pos: number, limit: number): number => {
    const tag = varintAt(pos, limit);
    if (tag < 8) return -1;
    const wireType = tag & 7;
    let end = -1;
    if (wireType === 0) end = varintAt(next, limit) < 0 ? -1 : next;
    else if (wireType === 1 || wireType === 5) end = next + (wireType === 1 ? 8 : 4);
    else if (wireType === 2) {
      const length = varintAt(next, limit);
      end = length < 0 ? -1 : next + length;
    }
    return end > limit ? -1 : end;
  };

  /**
   * Reads a resource that lies whole in this chunk (most do: they are small) without the token machine, with
   * the same outcome; returns where it ends, or -1 (nothing done) for anything the machine should handle.
   */
  const fastAny = (p: number): number => {
    const limit = Math.min(chunk.length, (ends[MESSAGE] ?? 0) - base);
    const length = varintAt(p + 1, limit);
    const end = next + length;
    if (length < 0 || end > limit) return -1;
    let typeAt = -1;
    let typeFirst = false;
    let value = -1;
    let valueEnd = -1;
    for (let i = next; i < end;) {
      const tag = varintAt(i, end);
      const n = tag < 0 ? -1 : varintAt(next, end);
      if ((tag !== 0x0a && tag !== 0x12) || n < 0 || next + n > end) return -1;
      if (tag === 0x0a) {
        if (typeAt >= 0) return -1;
        typeAt = i;
        typeFirst = value < 0;
      } else {
        if (value >= 0) return -1;
        value = next;
        valueEnd = next + n;
      }
      i = next + n;
    }
    // The name: the first field 1 as a string, else ''.
    let name = '';
    let nameEnd = valueEnd;
    for (let i = value; value >= 0 && i < valueEnd;) {
      if (chunk[i] === 0x0a) {
        const n = varintAt(i + 1, valueEnd);
        if (n < 0 || next + n > valueEnd) return -1;
        name = chunk.toString('utf8', next, next + n);
        nameEnd = next + n;
        break;
      }
      i = fieldEnd(i, valueEnd);
      if (i < 0) return -1;
    }
    let anyType: string | undefined;
    if (typeAt >= 0) {
      const n = varintAt(typeAt + 1, end);
      anyType = readType(chunk, next, next + n);
    }
    const r = new ResourceBody(hash);
    res = r;
    if (typeFirst) r.anyType = anyType;
    if (value < 0) return end;
    r.named(name, sink?.keep(r.anyType ?? typeUrl, name) ?? false);
    if (r.keep === 'fields') {
      // The fields up to the name as one piece, then each field, as the machine hands them over.
      for (let from = value, to = nameEnd; from < valueEnd; from = to, to = fieldEnd(from, valueEnd)) {
        if (to < 0) {
          fail('a field runs past the end of its message');
          return chunk.length;
        }
        r.take(chunk.subarray(from, to));
        const bytes = r.takeFields();
        if (bytes !== undefined) sink?.fields(r.anyType ?? typeUrl, name, bytes);
      }
    } else if (r.wants()) r.take(chunk.subarray(value, valueEnd));
    r.endBody();
    if (!typeFirst) r.anyType = anyType;
    return end;
  };

  const step = (p: number): number => {
    const at = base + p;
    switch (state) {
      case S.header: {
        const n = Math.min(5 - headerHave, chunk.length - p);
        chunk.copy(header, headerHave, p, p + n);
        headerHave += n;
        if (headerHave < 5) return p + n;
        if (header[0] !== 0) {
          fail('a compressed message (no compression was negotiated)');
          return chunk.length;
        }
        beginMessage(header.readUInt32BE(1), at + n);
        close(at + n);
        return p + n;
      }
      case S.tag:
      case S.length:
      case S.varint: {
        if (state === S.tag && shift === 0 && chunk[p] === 0x12 && depth() === MESSAGE) {
          const end = fastAny(p);
          if (end >= 0) {
            if (!failed()) {
              endResource();
              close(base + end);
            }
            return end;
          }
        }
        let q = p;
        while (q < chunk.length) {
          const b = chunk[q++] ?? 0;
          varint += (b & 0x7f) * 2 ** shift;
          shift += 7;
          if (b < 0x80) {
            const value = varint;
            const was = state;
            varint = 0;
            shift = 0;
            if (!fits(base + q)) return chunk.length;
            if (was === S.tag) onTag(value, base + q);
            else if (was === S.length) onLength(value, base + q);
            else close(base + q);
            return q;
          }
          if (shift > 63) {
            fail('a varint longer than 10 bytes');
            return chunk.length;
          }
        }
        return q;
      }
      case S.skip:
      case S.string:
      case S.rest: {
        const end = state === S.rest ? (ends[BODY] ?? at) : tokenEnd;
        const q = Math.min(chunk.length, p + (end - at));
        const whole = base + q >= end;
        if (state === S.string && !(whole && stringParts.length === 0))
          stringParts.push(chunk.subarray(p, q));
        if (!whole) return q;
        if (state === S.string) {
          const joined = stringParts.length === 0 ? undefined : Buffer.concat(stringParts);
          stringParts = [];
          onString(
            joined === undefined ? readString(chunk, p, q) : readString(joined, 0, joined.length),
            base + q,
          );
        }
        if (!failed()) close(base + q);
        return q;
      }
      default:
        return chunk.length;
    }
  };

  return {
    push(next) {
      chunk = next;
      tapFrom = 0;
      let p = 0;
      while (p < chunk.length && state !== S.failed) p = step(p);
      if (depth() >= BODY) tap(chunk.length);
      base += chunk.length;
      tapFrom = 0;
    },
  };
}
