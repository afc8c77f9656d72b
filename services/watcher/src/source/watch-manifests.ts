import { watch } from 'node:fs';
import { ErrorCode, SesameError, type Logger } from '@sesame/shared';

/** A running watch; `close` stops it. */
export interface ManifestWatch {
  close(): void;
}

/**
 * Calls `onChange` for any change under `dir` (recursive; on Linux, Node 20 does this with one inotify watch
 * per folder). Events are not filtered: a ConfigMap volume changes by swapping its `..data` link, and the
 * caller's holdoff coalesces bursts anyway. The caller reloads the whole folder.
 */
export function watchManifests(options: {
  dir: string;
  logger: Logger;
  onChange: () => void;
}): ManifestWatch {
  let watcher: ReturnType<typeof watch>;
  try {
    watcher = watch(options.dir, { recursive: true }, () => options.onChange());
  } catch (err) {
    const message = `manifests folder ${options.dir}: ${(err as Error).message}`;
    throw new SesameError(ErrorCode.ManifestInvalid, message, { cause: err });
  }
  watcher.on('error', (err) => {
    options.logger.warn(
      { err, dir: options.dir },
      'watching the manifests folder failed; changes may be missed',
    );
  });
  return { close: () => watcher.close() };
}
