import type { Origin } from './model.js';

/** One error or warning of a status condition (Contour's SubCondition). */
export interface SubCondition {
  /** Contour's condition error types: IncludeError, Orphaned, RouteError, ServiceError, TLSError… */
  readonly type: string;
  readonly status: 'True';
  /** CamelCase, stable: what went wrong. */
  readonly reason: string;
  /** What a person can act on. */
  readonly message: string;
}

/** The errors and warnings one unit of the model found on one object. */
export interface ConditionParts {
  readonly errors: SubCondition[];
  readonly warnings: SubCondition[];
}

/** Collects conditions per object while a unit is built (Contour's StatusCache accessors). */
export interface ConditionSink {
  /** The conditions of `origin`, created empty on first use (so touching an object marks it reached). */
  for(origin: Origin): ConditionRecorder;
  /** Every object touched, by `kind namespace/name`, in the order first touched. */
  readonly touched: ReadonlyMap<string, { readonly origin: Origin; readonly parts: ConditionParts }>;
}

/** Records conditions on one object. */
export interface ConditionRecorder {
  error(type: string, reason: string, message: string): void;
  warning(type: string, reason: string, message: string): void;
  readonly hasErrors: boolean;
}

/** `kind namespace/name`: how statuses and condition parts are keyed. */
export function originKey(origin: Origin): string {
  return `${origin.kind} ${origin.namespace}/${origin.name}`;
}

/** Contour truncates messages so a status update is never refused for its size. */
const MAX_MESSAGE = 32_767;

function sub(type: string, reason: string, message: string): SubCondition {
  const text = message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message;
  return { type, status: 'True', reason, message: text };
}

/** Records on one object's parts; a class, so that recording costs no closures per object. */
class Recorder implements ConditionRecorder {
  constructor(private readonly parts: ConditionParts) {}
  error(type: string, reason: string, message: string): void {
    this.parts.errors.push(sub(type, reason, message));
  }
  warning(type: string, reason: string, message: string): void {
    this.parts.warnings.push(sub(type, reason, message));
  }
  get hasErrors(): boolean {
    return this.parts.errors.length > 0;
  }
}

class Sink implements ConditionSink {
  readonly touched = new Map<
    string,
    { readonly origin: Origin; readonly parts: ConditionParts; readonly recorder: Recorder }
  >();
  for(origin: Origin): ConditionRecorder {
    const key = originKey(origin);
    let entry = this.touched.get(key);
    if (entry === undefined) {
      const parts = { errors: [], warnings: [] };
      entry = { origin, parts, recorder: new Recorder(parts) };
      this.touched.set(key, entry);
    }
    return entry.recorder;
  }
}

/** A fresh sink. */
export function createConditionSink(): ConditionSink {
  return new Sink();
}
