import type { Diagnostic } from '../kube/object.js';
import type { ObjectChanges } from '../translate-incremental.js';
import type { LoadedObjects } from './load-manifests.js';

/** What changed in a source since it was last asked. */
export interface SourceChanges extends ObjectChanges {
  /** The source's own problems as they are now (unparseable files…); absent: the same as before. */
  readonly diagnostics?: readonly Diagnostic[];
}

/**
 * Where the watcher's objects come from: a folder of manifests or the Kubernetes API. A source hands over
 * the complete current set; one that tracks changes per object also hands over just those, so the
 * translation can be incremental.
 */
export interface ObjectSource {
  /** Names the source in logs. */
  readonly description: string;
  /**
   * Reads everything the source holds now; rejects only when the source itself is unusable. A source with
   * `takeChanges` lists each kind, namespace and name at most once.
   */
  load(): Promise<LoadedObjects>;
  /** Calls `onChange` after anything may have changed. */
  watch(onChange: () => void): { close(): void };
  /**
   * The objects changed since the last `load` or `takeChanges` (absent: reload everything instead); deletes
   * apply before upserts. Rejects like `load`; the caller then loads everything again.
   */
  takeChanges?(): SourceChanges | Promise<SourceChanges>;
}
