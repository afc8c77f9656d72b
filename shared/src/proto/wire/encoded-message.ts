/**
 * A message checked and encoded once (see `encodeOnce`), set as the value of a message field in the plain
 * object given to the checked encoder: its bytes are written as they are, the walk skips it. Parts that
 * never change (an ADS config source, the router filter) are then encoded once per process instead of once
 * per resource; a message's bytes do not depend on where it sits, so the output is the same.
 */
export class EncodedMessage {
  constructor(
    /** Full name of the message type, without the leading dot. */
    readonly typeName: string,
    readonly bytes: Uint8Array,
    /** The plain object it was encoded from: the enclosing field's rules judge this. */
    readonly json: Readonly<Record<string, unknown>>,
  ) {}

  /** Serialised (for a log line, or `repeated.unique`), it is the message it stands for. */
  toJSON(): Readonly<Record<string, unknown>> {
    return this.json;
  }
}

/** The plain object behind `value` when it is an `EncodedMessage`, else `value` itself. */
export function plainMessage(value: unknown): unknown {
  return value instanceof EncodedMessage ? value.json : value;
}
