import { compareStrings } from '../util/order.js';

/** Where a folder source read an object, so problems can be reported against the file a person edits. */
export interface SourcePosition {
  readonly file: string;
  /** 1-based line of the document's first node. */
  readonly line: number;
}

/**
 * A Kubernetes object as a source produced it: the plain manifest, not yet checked. Translation checks it,
 * so a source never has to understand the kinds it carries.
 */
export interface KubeObject {
  /** The object as written: apiVersion, kind, metadata, spec, data… */
  readonly manifest: Readonly<Record<string, unknown>>;
  /** Set by the folder source; absent for objects read from the Kubernetes API. */
  readonly origin?: SourcePosition;
}

/** A problem with the input that left an object (or a part of it) out; never fatal. */
export interface Diagnostic {
  readonly file?: string;
  readonly line?: number;
  /** The object's kind, or '' when the object is not even recognisable. */
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly reason: string;
}

/** Identifies an object in diagnostics. */
export interface ObjectRef {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly origin?: SourcePosition;
}

/** A diagnostic about `ref`, carrying its file and line when known. */
export function diagnostic(ref: ObjectRef, reason: string): Diagnostic {
  return {
    ...(ref.origin === undefined ? {} : { file: ref.origin.file, line: ref.origin.line }),
    kind: ref.kind,
    namespace: ref.namespace,
    name: ref.name,
    reason,
  };
}

/** Orders diagnostics by file and line, then by object, so every run reports them identically. */
export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return (
    compareStrings(a.file ?? '', b.file ?? '') ||
    (a.line ?? 0) - (b.line ?? 0) ||
    compareStrings(a.kind, b.kind) ||
    compareStrings(a.namespace, b.namespace) ||
    compareStrings(a.name, b.name) ||
    compareStrings(a.reason, b.reason)
  );
}
