import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { certificateLayout, ensureCertificates, type CertificateLayout } from '@sesame/certgen';

/** A throw-away certgen output directory for tests: CA, edge and Envoy TLS directories. */
export interface TestCertificates {
  /** The `--out-dir` root. */
  readonly dir: string;
  /** Paths of every file (`layout.edge.dir` is a TLS directory for `sesame edge --tls-dir`). */
  readonly layout: CertificateLayout;
  /** Removes the directory. */
  cleanup(): Promise<void>;
}

/**
 * Issues real certificates into a fresh temporary directory, as `sesame local` does: the edge certificate is
 * also valid for `localhost` and 127.0.0.1, so tests can dial the edge on the loopback address.
 */
export async function createTestCertificates(
  options: { edgeDns?: readonly string[]; edgeIps?: readonly string[] } = {},
): Promise<TestCertificates> {
  const dir = await mkdtemp(join(tmpdir(), 'sesame-certs-'));
  await ensureCertificates({
    outDir: dir,
    edgeDns: options.edgeDns ?? ['localhost'],
    edgeIps: options.edgeIps ?? ['127.0.0.1'],
  });
  return { dir, layout: certificateLayout(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
}
