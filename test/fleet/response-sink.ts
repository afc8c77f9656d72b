// What the streaming response parser (response-parser.ts) hands over, and how it holds one resource's body
// while it streams: only as much as the sink asked for, so that memory follows the resource, not the message.
import type { Hash } from 'node:crypto';

/** How much of a resource's body a sink needs. */
export type Keep = false | 'body' | 'fields';

/** The envelope of a response, once it ended. */
export interface StreamedResponse {
  readonly typeUrl: string;
  readonly versionInfo: string;
  readonly nonce: string;
  /** Size of the message (without gRPC framing). */
  readonly bytes: number;
  readonly count: number;
  /** contentDigest of the resources, when the parser was asked to compute it. */
  readonly digest: string | undefined;
}

/** What one response is read into: created when its frame starts. */
export interface ResponseSink {
  /**
   * Whether the body of a resource must be kept: whole ('body'), handed over field by field as each top-level
   * field of the resource ends ('fields': a big resource never held whole), or not at all. `typeUrl` is the
   * resource's Any type_url, or the response's when that came first; undefined when neither is known yet
   * (keep what any type would need).
   */
  keep(typeUrl: string | undefined, name: string): Keep;
  /**
   * Top-level fields of a resource kept by 'fields', in order (several at once where they came before the
   * name): each a valid encoding of the resource's message on its own.
   */
  fields(typeUrl: string | undefined, name: string, bytes: Buffer): void;
  /** One resource, in wire order, once its Any ended; `body` only when kept whole. */
  resource(typeUrl: string | undefined, name: string, body: Buffer | undefined): void;
  end(response: StreamedResponse): void;
}

/** One Buffer of parts (no copy for one). */
function join(parts: readonly Buffer[]): Buffer {
  return parts.length === 1 ? (parts[0] ?? Buffer.alloc(0)) : Buffer.concat(parts);
}

/**
 * One resource (an Any) while it streams: its type, its name once read, and its body bytes, which are held
 * until the name is known, then kept whole, handed over field by field, or dropped; when digesting, every
 * body byte goes through `hash` after the name, as contentDigest orders them.
 */
export class ResourceBody {
  anyType: string | undefined;
  name: string | undefined;
  keep: Keep = false;
  body: Buffer | undefined;
  /** A value field was read (an Any without one is an empty resource). */
  seen = false;
  private parts: Buffer[] = [];

  constructor(private readonly hash: Hash | undefined) {}

  /** Whether body bytes are still wanted (else they need not even be sliced). */
  wants(): boolean {
    return this.name === undefined || this.keep !== false || this.hash !== undefined;
  }

  /** The next bytes of the body. */
  take(part: Buffer): void {
    if (this.name === undefined || this.keep !== false) this.parts.push(part);
    if (this.name !== undefined) this.hash?.update(part);
  }

  /** A new value field: the last one is the resource (as protobufjs reads it). */
  restart(): void {
    this.name = undefined;
    this.keep = false;
    this.body = undefined;
    this.parts = [];
  }

  /** The name is known: digest what came before it, and drop it unless it is kept. */
  named(name: string, keep: Keep): void {
    this.name = name;
    this.keep = keep;
    if (this.hash !== undefined) {
      this.hash.update(name).update('\0');
      for (const p of this.parts) this.hash.update(p);
    }
    if (keep === false) this.parts = [];
  }

  /** With 'fields': the bytes since the last call (whole fields, when called at a field boundary). */
  takeFields(): Buffer | undefined {
    if (this.keep !== 'fields' || this.parts.length === 0) return undefined;
    const bytes = join(this.parts);
    this.parts = [];
    return bytes;
  }

  /** The value field ended. */
  endBody(): void {
    if (this.keep === 'body') this.body = join(this.parts);
    this.parts = [];
    this.seen = true;
  }

  /** The Any ended without a value field: an empty resource named ''. */
  endEmpty(keep: Keep): void {
    this.named('', keep);
    if (keep === 'body') this.body = Buffer.alloc(0);
  }
}
