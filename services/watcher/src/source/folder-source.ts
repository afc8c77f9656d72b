import type { Logger } from '@sesame/shared';
import type { Diagnostic } from '../kube/object.js';
import { createFolderCache } from './folder-cache.js';
import type { LoadedObjects } from './load-manifests.js';
import { NODE_FS, type ManifestFs } from './manifest-files.js';
import type { ObjectSource, SourceChanges } from './object-source.js';
import { createObjectView } from './object-view.js';
import { watchManifests } from './watch-manifests.js';

/** Options of `createFolderSource`. */
export interface FolderSourceOptions {
  readonly dir: string;
  readonly logger: Logger;
  /** Tests count and disturb the file system calls; the real one by default. */
  readonly fs?: ManifestFs;
  /** Wall clock (ms since the epoch) against which file change times are judged; `Date.now` by default. */
  readonly now?: () => number;
}

/**
 * A folder of YAML/JSON manifests. Every change stats each file but reads and parses only files that
 * changed, and hands over only the objects that changed (see `createObjectView`): after the first `load`,
 * a change costs the watcher work in proportion to what changed, plus one stat per file.
 */
export function createFolderSource(options: FolderSourceOptions): ObjectSource {
  const cache = createFolderCache({
    dir: options.dir,
    fs: options.fs ?? NODE_FS,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const view = createObjectView();
  // One refresh at a time: each must see the cache the one before left.
  let queue: Promise<unknown> = Promise.resolve();
  const serially = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task, task);
    queue = run.catch(() => undefined);
    return run;
  };
  const refresh = async (): Promise<SourceChanges & { diagnostics: Diagnostic[] }> => {
    const changes = view.update(await cache.refresh());
    return { ...changes, diagnostics: view.diagnostics() };
  };

  return {
    description: `folder ${options.dir}`,
    load: () =>
      serially(async (): Promise<LoadedObjects> => {
        const { diagnostics } = await refresh();
        return { objects: view.objects(), diagnostics };
      }),
    takeChanges: () => serially(refresh),
    watch: (onChange) => watchManifests({ dir: options.dir, logger: options.logger, onChange }),
  };
}
