import { statSync, watch, type FSWatcher } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, SesameError, type Logger } from '@sesame/shared';

/** A running watch; `close` stops it. */
export interface ManifestWatch {
  close(): void;
}

/**
 * Calls `onChange` for any change under `dir`; the caller looks the folder over again and its holdoff coalesces
 * bursts. Each folder is watched on its own, not with `recursive: true`: on Linux, Node 20 emulates recursion
 * with a watch per known file, which stays on a file's old inode once the file is replaced by a rename (how
 * editors, `kubectl cp` and ConfigMap volumes write), so later replacements went unseen. A folder watch
 * reports every entry created, renamed over, changed or removed in it. Events are not filtered: a ConfigMap
 * volume changes by swapping its `..data` link.
 */
export function watchManifests(options: {
  dir: string;
  logger: Logger;
  onChange: () => void;
}): ManifestWatch {
  /** Each watched folder with the identity (device and inode) of what was watched. */
  const watchers = new Map<string, { watcher: FSWatcher; identity: string | undefined }>();
  let closed = false;
  let rescanning: Promise<void> | undefined;
  let rescanAgain = false;

  const watchFolder = (folder: string): void => {
    const watcher = watch(folder, (event, name) =>
      onEvent(event, name === null ? undefined : join(folder, name)),
    );
    watcher.on('error', (err) => {
      options.logger.warn({ err, dir: folder }, 'watching a manifests folder failed; changes may be missed');
      watcher.close();
      if (watchers.get(folder)?.watcher === watcher) watchers.delete(folder);
    });
    watchers.set(folder, { watcher, identity: folderIdentity(folder) });
  };

  // New folders appear and old ones go; keep one watch per folder that exists now.
  const rescan = async (): Promise<void> => {
    const folders = await listFolders(options.dir);
    if (closed) return;
    for (const [folder, { watcher, identity }] of watchers) {
      // A folder removed and created again under the same name between two scans is another folder: the
      // old watch stays on the removed one and would see nothing more.
      if (!folders.has(folder) || folderIdentity(folder) !== identity) {
        watcher.close();
        watchers.delete(folder);
      }
    }
    for (const folder of folders) {
      if (!watchers.has(folder)) {
        try {
          watchFolder(folder);
          // A folder that appeared between the scan and its watch may already hold files.
          options.onChange();
        } catch {
          // It went away again; the next event rescans.
        }
      }
    }
  };

  const scheduleRescan = (): void => {
    if (rescanning !== undefined) {
      rescanAgain = true;
      return;
    }
    rescanning = rescan()
      .catch((err: unknown) =>
        options.logger.warn({ err, dir: options.dir }, 'rescanning the manifests folder failed'),
      )
      .finally(() => {
        rescanning = undefined;
        if (rescanAgain && !closed) {
          rescanAgain = false;
          scheduleRescan();
        }
      });
  };

  function onEvent(event: string, path: string | undefined): void {
    if (closed) return;
    options.onChange();
    // Folders come and go only by 'rename' events (created, removed, renamed, a link swapped), and a rescan
    // walks every folder, which is not free next to thousands of files: rescan only for an entry that is a
    // folder now or was one.
    if (event !== 'rename') return;
    if (path === undefined || watchers.has(path) || isFolder(path)) scheduleRescan();
  }

  try {
    watchFolder(options.dir);
  } catch (err) {
    const message = `manifests folder ${options.dir}: ${(err as Error).message}`;
    throw new SesameError(ErrorCode.ManifestInvalid, message, { cause: err });
  }
  scheduleRescan();
  return {
    close: () => {
      closed = true;
      for (const { watcher } of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}

/** Every folder under `root` (itself included), following linked folders once each. */
async function listFolders(root: string): Promise<Set<string>> {
  const found = new Set<string>([root]);
  const seen = new Set<string>();
  const walk = async (folder: string): Promise<void> => {
    const real = await realpath(folder).catch(() => undefined);
    if (real === undefined || seen.has(real)) return;
    seen.add(real);
    const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const path = join(folder, entry.name);
      const isFolder =
        entry.isDirectory() ||
        (entry.isSymbolicLink() &&
          (await stat(path)
            .then((s) => s.isDirectory())
            .catch(() => false)));
      if (isFolder) {
        found.add(path);
        await walk(path);
      }
    }
  };
  await walk(root);
  return found;
}

/** The device and inode of the folder at `path` (links followed), or undefined when there is none. */
function folderIdentity(path: string): string | undefined {
  try {
    const s = statSync(path, { throwIfNoEntry: false });
    return s === undefined ? undefined : `${s.dev}:${s.ino}`;
  } catch {
    return undefined;
  }
}

/** Whether `path` is a folder or a link to one, now. */
function isFolder(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
  } catch {
    return false;
  }
}
