import { ErrorCode, SesameError } from '@sesame/shared';
import type { CertificateBundle } from './bundle.js';
import { caProblem, certificateNotAfter, isComplete, leafProblem, type FoundPair } from './inspect.js';
import {
  createCa,
  edgeProfile,
  envoyProfile,
  issueLeaf,
  type CertificatePair,
  type LeafProfile,
} from './issue.js';
import {
  resolveCertificateOptions,
  type CertificateOptions,
  type ResolvedCertificateOptions,
} from './options.js';
import {
  CERT_MODE,
  certificateLayout,
  ensureDir,
  KEY_MODE,
  readOptional,
  writeFileAtomic,
  type TlsDirLayout,
} from './storage.js';

/** The objects `ensureCertificates` manages, one outcome line each. */
export type CertificateObject = 'ca' | 'edge' | 'envoy';

/** What happened to one object: left alone, issued for the first time, re-issued, or forced anew. */
export type CertificateAction = 'kept' | 'created' | 'renewed' | 'overwritten';

/** One line of `ensureCertificates`' report. */
export interface CertificateOutcome {
  readonly object: CertificateObject;
  readonly action: CertificateAction;
  /** The object's directory (`DIR/ca`, `DIR/edge`, `DIR/envoy`). */
  readonly path: string;
  readonly notAfter: Date;
  /** Why a `renewed` object was re-issued (e.g. "expires on …, within 30 days"). */
  readonly reason?: string;
}

/** Options of `ensureCertificates`. */
export interface EnsureCertificatesOptions extends CertificateOptions {
  readonly outDir: string;
  /** Re-issue everything, the CA included, even when the existing material is good. */
  readonly overwrite?: boolean;
  /** Re-issue what expires within this many days (default 30). */
  readonly renewBeforeDays?: number;
}

interface Plan {
  readonly options: ResolvedCertificateOptions;
  readonly overwrite: boolean;
  readonly renewBeforeDays: number;
}

function plan(options: EnsureCertificatesOptions): Plan {
  const resolved = resolveCertificateOptions(options);
  const errors = resolved.ok ? [] : [...resolved.errors];
  const renewBeforeDays = options.renewBeforeDays ?? 30;
  if (!Number.isFinite(renewBeforeDays) || renewBeforeDays < 0) {
    errors.push(`renewBeforeDays must be a number of days >= 0, got ${String(renewBeforeDays)}`);
  }
  if (options.outDir.length === 0) errors.push('outDir must not be empty');
  if (!resolved.ok || errors.length > 0) {
    throw new SesameError(ErrorCode.ConfigInvalid, `invalid certificate options: ${errors.join('; ')}`);
  }
  return { options: resolved.value, overwrite: options.overwrite ?? false, renewBeforeDays };
}

function actionFor(existed: boolean, overwrite: boolean): CertificateAction {
  if (!existed) return 'created';
  return overwrite ? 'overwritten' : 'renewed';
}

async function readPair(cert: string, key: string): Promise<FoundPair> {
  const [certPem, keyPem] = await Promise.all([readOptional(cert), readOptional(key)]);
  return { certPem, keyPem };
}

async function ensureCa(
  dir: string,
  plan: Plan,
): Promise<{ ca: CertificatePair; outcome: CertificateOutcome }> {
  const layout = certificateLayout(dir).ca;
  const found = await readPair(layout.cert, layout.key);
  const { now, caDays, keySize } = plan.options;
  const problem = caProblem(found, { now, renewBeforeDays: plan.renewBeforeDays });
  if (!plan.overwrite && problem === undefined && isComplete(found)) {
    const notAfter = certificateNotAfter(found.certPem);
    return { ca: found, outcome: { object: 'ca', action: 'kept', path: layout.dir, notAfter } };
  }
  const ca = createCa({ days: caDays, keySize, now });
  // Key first, certificate last: whoever sees the new certificate also finds its key. Between the two
  // renames a reader may pair the new key with the old certificate; that fails one handshake, not more.
  await writeFileAtomic(layout.key, ca.keyPem, KEY_MODE);
  await writeFileAtomic(layout.cert, ca.certPem, CERT_MODE);
  const action = actionFor(found.certPem !== undefined, plan.overwrite);
  const reason = action === 'renewed' ? problem : undefined;
  return { ca, outcome: { object: 'ca', action, path: layout.dir, notAfter: ca.notAfter, reason } };
}

