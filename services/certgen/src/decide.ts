import { X509Certificate } from 'node:crypto';
import { caExpiresSoon, caProblem, isComplete, leafProblem, signedBy } from './inspect.js';
import { createCa, issuedAt, issueLeaf, type CertificatePair, type LeafProfile } from './issue.js';
import type { ResolvedCertificateOptions } from './options.js';
import { joinPem, pemCertificates } from './pem.js';
import type { CaState, FoundCa, FoundLeaf, LeafMaterial, PreviousCa } from './store.js';

/** What happened to one object. `updated`: its key pair was kept, its trust bundle or chain rewritten. */
export type CertificateAction = 'kept' | 'created' | 'renewed' | 'overwritten' | 'rotated' | 'updated';

/** The checked options of one certgen run. */
export interface Plan {
  readonly options: ResolvedCertificateOptions;
  /** Re-issue everything, the CA included, dropping any rotation under way. */
  readonly overwrite: boolean;
  readonly renewBeforeDays: number;
  /** Start a CA rotation unless one is under way (then this run continues it). */
  readonly rotateCa: boolean;
  /** How long the previous CA stays trusted, at least, after the last leaf moved to the new one. */
  readonly caOverlapMs: number;
}

/** The state an object should be in, what that means for the report, and whether it must be written. */
export interface Decision<T> {
  readonly next: T;
  readonly action: CertificateAction;
  readonly reason: string | undefined;
  readonly write: boolean;
}

/** The trust bundle every `ca.crt` holds: the current CA, then the previous one while a rotation is under way. */
export function trustBundle(ca: CaState): string {
  return joinPem(
    ca.previous === undefined ? [ca.current.certPem] : [ca.current.certPem, ca.previous.certPem],
  );
}

function fingerprint(pem: string): string | undefined {
  try {
    return new X509Certificate(pem).fingerprint256;
  } catch {
    return undefined;
  }
}

/**
 * Decides the CA. Overwrite or an unusable CA replaces it (a CA that cannot sign cannot be rotated away from,
 * except when an interrupted rotation left a usable previous CA). A rotation starts on request or when the
 * CA nears its end, and is retired on a later run once every leaf is signed by the new CA: each run looks
 * only at what it finds, so a run that crashed half-way is completed by the next one.
 */
export function decideCa(found: FoundCa, leaves: readonly FoundLeaf[], plan: Plan): Decision<CaState> {
  const { now, caDays, keySize, keySource } = plan.options;
  const existed = found.current.certPem !== undefined;
  const replace = (action: CertificateAction, reason?: string): Decision<CaState> => ({
    next: { current: createCa({ days: caDays, keySize, now, keySource }) },
    action,
    reason,
    write: true,
  });
  const rotate = (from: PreviousCa, reason: string): Decision<CaState> => ({
    next: { current: createCa({ days: caDays, keySize, now, keySource }), previous: from },
    action: 'rotated',
    reason,
    write: true,
  });
  if (plan.overwrite) return replace(existed ? 'overwritten' : 'created');
  const previous =
    found.previous !== undefined && fingerprint(found.previous.certPem) !== undefined
      ? found.previous
      : undefined;
  const problem = caProblem(found.current, now);
  if (problem !== undefined || !isComplete(found.current)) {
    // Saving the previous CA and writing the new one are separate steps on disk; a crash in between leaves
    // the current slot inconsistent, and the saved previous CA is what the rotation continues from.
    if (previous !== undefined && caProblem(previous, now) === undefined) {
      return rotate(previous, `continuing an interrupted rotation (current CA: ${problem})`);
    }
    return existed ? replace('renewed', problem) : replace('created');
  }
  const current = found.current;
  if (previous !== undefined) {
    if (fingerprint(previous.certPem) === fingerprint(current.certPem)) {
      return rotate(current, 'continuing an interrupted rotation');
    }
    if (leaves.every((leaf) => signedBy(leaf.certPem, current.certPem))) {
      // Peers pick up new files some time after they are written (a mounted Secret: a minute or two); one
      // still presenting a leaf of the previous CA would be refused once that CA is no longer trusted.
      const retireAt = new Date(newestIssue(leaves).getTime() + plan.caOverlapMs);
      if (retireAt.getTime() > now.getTime()) {
        const reason = `rotation under way: the previous CA stays trusted until ${retireAt.toISOString()} (--ca-overlap)`;
        return { next: { current, previous }, action: 'kept', reason, write: false };
      }
      const reason = 'previous CA retired: every leaf is signed by this one';
      return { next: { current }, action: 'updated', reason, write: true };
    }
    const reason = 'rotation under way: the previous CA stays trusted until every leaf is signed by this one';
    return { next: { current, previous }, action: 'kept', reason, write: false };
  }
  if (found.previous !== undefined) {
    return { next: { current }, action: 'updated', reason: 'unreadable previous CA dropped', write: true };
  }
  const expiring = caExpiresSoon(current.certPem, { now, renewBeforeDays: plan.renewBeforeDays });
  if (plan.rotateCa) return rotate(current, 'rotation requested');
  if (expiring !== undefined) return rotate(current, expiring);
  return { next: { current }, action: 'kept', reason: undefined, write: false };
}

