import { ErrorCode, SesameError } from '@sesame/shared';
import type { CertificateBundle } from './bundle.js';
import {
  crossSigner,
  decideCa,
  decideLeaf,
  type CertificateAction,
  type Decision,
  type Plan,
} from './decide.js';
import { createFileStore } from './file-store.js';
import { certificateNotAfter, isComplete, type FoundPair } from './inspect.js';
import { crossSignCa, edgeProfile, envoyProfile, type CertificatePair } from './issue.js';
import { resolveCertificateOptions, type CertificateOptions } from './options.js';
import { createSecretStore, SecretConflictError, type SecretClient } from './secret-store.js';
import { ensureDir } from './storage.js';
import type { CertificateObject, CertificateStore, FoundLeaf, LeafObject } from './store.js';

/** One line of the report: what happened to one object. */
export interface CertificateOutcome {
  readonly object: CertificateObject;
  readonly action: CertificateAction;
  /** Where the object lives: its directory (`DIR/ca`, `DIR/edge`, `DIR/envoy`) or `secret NS/NAME`. */
  readonly location: string;
  /** Expiry of the object's (current) certificate. */
  readonly notAfter: Date;
  /** Why it was re-issued, rotated or updated (e.g. "expires on …, within 30 days"). */
  readonly reason?: string;
}

/** What every certgen run takes, whatever it writes to. */
export interface ReconcileOptions extends CertificateOptions {
  /** Re-issue everything, the CA included, even when the existing material is good. */
  readonly overwrite?: boolean;
  /** Re-issue what expires within this many days (default 30); a CA that does is rotated. */
  readonly renewBeforeDays?: number;
  /** Start a CA rotation (or continue the one under way): see `decideCa`. */
  readonly rotateCa?: boolean;
  /** Hours the previous CA stays trusted, at least, after the leaves moved to the new one (default 1). */
  readonly caOverlapHours?: number;
}

/** Options of `ensureCertificates`. */
export interface EnsureCertificatesOptions extends ReconcileOptions {
  readonly outDir: string;
}

/** Options of `ensureCertificateSecrets`; `namespace` is the Secrets' namespace and the edge Service's. */
export interface EnsureSecretsOptions extends ReconcileOptions {
  readonly secrets: SecretClient;
}

function plan(options: ReconcileOptions, more: readonly string[] = []): Plan {
  const resolved = resolveCertificateOptions(options);
  const errors = [...(resolved.ok ? [] : resolved.errors), ...more];
  const renewBeforeDays = options.renewBeforeDays ?? 30;
  if (!Number.isFinite(renewBeforeDays) || renewBeforeDays < 0) {
    errors.push(`renewBeforeDays must be a number of days >= 0, got ${String(renewBeforeDays)}`);
  } else if (resolved.ok) {
    // Otherwise every run would find the fresh certificate inside the window and issue it again.
    const { days, caDays } = resolved.value;
    for (const [name, value] of [
      ['days', days],
      ['caDays', caDays],
    ] as const) {
      if (value <= renewBeforeDays) {
        errors.push(`${name} (${value}) must exceed renewBeforeDays (${renewBeforeDays})`);
      }
    }
  }
  const caOverlapHours = options.caOverlapHours ?? 1;
  if (!Number.isFinite(caOverlapHours) || caOverlapHours < 0) {
    errors.push(`caOverlapHours must be a number of hours >= 0, got ${String(caOverlapHours)}`);
  }
  if (!resolved.ok || errors.length > 0) {
    throw new SesameError(ErrorCode.ConfigInvalid, `invalid certificate options: ${errors.join('; ')}`);
  }
  return {
    options: resolved.value,
    overwrite: options.overwrite ?? false,
    renewBeforeDays,
    rotateCa: options.rotateCa ?? false,
    caOverlapMs: caOverlapHours * 60 * 60 * 1000,
  };
}

function outcome<T>(
  store: CertificateStore,
  object: CertificateObject,
  decision: Decision<T>,
  certPem: string,
): CertificateOutcome {
  const { action, reason } = decision;
  const notAfter = certificateNotAfter(certPem);
  const base = { object, action, location: store.location(object), notAfter };
  return reason === undefined ? base : { ...base, reason };
}

function valueOf<T>(result: PromiseSettledResult<T>): T {
  if (result.status === 'rejected') throw result.reason;
  return result.value;
}

