import { resolve } from 'node:path';
import type { Command } from 'commander';
import {
  createSecretClient,
  ensureCertificates,
  ensureCertificateSecrets,
  issueCertificateBundle,
  readCertificateBundle,
  secretsAsYaml,
  type CertificateOutcome,
  type ReconcileOptions,
} from '@sesame/certgen';
import { ErrorCode, parseNonNegativeInt, SesameError, type Result } from '@sesame/shared';
import { ConfigProblems, text } from '../config-errors.js';
import { booleanFlag, flag, listFlag, logLevelFlag } from '../flags.js';
import { CommandError, requireConfig } from '../run.js';

/** Where the certificates go: PEM files, the cluster's Secrets, or (alone) manifests on stdout. */
type Target =
  { kind: 'dir'; outDir: string } | { kind: 'kube'; kubeconfig: string | undefined } | { kind: 'yaml' };

interface CertgenConfig extends ReconcileOptions {
  target: Target;
  yaml: boolean;
  namespace: string;
}

/** Printed after the options: how the runs fit together (commander would re-wrap a long description). */
const HELP_AFTER = `
Each run keeps what exists and is valid, re-issues leaves that expire within
--renew-before days (signed by the same CA, so nothing else changes) and prints
one line per object. Run it as a Kubernetes Job at install and as a daily
CronJob with --kube.

CA rotation takes two runs. --rotate-ca issues a new CA that signs new leaves,
and every ca.crt trusts both CAs; each leaf also carries the new CA cross-signed
by the old one, so peers that have not picked up their new files yet still
accept it. A later run, once every leaf is signed by the new CA and at least
--ca-overlap hours have passed since the last one was issued, retires the old
one: every pod must have picked up the new files by then (the next daily run
does it). A CA within --renew-before days of its end is rotated the same way.`;

/** `sesame certgen`: the CA, the edge server certificate and the Envoy client certificate. */
export function certgenCommand(program: Command): void {
  program
    .command('certgen')
    .description('issue the CA, the edge server certificate and the Envoy client certificate')
    .addHelpText('after', HELP_AFTER)
    .addOption(flag('--out-dir <dir>', 'write PEM files: DIR/ca, DIR/edge, DIR/envoy'))
    .addOption(
      booleanFlag(
        '--kube',
        'write the Secrets sesame-ca, sesame-edge-cert, sesame-envoy-cert (get/create/update)',
      ),
    )
    .addOption(
      flag(
        '--kubeconfig <file>',
        'kubeconfig for --kube (default: KUBECONFIG, ~/.kube/config or in-cluster)',
      ),
    )
    .addOption(
      booleanFlag(
        '--yaml',
        'print the Secrets as manifests on stdout (of --out-dir, or freshly issued alone)',
      ),
    )
    .addOption(
      flag('--namespace <ns>', 'namespace of the Secrets and of the sesame-xds Service', 'projectsesame'),
    )
    .addOption(
      booleanFlag('--overwrite', 're-issue everything, the CA included, even what exists and is valid'),
    )
    .addOption(booleanFlag('--rotate-ca', 'start a CA rotation (or finish the one under way)'))
    .addOption(flag('--days <n>', 'lifetime of the edge and Envoy certificates, in days', '365'))
    .addOption(flag('--ca-days <n>', 'lifetime of the CA, in days', '3650'))
    .addOption(flag('--key-size <bits>', 'RSA key size', '2048'))
    .addOption(flag('--renew-before <days>', 're-issue certificates that expire sooner than this', '30'))
    .addOption(
      flag(
        '--ca-overlap <hours>',
        'keep trusting the previous CA this long after the leaves moved to the new one',
        '1',
      ),
    )
    .addOption(listFlag('--edge-dns <name>', 'extra DNS name for the edge certificate (repeatable)'))
    .addOption(listFlag('--edge-ip <ip>', 'IP address for the edge certificate (repeatable)'))
    .addOption(logLevelFlag())
    .action(async (raw: Record<string, unknown>) => {
      const config = requireConfig('certgen', parseCertgenConfig(raw));
      try {
        await runCertgen(config);
      } catch (err) {
        if (!(err instanceof SesameError)) throw err;
        throw new CommandError(
          `sesame certgen: ${err.message}`,
          err.code === ErrorCode.ConfigInvalid ? 2 : 1,
        );
      }
    });
}