/** When the most recently issued leaf was issued (leaves here are readable: they are signed by the CA). */
function newestIssue(leaves: readonly FoundLeaf[]): Date {
  let newest = 0;
  for (const leaf of leaves) {
    if (leaf.certPem === undefined) continue;
    newest = Math.max(newest, issuedAt(new Date(new X509Certificate(leaf.certPem).validFrom)).getTime());
  }
  return new Date(newest);
}

/** The previous CA as a signer, when its key is there and it can still sign (for the cross-signed chain). */
export function crossSigner(ca: CaState, now: Date): CertificatePair | undefined {
  const previous = ca.previous;
  if (previous === undefined || !isComplete(previous)) return undefined;
  return caProblem(previous, now) === undefined ? previous : undefined;
}

function bundleReason(found: string | undefined, ca: CaState): string {
  if (found === undefined) return 'trust bundle missing';
  return ca.previous === undefined
    ? 'trust bundle: the current CA only'
    : 'trust bundle: the current and the previous CA';
}

/**
 * Decides one leaf. It is re-issued by the current CA when it falls short (see `leafProblem`) or on
 * overwrite; during a rotation its chain then carries the current CA cross-signed by the previous one, so
 * peers that still trust only the previous CA accept it. A kept leaf gets the current trust bundle, and its
 * chain loses the cross-signed certificate once the rotation is over.
 */
export function decideLeaf(
  found: FoundLeaf,
  options: { ca: CaState; profile: LeafProfile; plan: Plan; crossCertificate: () => string | undefined },
): Decision<LeafMaterial> {
  const { ca, profile, plan } = options;
  const { now, days, keySize, keySource } = plan.options;
  const caPem = trustBundle(ca);
  const problem = leafProblem(found, {
    now,
    renewBeforeDays: plan.renewBeforeDays,
    caCertPem: ca.current.certPem,
    profile,
  });
  if (plan.overwrite || problem !== undefined || !isComplete(found)) {
    const leaf = issueLeaf({ ca: ca.current, profile, days, keySize, now, keySource });
    const cross = ca.previous === undefined ? undefined : options.crossCertificate();
    const certPem = joinPem(cross === undefined ? [leaf.certPem] : [leaf.certPem, cross]);
    let action: CertificateAction = 'renewed';
    if (found.certPem === undefined) action = 'created';
    else if (plan.overwrite) action = 'overwritten';
    return {
      next: { caPem, certPem, keyPem: leaf.keyPem },
      action,
      reason: action === 'renewed' ? problem : undefined,
      write: true,
    };
  }
  const chain = pemCertificates(found.certPem);
  const certPem = ca.previous === undefined && chain.length > 1 ? (chain[0] ?? found.certPem) : found.certPem;
  const reasons: string[] = [];
  if (found.caPem !== caPem) reasons.push(bundleReason(found.caPem, ca));
  if (certPem !== found.certPem) reasons.push('cross-signed CA dropped from the chain');
  return {
    next: { caPem, certPem, keyPem: found.keyPem },
    action: reasons.length > 0 ? 'updated' : 'kept',
    reason: reasons.length > 0 ? reasons.join('; ') : undefined,
    write: reasons.length > 0,
  };
}
