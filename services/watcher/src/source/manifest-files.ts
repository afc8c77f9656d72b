import { lstatSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { extname, join, sep } from 'node:path';
import { ErrorCode, SesameError } from '@sesame/shared';

/**
 * What the folder source needs to know about a path (stat follows symbolic links). Equal device, inode,
 * size and times mean an unchanged file, except for a rewrite within one tick of the file system's clock
 * (see the folder cache); a stat without them makes the file be read on every pass.
 */
export interface ManifestStat {
  isFile(): boolean;
  isDirectory(): boolean;
  readonly dev?: number;
  readonly ino?: number;
  readonly size?: number;
  readonly mtimeMs?: number;
  readonly ctimeMs?: number;
}

/** The file system calls the folder source makes; tests pass one that changes the folder under the read. */
export interface ManifestFs {
  /** Every entry under `dir`, recursively, as paths relative to it (dot-folders may be left out). */
  readdir(dir: string): Promise<string[]>;
  /** Follows symbolic links. */
  stat(path: string): Promise<ManifestStat>;
  /** Does not follow symbolic links: tells a dangling link from an entry that is gone. */
  lstat(path: string): Promise<unknown>;
  readFile(path: string): Promise<string>;
}

/**
 * The real file system, through synchronous calls: a stat or a read of a small manifest answered from the
 * page cache takes microseconds, while a thread-pool round trip costs several times that in CPU (measured
 * at 32,000 files: ~100 ms for synchronous stats, 500–800 ms through promises). The folder cache yields to
 * the event loop every few hundred files, so a large folder does not stall it.
 */
export const NODE_FS: ManifestFs = {
  readdir: (dir) => sync(() => walk(dir)),
  stat: (path) => sync(() => statSync(path)),
  lstat: (path) => sync(() => lstatSync(path)),
  readFile: (path) => sync(() => readFileSync(path, 'utf8')),
};

/** Runs a synchronous call as a promise: what it throws rejects. */
function sync<T>(call: () => T): Promise<T> {
  return new Promise((resolve) => resolve(call()));
}

/**
 * Entries under `dir`, relative. Dot-folders (a ConfigMap volume's `..data` copies) are not entered; linked
 * folders are, as Node 20's recursive readdir does, each real folder once (a link cycle ends there).
 */
function walk(dir: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (relative: string): void => {
    const folder = join(dir, relative);
    const real = realpathSync(folder);
    if (seen.has(real)) return;
    seen.add(real);
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = relative === '' ? entry.name : `${relative}${sep}${entry.name}`;
      out.push(path);
      if (entry.name.startsWith('.')) continue;
      if (entry.isDirectory() || (entry.isSymbolicLink() && isLinkedFolder(join(dir, path)))) visit(path);
    }
  };
  visit('');
  return out;
}

function isLinkedFolder(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

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

/** A manifest file found under the folder, with what its stat said. */
export interface ListedFile {
  /** Relative to the folder. */
  readonly relative: string;
  readonly stat: ManifestStat;
}

/** How many stats between two yields to the event loop. */
const STATS_PER_TURN = 256;

/**
 * Calls `visit` for each manifest file under `dir` (in no particular order), skipping dot-files and
 * dot-folders such as a ConfigMap volume's `..data` copies; returns their relative paths. Each stat goes to
 * `visit` at once and is not kept, so a large folder's stats die young. Rejects with a SesameError when
 * `dir` is unusable, and with a VanishedError when an entry disappears between the listing and its stat (a
 * dangling link is no manifest).
 */
export async function listManifests(
  dir: string,
  fs: ManifestFs,
  visit: (file: ListedFile) => Promise<void> | undefined,
): Promise<string[]> {
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
  const prefix = dir.endsWith(sep) ? dir : `${dir}${sep}`;
  for (const entry of entries) {
    if (!MANIFEST_EXTENSIONS.has(extname(entry).toLowerCase())) continue;
    if (entry.startsWith('.') || entry.includes(`${sep}.`)) continue;
    if (files.length % STATS_PER_TURN === STATS_PER_TURN - 1) await new Promise((r) => setImmediate(r));
    const path = prefix + entry;
    // stat follows symbolic links, so a link to a manifest counts as a manifest.
    let stat: ManifestStat;
    try {
      stat = await fs.stat(path);
    } catch (err) {
      if (isMissing(err) && !(await exists(path, fs))) throw new VanishedError(path);
      continue;
    }
    if (!stat.isFile()) continue;
    files.push(entry);
    const visiting = visit({ relative: entry, stat });
    if (visiting !== undefined) await visiting;
  }
  return files;
}

function exists(path: string, fs: ManifestFs): Promise<boolean> {
  return fs.lstat(path).then(
    () => true,
    () => false,
  );
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
