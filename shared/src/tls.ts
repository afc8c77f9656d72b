import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, SesameError } from './errors.js';

/** The three files of a TLS directory (a Kubernetes TLS Secret's layout plus the CA). */
export interface TlsMaterial {
  readonly ca: Buffer;
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** File names inside a TLS directory, as INTERFACE.md fixes them. */
export const TLS_FILES = { ca: 'ca.crt', cert: 'tls.crt', key: 'tls.key' } as const;

/** Reads `ca.crt`, `tls.crt` and `tls.key` from `dir`; a missing or unreadable file is a TlsMaterial error. */
export async function readTlsDir(dir: string): Promise<TlsMaterial> {
  const read = async (file: string): Promise<Buffer> => {
    const path = join(dir, file);
    try {
      return await readFile(path);
    } catch (cause) {
      throw new SesameError(ErrorCode.TlsMaterial, `cannot read ${path}: ${(cause as Error).message}`, {
        cause,
      });
    }
  };
  const [ca, cert, key] = await Promise.all([read(TLS_FILES.ca), read(TLS_FILES.cert), read(TLS_FILES.key)]);
  return { ca, cert, key };
}
