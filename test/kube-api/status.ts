// `Status` objects exactly as the API server writes them for failures, so clients parse `code` and `reason`
// from the body the same way they would against a real cluster.
import type { ResourceDef } from './resources.js';
import { qualifiedName } from './resources.js';

/** The `reason` values the fixture produces (a subset of metav1.StatusReason). */
export type StatusReason =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Expired'
  | 'Gone'
  | 'BadRequest'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'UnsupportedMediaType'
  | 'Unauthorized'
  | 'Timeout'
  | 'TooManyRequests'
  | 'InternalError'
  | 'ServiceUnavailable';

/** A `v1` Status object. */
export interface KubeStatus {
  readonly kind: 'Status';
  readonly apiVersion: 'v1';
  readonly metadata: Record<string, never>;
  readonly status: 'Failure' | 'Success';
  readonly message?: string;
  /** One of `StatusReason`, or any other reason a test wants to inject. */
  readonly reason?: string;
  readonly details?: {
    readonly name?: string;
    readonly group?: string;
    readonly kind?: string;
    readonly uid?: string;
    readonly causes?: readonly { reason?: string; message: string; field?: string }[];
    readonly retryAfterSeconds?: number;
  };
  readonly code: number;
}

/** What a test passes to make the fixture fail a request: an HTTP code with an optional reason and message. */
export interface StatusSpec {
  readonly code: number;
  /** Defaults to the reason the real server uses with that code. */
  readonly reason?: string;
  readonly message?: string;
}

/** A request that ends in a `Status` failure; thrown inside the fixture and turned into the HTTP answer. */
export class KubeApiError extends Error {
  constructor(readonly status: KubeStatus) {
    super(status.message ?? status.reason ?? `HTTP ${status.code}`);
    this.name = 'KubeApiError';
  }
}

/** A failure `Status` with the given fields. */
export function failure(spec: StatusSpec & { details?: KubeStatus['details'] }): KubeStatus {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: spec.message ?? defaultMessage(spec.code),
    reason: spec.reason ?? defaultReason(spec.code),
    ...(spec.details === undefined ? {} : { details: spec.details }),
    code: spec.code,
  };
}

function defaultReason(code: number): string {
  const reasons: Record<number, StatusReason> = {
    400: 'BadRequest',
    401: 'Unauthorized',
    404: 'NotFound',
    405: 'MethodNotAllowed',
    409: 'Conflict',
    410: 'Expired',
    415: 'UnsupportedMediaType',
    422: 'Invalid',
    429: 'TooManyRequests',
    503: 'ServiceUnavailable',
    504: 'Timeout',
  };
  return reasons[code] ?? 'InternalError';
}

function defaultMessage(code: number): string {
  return code === 429
    ? 'Too many requests, please try again later.'
    : `the server responded with the status code ${code}`;
}

function details(def: ResourceDef, name: string): KubeStatus['details'] {
  // The real server leaves `group` out for the core group (omitempty).
  return def.group === '' ? { name, kind: def.plural } : { name, group: def.group, kind: def.plural };
}

/** 404 for a named object. */
export function notFound(def: ResourceDef, name: string): KubeApiError {
  return new KubeApiError(
    failure({
      code: 404,
      reason: 'NotFound',
      message: `${qualifiedName(def)} "${name}" not found`,
      details: details(def, name),
    }),
  );
}

/** 409 AlreadyExists on create. */
export function alreadyExists(def: ResourceDef, name: string): KubeApiError {
  return new KubeApiError(
    failure({
      code: 409,
      reason: 'AlreadyExists',
      message: `${qualifiedName(def)} "${name}" already exists`,
      details: details(def, name),
    }),
  );
}

/** 409 Conflict: the optimistic-concurrency failure of an update with a stale resourceVersion. */
export function conflict(def: ResourceDef, name: string, why?: string): KubeApiError {
  const reason =
    why ?? 'the object has been modified; please apply your changes to the latest version and try again';
  return new KubeApiError(
    failure({
      code: 409,
      reason: 'Conflict',
      message: `Operation cannot be fulfilled on ${qualifiedName(def)} "${name}": ${reason}`,
      details: details(def, name),
    }),
  );
}

/** 410 Expired: a resourceVersion or continue token older than the retained history. */
export function expired(message: string): KubeApiError {
  return new KubeApiError(failure({ code: 410, reason: 'Expired', message }));
}

/** 400 BadRequest. */
export function badRequest(message: string): KubeApiError {
  return new KubeApiError(failure({ code: 400, reason: 'BadRequest', message }));
}

/** 422 Invalid with one field cause, as validation failures are reported. */
export function invalid(
  kind: string,
  name: string,
  field: string,
  message: string,
  group = '',
): KubeApiError {
  return new KubeApiError(
    failure({
      code: 422,
      reason: 'Invalid',
      message: `${kind} "${name}" is invalid: ${field}: ${message}`,
      details: { name, group, kind, causes: [{ reason: 'FieldValueInvalid', message, field }] },
    }),
  );
}

/** 504 for a resourceVersion the server has not reached yet. */
export function tooLargeResourceVersion(requested: number, current: number): KubeApiError {
  return new KubeApiError(
    failure({
      code: 504,
      reason: 'Timeout',
      message: `Too large resource version: ${requested}, current: ${current}`,
      details: {
        causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
        retryAfterSeconds: 1,
      },
    }),
  );
}

/** The 200 `Status` a DELETE answers with for kinds that do not return the object. */
export function deleted(def: ResourceDef, name: string, uid: string): KubeStatus {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { ...details(def, name), uid },
    code: 200,
  };
}
