import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/**
 * The full path of an executable named `name` in the directories of `pathVariable` (a PATH value), as a
 * shell would find it; undefined when there is none. An absolute `name` is checked as it is.
 */
export function findBinary(name: string, pathVariable: string): string | undefined {
  const candidates = isAbsolute(name)
    ? [name]
    : pathVariable
        .split(delimiter)
        .filter((dir) => dir !== '')
        .map((dir) => join(dir, name));
  return candidates.find(isExecutableFile);
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
