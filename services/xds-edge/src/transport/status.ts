import { status, type StatusObject } from '@grpc/grpc-js';
import { ErrorCode, SesameError } from '@sesame/shared';

/** A gRPC status without trailers, as a server stream ends with it. */
export type GrpcStatus = Pick<StatusObject, 'code' | 'details'>;

const CODES: Partial<Record<ErrorCode, status>> = {
  [ErrorCode.XdsUnknownType]: status.INVALID_ARGUMENT,
  [ErrorCode.XdsInvalidRequest]: status.INVALID_ARGUMENT,
  [ErrorCode.XdsResourceExhausted]: status.RESOURCE_EXHAUSTED,
};

/** The one place errors become gRPC statuses: known codes keep their message, anything else is INTERNAL. */
export function toGrpcStatus(err: unknown): GrpcStatus {
  const e = SesameError.from(err);
  const code = CODES[e.code];
  if (code === undefined) return { code: status.INTERNAL, details: `internal error (${e.code})` };
  return { code, details: e.message };
}
