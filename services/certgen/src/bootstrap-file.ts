import { ErrorCode } from '@sesame/shared';
import { buildBootstrap, type BootstrapOptions } from './bootstrap.js';
import { CERT_MODE, writeFileAtomic } from './storage.js';

/**
 * Writes the bootstrap to `outPath` and its SDS files (when `resourcesDir` is set), each atomically; the
 * SDS files go first so the bootstrap never names a file that is not there. Returns the paths written.
 */
export async function writeBootstrap(outPath: string, options: BootstrapOptions): Promise<string[]> {
  const { bootstrap, files } = buildBootstrap(options);
  const written: string[] = [];
  for (const file of files) {
    await writeFileAtomic(file.path, file.contents, CERT_MODE, ErrorCode.ConfigInvalid);
    written.push(file.path);
  }
  await writeFileAtomic(
    outPath,
    `${JSON.stringify(bootstrap, null, 2)}\n`,
    CERT_MODE,
    ErrorCode.ConfigInvalid,
  );
  written.push(outPath);
  return written;
}
