import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { ErrorCode, SesameError } from '@sesame/shared';
import type { Diagnostic, KubeObject } from '../kube/object.js';
import { compareStrings } from '../util/order.js';
import {
  isMissing,
  listManifests,
  VanishedError,
  type ListedFile,
  type ManifestFs,
  type ManifestStat,
} from './manifest-files.js';
import { fileProblem, parseManifest } from './parse-manifest.js';

/** How many passes over a folder whose files keep vanishing under the read before the load gives up. */
export const MAX_LOAD_ATTEMPTS = 5;

/**
 * How recent a file's change time may be for its cached contents to be doubted. A file system stamps
 * times with a coarse clock (a few ms on Linux, 2 s on FAT), so a file rewritten with the same size in the
 * same tick keeps its identity. As in git's "racy clean" check, an entry counts as current only once it was
 * read more than this long after the file last changed; until then the file is read again on every pass
 * (its text is compared by digest, so an unchanged one is not parsed again).
 */
export const RACY_WINDOW_MS = 2_000;

/** What identifies one version of a file: equal on two stats, the file was not written in between. */
export interface FileVersion {
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
}

/** One manifest file as last read. */
export interface CachedFile {
  /** Relative to the folder. */
  readonly relative: string;
  readonly objects: readonly KubeObject[];
  readonly diagnostics: readonly Diagnostic[];
  /** The version of the file that was read; undefined: read again on the next pass. */
  readonly version: FileVersion | undefined;
  /** When the pass that last read it began (ms since the epoch). */
  readonly readMs: number;
  /** The file's change time at that pass. */
  readonly changedMs: number;
  /** Digest of its text. */
  readonly digest: string;
}

/** A file whose objects or diagnostics changed: added (no `before`), removed (no `after`) or rewritten. */
export interface FileChange {
  readonly relative: string;
  readonly before?: CachedFile;
  readonly after?: CachedFile;
}

/** The files of a manifests folder as last read, and what changed since. */
export interface FolderCache {
  /** Lists the folder, reads what changed since the last refresh, and returns those files. */
  refresh(): Promise<FileChange[]>;
  /** Every file as of the last refresh, sorted by relative path. */
  files(): CachedFile[];
}

/**
 * Creates the cache of `dir`: each pass stats every manifest and reads again only files whose version
 * (device, inode, size, modification and change times) differs from the last read, or that changed too
 * recently to trust it. A file listed but gone when read means it is being replaced (removed, then written
 * again) or deleted: the whole pass starts over, up to MAX_LOAD_ATTEMPTS times, and only a complete pass
 * replaces the cached state.
 */
export function createFolderCache(options: { dir: string; fs: ManifestFs; now?: () => number }): FolderCache {
  const { dir, fs } = options;
  const now = options.now ?? Date.now;
  const cached = new Map<string, CachedFile>();

  const current = (entry: CachedFile, listed: ListedFile): boolean =>
    entry.version !== undefined &&
    sameFile(entry.version, listed.stat) &&
    entry.readMs - entry.changedMs > RACY_WINDOW_MS;

  /** One pass; changes nothing until `commit`, so a pass that starts over leaves the cache as it was. */
  async function pass(): Promise<{ reread: CachedFile[]; changes: FileChange[] }> {
    const startedMs = now();
    const reread: CachedFile[] = [];
    const changes: FileChange[] = [];
    let kept = 0;
    const reading = async (file: ListedFile, before: CachedFile | undefined): Promise<void> => {
      const after = await read(file, before, startedMs);
      reread.push(after);
      if (after.digest !== before?.digest) changes.push({ relative: file.relative, before, after });
    };
    const listed = await listManifests(dir, fs, (file) => {
      const before = cached.get(file.relative);
      if (before !== undefined) kept++;
      return before !== undefined && current(before, file) ? undefined : reading(file, before);
    });
    if (kept < cached.size) {
      const present = new Set(listed);
      for (const [relative, before] of cached) if (!present.has(relative)) changes.push({ relative, before });
    }
    return { reread, changes };
  }

  function commit(reread: readonly CachedFile[], changes: readonly FileChange[]): void {
    for (const file of reread) cached.set(file.relative, file);
    for (const change of changes) if (change.after === undefined) cached.delete(change.relative);
  }

  async function read(
    listed: ListedFile,
    before: CachedFile | undefined,
    readMs: number,
  ): Promise<CachedFile> {
    const file = join(dir, listed.relative);
    const { mtimeMs, ctimeMs } = listed.stat;
    const changedMs = mtimeMs === undefined || ctimeMs === undefined ? readMs : Math.max(mtimeMs, ctimeMs);
    const base = { relative: listed.relative, readMs, changedMs };
    let text: string;
    try {
      text = await fs.readFile(file);
    } catch (err) {
      if (isMissing(err)) throw new VanishedError(file);
      const problem = fileProblem(file, 0, `cannot read file: ${(err as Error).message}`);
      return { ...base, objects: [], diagnostics: [problem], version: undefined, digest: problem.reason };
    }
    const digest = createHash('sha1').update(text).digest('base64');
    const version = versionOf(listed.stat);
    // Touched or rewritten with the same text: keep the parsed objects, so nothing downstream changes.
    if (before !== undefined && before.digest === digest) return { ...before, ...base, version };
    return { ...base, ...parseManifest(file, text), version, digest };
  }

  return {
    async refresh() {
      for (let attempt = 1; ; attempt++) {
        try {
          const { reread, changes } = await pass();
          commit(reread, changes);
          return changes;
        } catch (err) {
          if (!(err instanceof VanishedError)) throw err;
          // Publishing without the file would drop live objects for a while, so list and read again: a
          // deleted file is then absent from the listing, a replaced one is read in its new version.
          if (attempt >= MAX_LOAD_ATTEMPTS) {
            const message = `manifests folder ${dir}: files kept vanishing while it was read (${err.message})`;
            throw new SesameError(ErrorCode.ManifestInvalid, message, { cause: err });
          }
        }
      }
    },
    files: () => [...cached.values()].sort((a, b) => compareStrings(a.relative, b.relative)),
  };
}

/** Copies what identifies a file's version, so the cache does not hold on to whole stat objects. */
function versionOf(s: ManifestStat): FileVersion | undefined {
  const { dev, ino, size, mtimeMs, ctimeMs } = s;
  if (dev === undefined || ino === undefined || size === undefined) return undefined;
  if (mtimeMs === undefined || ctimeMs === undefined) return undefined;
  return { dev, ino, size, mtimeMs, ctimeMs };
}

function sameFile(a: FileVersion, b: ManifestStat): boolean {
  return (
    a.ino === b.ino &&
    a.dev === b.dev &&
    a.size === b.size &&
    a.mtimeMs === b.mtimeMs &&
    a.ctimeMs === b.ctimeMs
  );
}