/**
 * One run against any store: read everything, decide the CA (see `decideCa`), write it, then decide and write
 * each leaf against it. The CA goes first: after a crash before the leaves, the next run finds them not
 * signed by it and re-issues them. Returns one outcome per object: CA, edge, Envoy.
 */
async function reconcileCertificates(store: CertificateStore, checked: Plan): Promise<CertificateOutcome[]> {
  // Every read settles before a failure ends the run, so a failed run leaves no request in flight.
  const settled = await Promise.allSettled([store.readCa(), store.readLeaf('edge'), store.readLeaf('envoy')]);
  const [foundCa, edge, envoy] = [valueOf(settled[0]), valueOf(settled[1]), valueOf(settled[2])];
  const leaves: Record<LeafObject, FoundLeaf> = { edge, envoy };
  const ca = decideCa(foundCa, [edge, envoy], checked);
  if (ca.write) await store.writeCa(ca.next, foundCa);
  const { namespace, edgeDns, edgeIps, now } = checked.options;
  const profiles = { edge: edgeProfile({ namespace, edgeDns, edgeIps }), envoy: envoyProfile() };
  let cross: string | undefined | null = null;
  const crossCertificate = (): string | undefined => {
    if (cross === null) {
      const signer = crossSigner(ca.next, now);
      cross = signer === undefined ? undefined : crossSignCa({ ca: ca.next.current.certPem, signer, now });
    }
    return cross;
  };
  const outcomes = [outcome(store, 'ca', ca, ca.next.current.certPem)];
  for (const object of ['edge', 'envoy'] as const) {
    const found = leaves[object];
    const leaf = decideLeaf(found, {
      ca: ca.next,
      profile: profiles[object],
      plan: checked,
      crossCertificate,
    });
    if (leaf.write) await store.writeLeaf(object, leaf.next, found);
    outcomes.push(outcome(store, object, leaf, leaf.next.certPem));
  }
  return outcomes;
}

/**
 * Makes `outDir` hold a CA, an edge server certificate and an Envoy client certificate that are valid,
 * chain to that CA and cover the requested names, touching only what falls short: a kept CA signs the
 * renewed leaves, so peers that trust it need no update. Throws a SesameError (ConfigInvalid for bad
 * options, TlsMaterial for file failures).
 */
export async function ensureCertificates(options: EnsureCertificatesOptions): Promise<CertificateOutcome[]> {
  const checked = plan(options, options.outDir.length === 0 ? ['outDir must not be empty'] : []);
  await ensureDir(options.outDir);
  return reconcileCertificates(createFileStore(options.outDir), checked);
}

/** How often a run starts over when another writer changed a Secret under it. */
const CONFLICT_ATTEMPTS = 3;

/**
 * The same as `ensureCertificates` for the Secrets `sesame-ca`, `sesame-edge-cert` and `sesame-envoy-cert`:
 * it reads them, creates what is missing and updates only what falls short, with get, create and update
 * alone. When another certgen (or anyone) writes one of them meanwhile, the run starts over from fresh
 * reads, so concurrent Jobs converge on one CA.
 */
export async function ensureCertificateSecrets(options: EnsureSecretsOptions): Promise<CertificateOutcome[]> {
  const checked = plan(options);
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await reconcileCertificates(createSecretStore(options.secrets), checked);
    } catch (err) {
      if (!(err instanceof SecretConflictError) || attempt >= CONFLICT_ATTEMPTS) throw err;
    }
  }
}

function completePair(store: CertificateStore, object: CertificateObject, found: FoundPair): CertificatePair {
  if (!isComplete(found)) {
    throw new SesameError(
      ErrorCode.TlsMaterial,
      `incomplete ${object} material in ${store.location(object)}`,
    );
  }
  return { certPem: found.certPem, keyPem: found.keyPem };
}

/** Reads the CA, edge and Envoy pairs (and a previous CA) of an `--out-dir` layout; a missing file is a TlsMaterial error. */
export async function readCertificateBundle(outDir: string): Promise<CertificateBundle> {
  const store = createFileStore(outDir);
  const [ca, edge, envoy] = await Promise.all([
    store.readCa(),
    store.readLeaf('edge'),
    store.readLeaf('envoy'),
  ]);
  const bundle = {
    ca: completePair(store, 'ca', ca.current),
    edge: completePair(store, 'edge', edge),
    envoy: completePair(store, 'envoy', envoy),
  };
  return ca.previous === undefined ? bundle : { ...bundle, previousCa: ca.previous };
}
