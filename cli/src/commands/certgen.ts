import { resolve } from 'node:path';
import type { Command } from 'commander';
import {
  ensureCertificates,
  issueCertificateBundle,
  readCertificateBundle,
  secretsAsYaml,
} from '@sesame/certgen';
import { parseNonNegativeInt, type Result } from '@sesame/shared';
import { ConfigProblems, text } from '../config-errors.js';
import { booleanFlag, flag, listFlag, logLevelFlag } from '../flags.js';
import { CommandError, requireConfig } from '../run.js';

interface CertgenConfig {
  outDir: string | undefined;
  yaml: boolean;
  namespace: string;
  overwrite: boolean;
  days: number;
  caDays: number;
  keySize: number;
  renewBeforeDays: number;
  edgeDns: readonly string[];
}

/** `sesame certgen`: the CA, the edge server certificate and the Envoy client certificate. */
export function certgenCommand(program: Command): void {
  program
    .command('certgen')
    .description('issue the CA, the edge server certificate and the Envoy client certificate')
    .addOption(flag('--out-dir <dir>', 'write PEM files: DIR/ca, DIR/edge, DIR/envoy'))
    .addOption(booleanFlag('--yaml', 'print the certificates as Kubernetes Secret manifests on stdout'))
    .addOption(
      flag('--namespace <ns>', 'namespace of the Secrets and of the sesame-xds Service', 'projectsesame'),
    )
    .addOption(booleanFlag('--overwrite', 're-issue everything, even what exists and is valid'))
    .addOption(flag('--days <n>', 'lifetime of the edge and Envoy certificates, in days', '365'))
    .addOption(flag('--ca-days <n>', 'lifetime of the CA, in days', '3650'))
    .addOption(flag('--key-size <bits>', 'RSA key size', '2048'))
    .addOption(flag('--renew-before <days>', 're-issue leaves that expire sooner than this', '30'))
    .addOption(listFlag('--edge-dns <name>', 'extra DNS name for the edge certificate (repeatable)'))
    .addOption(logLevelFlag())
    .action(async (raw: Record<string, unknown>) => {
      const config = requireConfig('certgen', parseCertgenConfig(raw));
      const { outDir, namespace } = config;
      if (outDir === undefined) {
        // --yaml alone: issue in memory and print the Secrets; nothing is kept on disk.
        const bundle = issueCertificateBundle({ ...config });
        if (!bundle.ok) throw new CommandError(`sesame certgen: ${bundle.errors.join('; ')}`);
        process.stdout.write(secretsAsYaml(bundle.value, { namespace }));
        return;
      }
      const outcomes = await ensureCertificates({ ...config, outDir });
      // With --yaml, stdout carries only the manifests, so the report goes to stderr.
      const report = config.yaml ? process.stderr : process.stdout;
      for (const o of outcomes) {
        const why = o.reason === undefined ? '' : ` (${o.reason})`;
        report.write(`${o.object}: ${o.action} ${o.path}, valid until ${o.notAfter.toISOString()}${why}\n`);
      }
      if (config.yaml)
        process.stdout.write(secretsAsYaml(await readCertificateBundle(outDir), { namespace }));
    });
}

function parseCertgenConfig(raw: Record<string, unknown>): Result<Readonly<CertgenConfig>> {
  const p = new ConfigProblems();
  const int = (name: string, key: string): number | undefined =>
    p.take(name, parseNonNegativeInt(text(raw[key])));
  const days = int('--days', 'days');
  const caDays = int('--ca-days', 'caDays');
  const keySize = int('--key-size', 'keySize');
  const renewBeforeDays = int('--renew-before', 'renewBefore');
  if (days === 0) p.add('--days', 'must be at least 1');
  if (keySize !== undefined && keySize < 2048) p.add('--key-size', 'must be at least 2048');
  const outDir = typeof raw['outDir'] === 'string' ? resolve(raw['outDir']) : undefined;
  if (outDir === undefined && raw['yaml'] !== true) {
    throw new CommandError('sesame certgen: one of --out-dir DIR or --yaml is required');
  }
  return p.finish<CertgenConfig>(() => ({
    outDir,
    yaml: raw['yaml'] === true,
    namespace: String(raw['namespace']),
    overwrite: raw['overwrite'] === true,
    days: days!,
    caDays: caDays!,
    keySize: keySize!,
    renewBeforeDays: renewBeforeDays!,
    edgeDns: raw['edgeDns'] as string[],
  }));
}
