/**
 * A protobuf wire writer with protobufjs' exact output: minimal varints, length prefixes written after the
 * content (one byte reserved, content shifted only when the length needs more), little-endian fixed types.
 * One scratch writer is reused across encodes, so encoding allocates only the final copy.
 */
export class ByteWriter {
  private buf: Buffer = Buffer.allocUnsafe(64 * 1024);
  private pos = 0;
  /** Open sections' starts; `depth` of them are in use (emptying the array would free its storage). */
  private readonly marks: number[] = [];
  private depth = 0;

  /** Starts a new message, forgetting anything written before. */
  reset(): void {
    this.pos = 0;
    this.depth = 0;
  }

  /** How many bytes have been written. */
  position(): number {
    return this.pos;
  }

  /** A copy of everything written (small copies come from Node's buffer pool, which is much cheaper). */
  finish(): Uint8Array {
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    return out;
  }

  /** Everything written, without a copy: valid only until the writer is next used. */
  view(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** A field key: field number and wire type. */
  tag(id: number, wireType: number): void {
    this.uint32(((id << 3) | wireType) >>> 0);
  }

  uint32(value: number): void {
    this.ensure(5);
    let v = value >>> 0;
    while (v > 127) {
      this.buf[this.pos++] = (v & 127) | 128;
      v >>>= 7;
    }
    this.buf[this.pos++] = v;
  }

  /** A 64-bit varint; negative values take ten bytes, as two's complement. */
  varint64(value: bigint): void {
    this.ensure(10);
    let v = BigInt.asUintN(64, value);
    while (v > 127n) {
      this.buf[this.pos++] = Number(v & 127n) | 128;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
  }

  int32(value: number): void {
    if (value >= 0) this.uint32(value);
    else this.varint64(BigInt(value));
  }

  sint32(value: number): void {
    this.uint32(((value << 1) ^ (value >> 31)) >>> 0);
  }

  sint64(value: bigint): void {
    this.varint64((value << 1n) ^ (value >> 63n));
  }

  bool(value: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = value ? 1 : 0;
  }

  fixed32(value: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(value >>> 0, this.pos);
    this.pos += 4;
  }

  sfixed32(value: number): void {
    this.ensure(4);
    this.buf.writeInt32LE(value | 0, this.pos);
    this.pos += 4;
  }

  fixed64(value: bigint): void {
    this.ensure(8);
    this.buf.writeBigUInt64LE(BigInt.asUintN(64, value), this.pos);
    this.pos += 8;
  }

  float(value: number): void {
    this.ensure(4);
    this.buf.writeFloatLE(value, this.pos);
    this.pos += 4;
  }

  double(value: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(value, this.pos);
    this.pos += 8;
  }

  /** A length-prefixed UTF-8 string (short ASCII ones, the usual case, copied by hand: cheaper than a call out). */
  string(value: string): void {
    const n = value.length;
    if (n < 128) {
      this.ensure(n + 1);
      let ascii = true;
      for (let i = 0; i < n; i++) {
        const c = value.charCodeAt(i);
        if (c >= 0x80) {
          ascii = false;
          break;
        }
        this.buf[this.pos + 1 + i] = c;
      }
      if (ascii) {
        this.buf[this.pos] = n;
        this.pos += n + 1;
        return;
      }
    }
    const length = Buffer.byteLength(value, 'utf8');
    this.uint32(length);
    this.ensure(length);
    this.pos += this.buf.write(value, this.pos, length, 'utf8');
  }

  /** Length-prefixed raw bytes (also how an already encoded sub-message is spliced in). */
  bytes(value: Uint8Array): void {
    this.uint32(value.length);
    this.raw(value);
  }

  /** Bytes as they are, without a length. */
  raw(value: Uint8Array): void {
    this.ensure(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }

  /** Opens a length-delimited section (a sub-message or a packed list). */
  fork(): void {
    this.ensure(1);
    this.marks[this.depth++] = this.pos;
    this.pos += 1;
  }

  /** Closes the innermost section, writing its length in front of it. */
  ldelim(): void {
    const mark = this.depth === 0 ? undefined : this.marks[--this.depth];
    if (mark === undefined) throw new Error('ldelim without fork');
    const start = mark + 1;
    const length = this.pos - start;
    const size = varintSize(length);
    if (size > 1) {
      this.ensure(size - 1);
      this.buf.copyWithin(mark + size, start, this.pos);
      this.pos += size - 1;
    }
    let v = length;
    let at = mark;
    while (v > 127) {
      this.buf[at++] = (v & 127) | 128;
      v >>>= 7;
    }
    this.buf[at] = v;
  }
}

function varintSize(value: number): number {
  let size = 1;
  let v = value >>> 7;
  while (v > 0) {
    size++;
    v >>>= 7;
  }
  return size;
}
