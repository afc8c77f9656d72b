import { lstat, readdir, readFile, stat } from 'node:fs/promises';
import { extname, join, sep } from 'node:path';
import { ErrorCode, SesameError } from '@sesame/shared';
import { compareStrings } from '../util/order.js';

/** The file system calls the folder source makes; tests pass one that changes the folder under the read. */
export interface ManifestFs {
  /** Every entry under `dir`, recursively, as paths relative to it. */
  readdir(dir: string): Promise<string[]>;
  /** Follows symbolic links. */
  stat(path: string): Promise<{ isFile(): boolean; isDirectory(): boolean }>;
  /** Does not follow symbolic links: tells a dangling link from an entry that is gone. */
  lstat(path: string): Promise<unknown>;
  readFile(path: string): Promise<string>;
}

/** The real file system. */
export const NODE_FS: ManifestFs = {
  readdir: (dir) => readdir(dir, { recursive: true }),
  stat: (path) => stat(path),
  lstat: (path) => lstat(path),
  readFile: (path) => readFile(path, 'utf8'),
};

/** Thrown inside one pass over the folder when an entry it listed is gone before it was read. */
export class VanishedError extends Error {
  constructor(readonly path: string) {
    super(`${path} vanished while the folder was read`);
  }
}

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** Whether an error says that a path does not exist (any more). */
export function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/**
 * The manifest files under `dir` (relative paths, sorted), skipping dot-files and dot-folders such as a
 * ConfigMap volume's `..data` copies. Rejects with a SesameError when `dir` is unusable, and with a
 * VanishedError when an entry disappears between the listing and its stat (a dangling link is no manifest).
 */
export async function manifestFiles(dir: string, fs: ManifestFs): Promise<string[]> {
  let entries: string[];
  try {
    if (!(await fs.stat(dir)).isDirectory()) throw new Error('not a directory');
  } catch (err) {
    throw unusable(dir, err);
  }
  try {
    entries = await fs.readdir(dir);
  } catch (err) {
    // A sub-folder removed during the recursive walk: the folder itself is fine, so look again.
    if (isMissing(err) && (await isDirectory(dir, fs))) throw new VanishedError(dir);
    throw unusable(dir, err);
  }
  const files: string[] = [];
  for (const entry of entries) {
    if (!MANIFEST_EXTENSIONS.has(extname(entry).toLowerCase())) continue;
    if (entry.split(sep).some((segment) => segment.startsWith('.'))) continue;
    const path = join(dir, entry);
    // stat follows symbolic links, so a link to a manifest counts as a manifest.
    const isFile = await fs.stat(path).then(
      (s) => s.isFile(),
      async (err: unknown) => {
        if (
          isMissing(err) &&
          !(await fs.lstat(path).then(
            () => true,
            () => false,
          ))
        )
          throw new VanishedError(path);
        return false;
      },
    );
    if (isFile) files.push(entry);
  }
  return files.sort(compareStrings);
}

function isDirectory(dir: string, fs: ManifestFs): Promise<boolean> {
  return fs.stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

function unusable(dir: string, err: unknown): SesameError {
  return new SesameError(ErrorCode.ManifestInvalid, `manifests folder ${dir}: ${(err as Error).message}`, {
    cause: err,
  });
}
