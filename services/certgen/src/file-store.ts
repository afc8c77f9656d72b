import type { FoundPair } from './inspect.js';
import {
  CERT_MODE,
  certificateLayout,
  KEY_MODE,
  readOptional,
  removeFile,
  writeFileAtomic,
} from './storage.js';
import type { CaState, CertificateStore, FoundCa, FoundLeaf, LeafMaterial, LeafObject } from './store.js';

async function readPair(cert: string, key: string): Promise<FoundPair> {
  const [certPem, keyPem] = await Promise.all([readOptional(cert), readOptional(key)]);
  return { certPem, keyPem };
}

/** Writes `contents` unless the file already holds exactly that. */
async function writeChanged(
  path: string,
  contents: string,
  found: string | undefined,
  mode: number,
): Promise<void> {
  if (contents !== found) await writeFileAtomic(path, contents, mode);
}

/**
 * The `--out-dir` store: `DIR/ca/{ca.crt,ca.key}` (plus `previous.crt` and `previous.key` during a CA
 * rotation), `DIR/edge/` and `DIR/envoy/` as TLS directories. Every file is replaced atomically, but a
 * write spans several files, so each write orders them: the key before its certificate (whoever sees a new
 * certificate finds its key), the previous CA saved before the current one is replaced, and a leaf's
 * `ca.crt` before its key pair.
 */
export function createFileStore(outDir: string): CertificateStore {
  const layout = certificateLayout(outDir);
  const leafLayout = (object: LeafObject): (typeof layout)[LeafObject] => layout[object];
  return {
    location: (object) => layout[object].dir,

    async readCa(): Promise<FoundCa> {
      const [current, previous] = await Promise.all([
        readPair(layout.ca.cert, layout.ca.key),
        readPair(layout.ca.previousCert, layout.ca.previousKey),
      ]);
      const { certPem, keyPem } = previous;
      return { current, previous: certPem === undefined ? undefined : { certPem, keyPem } };
    },

    async readLeaf(object): Promise<FoundLeaf> {
      const files = leafLayout(object);
      const [pair, caPem] = await Promise.all([readPair(files.cert, files.key), readOptional(files.ca)]);
      return { ...pair, caPem };
    },

    async writeCa(next: CaState, found: FoundCa): Promise<void> {
      const { ca } = layout;
      const { previous } = next;
      if (previous !== undefined) {
        // Saved first: a crash before the current CA is replaced leaves previous = current, which the next
        // run recognizes as a rotation to finish.
        if (previous.keyPem === undefined) await removeFile(ca.previousKey);
        else await writeChanged(ca.previousKey, previous.keyPem, found.previous?.keyPem, KEY_MODE);
        await writeChanged(ca.previousCert, previous.certPem, found.previous?.certPem, CERT_MODE);
      }
      await writeChanged(ca.key, next.current.keyPem, found.current.keyPem, KEY_MODE);
      await writeChanged(ca.cert, next.current.certPem, found.current.certPem, CERT_MODE);
      if (previous === undefined) {
        // The key first: a previous certificate left behind alone is still recognized and removed next time.
        await removeFile(ca.previousKey);
        await removeFile(ca.previousCert);
      }
    },

    async writeLeaf(object, next: LeafMaterial, found: FoundLeaf): Promise<void> {
      const files = leafLayout(object);
      // Trust before identity: this side accepts its peer's new leaf no later than it presents its own.
      await writeChanged(files.ca, next.caPem, found.caPem, CERT_MODE);
      await writeChanged(files.key, next.keyPem, found.keyPem, KEY_MODE);
      await writeChanged(files.cert, next.certPem, found.certPem, CERT_MODE);
    },
  };
}