async function runCertgen(config: Readonly<CertgenConfig>): Promise<void> {
  const { target, namespace } = config;
  if (target.kind === 'yaml') {
    // --yaml alone: issue in memory and print the Secrets; nothing is kept.
    const bundle = issueCertificateBundle({ ...config });
    if (!bundle.ok) throw new CommandError(`sesame certgen: ${bundle.errors.join('; ')}`);
    process.stdout.write(secretsAsYaml(bundle.value, { namespace }));
    return;
  }
  const outcomes =
    target.kind === 'kube'
      ? await ensureCertificateSecrets({
          ...config,
          secrets: createSecretClient({ namespace, kubeconfig: target.kubeconfig }),
        })
      : await ensureCertificates({ ...config, outDir: target.outDir });
  // With --yaml, stdout carries only the manifests, so the report goes to stderr.
  const report = config.yaml ? process.stderr : process.stdout;
  for (const outcome of outcomes) report.write(`${reportLine(outcome)}\n`);
  if (config.yaml && target.kind === 'dir') {
    process.stdout.write(secretsAsYaml(await readCertificateBundle(target.outDir), { namespace }));
  }
}

/** `edge: renewed secret ns/sesame-edge-cert, valid until 2031-…Z (expires on …, within 30 days)`. */
function reportLine(o: CertificateOutcome): string {
  const why = o.reason === undefined ? '' : ` (${o.reason})`;
  return `${o.object}: ${o.action} ${o.location}, valid until ${o.notAfter.toISOString()}${why}`;
}

function parseTarget(raw: Record<string, unknown>, p: ConfigProblems): Target | undefined {
  const outDir =
    typeof raw['outDir'] === 'string' && raw['outDir'] !== '' ? resolve(raw['outDir']) : undefined;
  const kubeconfig =
    typeof raw['kubeconfig'] === 'string' && raw['kubeconfig'] !== '' ? raw['kubeconfig'] : undefined;
  const kube = raw['kube'] === true;
  if (kubeconfig !== undefined && !kube) p.add('--kubeconfig', 'only applies with --kube');
  if (kube && outDir !== undefined) p.add('--kube', 'cannot be combined with --out-dir: choose one');
  else if (kube && raw['yaml'] === true)
    p.add('--yaml', 'cannot be combined with --kube (the Secrets are written)');
  else if (kube)
    return { kind: 'kube', kubeconfig: kubeconfig === undefined ? undefined : resolve(kubeconfig) };
  else if (outDir !== undefined) return { kind: 'dir', outDir };
  else if (raw['yaml'] === true) {
    if (raw['rotateCa'] === true)
      p.add('--rotate-ca', 'needs --out-dir or --kube (there is no CA to rotate)');
    return { kind: 'yaml' };
  } else p.add('--out-dir', 'one of --out-dir DIR, --kube or --yaml is required');
  return undefined;
}

function parseCertgenConfig(raw: Record<string, unknown>): Result<Readonly<CertgenConfig>> {
  const p = new ConfigProblems();
  const int = (name: string, key: string): number | undefined =>
    p.take(name, parseNonNegativeInt(text(raw[key])));
  const days = int('--days', 'days');
  const caDays = int('--ca-days', 'caDays');
  const keySize = int('--key-size', 'keySize');
  const renewBeforeDays = int('--renew-before', 'renewBefore');
  const caOverlapHours = int('--ca-overlap', 'caOverlap');
  if (days === 0) p.add('--days', 'must be at least 1');
  if (keySize !== undefined && keySize < 2048) p.add('--key-size', 'must be at least 2048');
  if (renewBeforeDays !== undefined) {
    // Otherwise every run would find a fresh certificate inside the window and issue it again.
    if (days !== undefined && days > 0 && days <= renewBeforeDays) {
      p.add('--days', `must exceed --renew-before (${renewBeforeDays})`);
    }
    if (caDays !== undefined && caDays <= renewBeforeDays) {
      p.add('--ca-days', `must exceed --renew-before (${renewBeforeDays})`);
    }
  }
  const target = parseTarget(raw, p);
  return p.finish<CertgenConfig>(() => ({
    target: target!,
    yaml: raw['yaml'] === true,
    namespace: String(raw['namespace']),
    overwrite: raw['overwrite'] === true,
    rotateCa: raw['rotateCa'] === true,
    days: days!,
    caDays: caDays!,
    keySize: keySize!,
    renewBeforeDays: renewBeforeDays!,
    caOverlapHours: caOverlapHours!,
    edgeDns: raw['edgeDns'] as string[],
    edgeIps: raw['edgeIp'] as string[],
  }));
}
