/**
 * Just enough DER to check a certificate and its private key without OpenSSL, whose decoders cost about a
 * millisecond per key: two thousand TLS secrets would take seconds. Every element is walked and its
 * lengths checked, so a truncated or corrupted PEM is refused, and the key is matched against the
 * certificate's public key (RSA modulus and exponent, or EC point).
 */

/** One DER element: its tag and where its contents lie in the buffer. */
export interface Tlv {
  readonly tag: number;
  readonly start: number;
  readonly end: number;
}

/** Reads the element at `offset`, or undefined when it does not fit in `[offset, limit)`. */
export function readTlv(buf: Uint8Array, offset: number, limit: number): Tlv | undefined {
  if (offset + 2 > limit) return undefined;
  const tag = buf[offset] ?? 0;
  if ((tag & 0x1f) === 0x1f) return undefined; // multi-byte tags do not occur in certificates and keys
  let length = buf[offset + 1] ?? 0;
  let start = offset + 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    if (bytes === 0 || bytes > 4 || start + bytes > limit) return undefined;
    length = 0;
    for (let i = 0; i < bytes; i++) length = length * 256 + (buf[start + i] ?? 0);
    start += bytes;
  }
  const end = start + length;
  return end > limit ? undefined : { tag, start, end };
}

/** The children of a constructed element, or undefined when they do not exactly fill it. */
export function children(buf: Uint8Array, parent: Tlv): Tlv[] | undefined {
  const out: Tlv[] = [];
  let at = parent.start;
  while (at < parent.end) {
    const child = readTlv(buf, at, parent.end);
    if (child === undefined) return undefined;
    out.push(child);
    at = child.end;
  }
  return out;
}

/** Whether every element under `tlv` is well formed (constructed elements recursively). */
export function wellFormed(buf: Uint8Array, tlv: Tlv, depth = 0): boolean {
  if (depth > 32) return false;
  if ((tlv.tag & 0x20) === 0) return true;
  // Walks the children in place: a list per element was most of the cost of checking 2,000 certificates.
  for (let at = tlv.start; at < tlv.end;) {
    const child = readTlv(buf, at, tlv.end);
    if (child === undefined || !wellFormed(buf, child, depth + 1)) return false;
    at = child.end;
  }
  return true;
}

/** The whole buffer as one well-formed element, or undefined. */
export function parseDer(buf: Uint8Array): Tlv | undefined {
  const top = readTlv(buf, 0, buf.length);
  return top !== undefined && top.end === buf.length && wellFormed(buf, top) ? top : undefined;
}

/** An INTEGER's magnitude without leading zero bytes, as hex. */
export function integerHex(buf: Uint8Array, tlv: Tlv): string {
  let start = tlv.start;
  while (start < tlv.end - 1 && buf[start] === 0) start++;
  return Buffer.from(buf.subarray(start, tlv.end)).toString('hex');
}

/** The bytes of an element's contents. */
export function contents(buf: Uint8Array, tlv: Tlv): Uint8Array {
  return buf.subarray(tlv.start, tlv.end);
}

/** DER tags used here. */
export const TAG = { integer: 0x02, bitString: 0x03, octetString: 0x04, oid: 0x06, sequence: 0x30 } as const;

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
const BASE64_BODY = /^[A-Za-z0-9+/=\s]*$/;

/** The PEM blocks of a text, by label, with their DER bytes; undefined when a block's base64 is bad. */
export function pemBlocks(text: string): { label: string; der: Buffer }[] | undefined {
  const out: { label: string; der: Buffer }[] = [];
  for (const m of text.matchAll(PEM_BLOCK)) {
    const body = m[2] ?? '';
    if (!BASE64_BODY.test(body)) return undefined;
    // Node's base64 decoding skips whitespace itself: no need to strip the line breaks first.
    out.push({ label: m[1] ?? '', der: Buffer.from(body, 'base64') });
  }
  return out;
}
