import type { Result } from '@sesame/shared';
import { createCa, edgeProfile, envoyProfile, issueLeaf, type CertificatePair } from './issue.js';
import { resolveCertificateOptions, type CertificateOptions } from './options.js';
import type { PreviousCa } from './store.js';

/** The three certificate pairs Sesame needs: the CA, the edge server and the Envoy client. */
export interface CertificateBundle {
  readonly ca: CertificatePair;
  /** The edge certificate chain (during a CA rotation, followed by the cross-signed CA) and its key. */
  readonly edge: CertificatePair;
  readonly envoy: CertificatePair;
  /** The CA a rotation moves away from, trusted beside `ca` until the rotation is over. */
  readonly previousCa?: PreviousCa;
}

/** Issues a new CA and both leaves in memory (for `certgen --yaml` and `--kube`, which write no files). */
export function issueCertificateBundle(options: CertificateOptions = {}): Result<CertificateBundle> {
  const resolved = resolveCertificateOptions(options);
  if (!resolved.ok) return resolved;
  const { namespace, edgeDns, edgeIps, days, caDays, keySize, now, keySource } = resolved.value;
  const ca = createCa({ days: caDays, keySize, now, keySource });
  const leaf = { ca, days, keySize, now, keySource };
  return {
    ok: true,
    value: {
      ca,
      edge: issueLeaf({ ...leaf, profile: edgeProfile({ namespace, edgeDns, edgeIps }) }),
      envoy: issueLeaf({ ...leaf, profile: envoyProfile() }),
    },
  };
}
