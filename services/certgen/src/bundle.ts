import type { Result } from '@sesame/shared';
import { createCa, edgeProfile, envoyProfile, issueLeaf, type CertificatePair } from './issue.js';
import { resolveCertificateOptions, type CertificateOptions } from './options.js';

/** The three certificate pairs Sesame needs: the CA, the edge server and the Envoy client. */
export interface CertificateBundle {
  readonly ca: CertificatePair;
  readonly edge: CertificatePair;
  readonly envoy: CertificatePair;
}

/** Issues a new CA and both leaves in memory (for `certgen --yaml` and `--kube`, which write no files). */
export function issueCertificateBundle(options: CertificateOptions = {}): Result<CertificateBundle> {
  const resolved = resolveCertificateOptions(options);
  if (!resolved.ok) return resolved;
  const { namespace, edgeDns, edgeIps, days, caDays, keySize, now } = resolved.value;
  const ca = createCa({ days: caDays, keySize, now });
  const leaf = { ca, days, keySize, now };
  return {
    ok: true,
    value: {
      ca,
      edge: issueLeaf({ ...leaf, profile: edgeProfile({ namespace, edgeDns, edgeIps }) }),
      envoy: issueLeaf({ ...leaf, profile: envoyProfile() }),
    },
  };
}
