import type { Diagnostic, KubeObject } from '../kube/object.js';
import { createFolderCache, MAX_LOAD_ATTEMPTS } from './folder-cache.js';
import { NODE_FS, type ManifestFs } from './manifest-files.js';
import type { LoadedObjects } from './parse-manifest.js';

export { MAX_LOAD_ATTEMPTS };
export type { LoadedObjects };

/**
 * Reads every `*.yaml`, `*.yml` and `*.json` file under `dir` (recursively, in sorted order, skipping
 * dot-files and dot-folders such as a ConfigMap volume's `..data` copies). YAML files may hold many
 * documents; `kind: List` objects are unpacked. Each object remembers its file and line. A file that does
 * not parse is reported and skipped; only a missing or unreadable `dir` rejects, or one whose files keep
 * vanishing between its listing and their reads for MAX_LOAD_ATTEMPTS passes.
 */
export async function loadManifests(dir: string, options: { fs?: ManifestFs } = {}): Promise<LoadedObjects> {
  const cache = createFolderCache({ dir, fs: options.fs ?? NODE_FS });
  await cache.refresh();
  const objects: KubeObject[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const file of cache.files()) {
    objects.push(...file.objects);
    diagnostics.push(...file.diagnostics);
  }
  return { objects, diagnostics };
}