async function ensureLeaf(options: {
  object: 'edge' | 'envoy';
  layout: TlsDirLayout;
  profile: LeafProfile;
  ca: CertificatePair;
  plan: Plan;
}): Promise<CertificateOutcome> {
  const { object, layout, profile, ca, plan } = options;
  const { now, days, keySize } = plan.options;
  const [found, caCopy] = await Promise.all([readPair(layout.cert, layout.key), readOptional(layout.ca)]);
  const problem = leafProblem(found, {
    now,
    renewBeforeDays: plan.renewBeforeDays,
    caCertPem: ca.certPem,
    profile,
  });
  // The directory's ca.crt is what peers trust, so it always follows the CA, even when the leaf is kept.
  if (caCopy !== ca.certPem) await writeFileAtomic(layout.ca, ca.certPem, CERT_MODE);
  if (!plan.overwrite && problem === undefined && found.certPem !== undefined) {
    return { object, action: 'kept', path: layout.dir, notAfter: certificateNotAfter(found.certPem) };
  }
  const leaf = issueLeaf({ ca, profile, days, keySize, now });
  await writeFileAtomic(layout.key, leaf.keyPem, KEY_MODE);
  await writeFileAtomic(layout.cert, leaf.certPem, CERT_MODE);
  const action = actionFor(found.certPem !== undefined, plan.overwrite);
  return {
    object,
    action,
    path: layout.dir,
    notAfter: leaf.notAfter,
    reason: action === 'renewed' ? problem : undefined,
  };
}

/**
 * Makes `outDir` hold a CA, an edge server certificate and an Envoy client certificate that are valid,
 * chain to that CA and cover the requested names, touching only what falls short: a kept CA signs the
 * renewed leaves, so peers that trust it need no update. Returns one outcome per object (CA, edge, Envoy).
 * Throws a SesameError (ConfigInvalid for bad options, TlsMaterial for file failures).
 */
export async function ensureCertificates(options: EnsureCertificatesOptions): Promise<CertificateOutcome[]> {
  const checked = plan(options);
  const layout = certificateLayout(options.outDir);
  await ensureDir(options.outDir);
  const { ca, outcome } = await ensureCa(options.outDir, checked);
  const { namespace, edgeDns, edgeIps } = checked.options;
  const edge = await ensureLeaf({
    object: 'edge',
    layout: layout.edge,
    profile: edgeProfile({ namespace, edgeDns, edgeIps }),
    ca,
    plan: checked,
  });
  const envoy = await ensureLeaf({
    object: 'envoy',
    layout: layout.envoy,
    profile: envoyProfile(),
    ca,
    plan: checked,
  });
  return [outcome, edge, envoy];
}

/** Reads the CA, edge and Envoy pairs from an `--out-dir` layout; a missing file is a TlsMaterial error. */
export async function readCertificateBundle(outDir: string): Promise<CertificateBundle> {
  const layout = certificateLayout(outDir);
  const read = async (cert: string, key: string): Promise<CertificatePair> => {
    const found = await readPair(cert, key);
    if (!isComplete(found)) {
      throw new SesameError(ErrorCode.TlsMaterial, `missing ${found.certPem === undefined ? cert : key}`);
    }
    return found;
  };
  const [ca, edge, envoy] = await Promise.all([
    read(layout.ca.cert, layout.ca.key),
    read(layout.edge.cert, layout.edge.key),
    read(layout.envoy.cert, layout.envoy.key),
  ]);
  return { ca, edge, envoy };
}
