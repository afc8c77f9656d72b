import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ErrorCode, SesameError, TLS_FILES } from '@sesame/shared';

/** Where one TLS directory's files live (`ca.crt`, `tls.crt`, `tls.key`). */
export interface TlsDirLayout {
  readonly dir: string;
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

/** The `certgen --out-dir` layout of INTERFACE.md, plus where a CA rotation keeps the previous CA. */
export interface CertificateLayout {
  readonly ca: {
    readonly dir: string;
    readonly cert: string;
    readonly key: string;
    /** The previous CA, present only while a rotation is under way. */
    readonly previousCert: string;
    readonly previousKey: string;
  };
  readonly edge: TlsDirLayout;
  readonly envoy: TlsDirLayout;
}

/** File mode of private keys: readable by the owner only. */
export const KEY_MODE = 0o600;
/** File mode of certificates, which are public. */
export const CERT_MODE = 0o644;
/** Directory mode: the directories hold keys, so only the owner may list them. */
export const DIR_MODE = 0o700;

function tlsDir(dir: string): TlsDirLayout {
  return { dir, ca: join(dir, TLS_FILES.ca), cert: join(dir, TLS_FILES.cert), key: join(dir, TLS_FILES.key) };
}

/** The paths under `outDir`: `ca/{ca.crt,ca.key,previous.crt,previous.key}`, `edge/` and `envoy/` as TLS directories. */
export function certificateLayout(outDir: string): CertificateLayout {
  const ca = join(outDir, 'ca');
  return {
    ca: {
      dir: ca,
      cert: join(ca, 'ca.crt'),
      key: join(ca, 'ca.key'),
      previousCert: join(ca, 'previous.crt'),
      previousKey: join(ca, 'previous.key'),
    },
    edge: tlsDir(join(outDir, 'edge')),
    envoy: tlsDir(join(outDir, 'envoy')),
  };
}

/** Reads a text file, or undefined when it does not exist; any other failure is a TlsMaterial error. */
export async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SesameError(ErrorCode.TlsMaterial, `cannot read ${path}: ${(cause as Error).message}`, {
      cause,
    });
  }
}

/** Removes a file if it exists; any other failure is a TlsMaterial error. */
export async function removeFile(path: string): Promise<void> {
  try {
    await rm(path, { force: true });
  } catch (cause) {
    throw new SesameError(ErrorCode.TlsMaterial, `cannot remove ${path}: ${(cause as Error).message}`, {
      cause,
    });
  }
}

/** Creates `dir` (and parents) with owner-only access when it does not exist yet. */
export async function ensureDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: DIR_MODE });
}

/**
 * Writes `contents` to `path` so that a reader sees the old file or the new one, never half of either:
 * a temporary file in the same directory (same file system), flushed, then renamed over the target.
 * Failures throw a SesameError with `code`.
 */
export async function writeFileAtomic(
  path: string,
  contents: string,
  mode: number,
  code: ErrorCode = ErrorCode.TlsMaterial,
): Promise<void> {
  const dir = dirname(path);
  await ensureDir(dir);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      await handle.writeFile(contents, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    // The umask may have narrowed the mode at creation; state it exactly.
    await chmod(temp, mode);
    await rename(temp, path);
  } catch (cause) {
    await rm(temp, { force: true });
    throw new SesameError(code, `cannot write ${path}: ${(cause as Error).message}`, {
      cause,
    });
  }
}
