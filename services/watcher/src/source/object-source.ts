import type { Logger } from '@sesame/shared';
import type { ObjectChanges } from '../translate-incremental.js';
import { loadManifests, type LoadedObjects } from './load-manifests.js';
import { watchManifests } from './watch-manifests.js';

/**
 * Where the watcher's objects come from: a folder of manifests or the Kubernetes API. A source hands over
 * the complete current set; one that tracks changes per object also hands over just those, so the
 * translation can be incremental.
 */
export interface ObjectSource {
  /** Names the source in logs. */
  readonly description: string;
  /** Reads everything the source holds now; rejects only when the source itself is unusable. */
  load(): Promise<LoadedObjects>;
  /** Calls `onChange` after anything may have changed. */
  watch(onChange: () => void): { close(): void };
  /** The objects changed since the last `load` or `takeChanges` (absent: reload everything instead). */
  takeChanges?(): ObjectChanges;
}

/** A folder of YAML/JSON manifests, re-read on every change. */
export function createFolderSource(options: { dir: string; logger: Logger }): ObjectSource {
  return {
    description: `folder ${options.dir}`,
    load: () => loadManifests(options.dir),
    watch: (onChange) => watchManifests({ dir: options.dir, logger: options.logger, onChange }),
  };
}
