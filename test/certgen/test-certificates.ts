import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  certificateLayout,
  ensureCertificates,
  type CertificateLayout,
  type CertificateOutcome,
  type EnsureCertificatesOptions,
} from '@sesame/certgen';
import { readTlsDir } from '@sesame/shared';
import type { TlsDir } from '../tls/pki.js';

/** certgen's options minus the directory, which the fixture owns. */
export type TestCertgenOptions = Omit<EnsureCertificatesOptions, 'outDir'>;

/** A throw-away certgen output directory for tests: CA, edge and Envoy TLS directories. */
export interface TestCertificates {
  /** The `--out-dir` root. */
  readonly dir: string;
  /** Paths of every file (`layout.edge.dir` is a TLS directory for `sesame edge --tls-dir`). */
  readonly layout: CertificateLayout;
  /** Runs certgen on the directory again (renewal, rotation), with the creation options as defaults. */
  ensure(options?: TestCertgenOptions): Promise<CertificateOutcome[]>;
  /** The edge's or Envoy's TLS directory as it is on disk now (for clients such as ScriptedAdsClient). */
  read(object: 'edge' | 'envoy'): Promise<TlsDir>;
  /** Removes the directory. */
  cleanup(): Promise<void>;
}

/**
 * Issues real certificates into a fresh temporary directory, as `sesame local` does: the edge certificate is
 * also valid for `localhost` and 127.0.0.1, so tests can dial the edge on the loopback address. Pass a
 * `keySource` (see key-pool.ts) when a test issues many certificates.
 */
export async function createTestCertificates(options: TestCertgenOptions = {}): Promise<TestCertificates> {
  const dir = await mkdtemp(join(tmpdir(), 'sesame-certs-'));
  const defaults: TestCertgenOptions = { edgeDns: ['localhost'], edgeIps: ['127.0.0.1'], ...options };
  const layout = certificateLayout(dir);
  const ensure = (more: TestCertgenOptions = {}): Promise<CertificateOutcome[]> =>
    ensureCertificates({ ...defaults, ...more, outDir: dir });
  await ensure();
  return {
    dir,
    layout,
    ensure,
    read: async (object) => ({ dir: layout[object].dir, ...(await readTlsDir(layout[object].dir)) }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
