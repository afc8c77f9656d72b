/** Stable error codes: logs, metrics and tests match on these, never on message text. */
export const ErrorCode = {
  ConfigInvalid: 'SESAME_CONFIG_INVALID',
  ManifestInvalid: 'SESAME_MANIFEST_INVALID',
  TlsMaterial: 'SESAME_TLS_MATERIAL',
  BusUnavailable: 'SESAME_BUS_UNAVAILABLE',
  BusPayloadInvalid: 'SESAME_BUS_PAYLOAD_INVALID',
  SnapshotInconsistent: 'SESAME_SNAPSHOT_INCONSISTENT',
  XdsUnknownType: 'SESAME_XDS_UNKNOWN_TYPE',
  XdsInvalidRequest: 'SESAME_XDS_INVALID_REQUEST',
  XdsResourceExhausted: 'SESAME_XDS_RESOURCE_EXHAUSTED',
  Internal: 'SESAME_INTERNAL',
} as const;

/** One of the stable error codes. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** An error with a stable `code` and, when it wraps another, a `cause`. */
export class SesameError extends Error {
  override readonly name = 'SesameError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** Wraps anything thrown into a SesameError, keeping an existing one as it is. */
  static from(cause: unknown, code: ErrorCode = ErrorCode.Internal): SesameError {
    if (cause instanceof SesameError) return cause;
    const message = cause instanceof Error ? cause.message : String(cause);
    return new SesameError(code, message, { cause });
  }
}
