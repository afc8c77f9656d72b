import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { writeBootstrap } from '@sesame/certgen';
import { parseNonNegativeInt, type Result } from '@sesame/shared';
import { ConfigProblems, text } from '../config-errors.js';
import { booleanFlag, flag, logLevelFlag } from '../flags.js';
import { requireConfig } from '../run.js';

interface BootstrapConfig {
  out: string;
  xdsAddress: string;
  xdsPort: number;
  caFile: string;
  certFile: string;
  keyFile: string;
  adminAddress: string;
  adminPort: number;
  nodeId: string;
  cluster: string;
  delta: boolean;
  resourcesDir: string | undefined;
}

/** `sesame bootstrap OUT.json`: an Envoy v3 bootstrap that reaches the edges over mTLS. */
export function bootstrapCommand(program: Command): void {
  program
    .command('bootstrap')
    .description('write an Envoy v3 bootstrap (JSON) that reaches the xDS edges over mTLS')
    .argument('<out.json>', 'where to write the bootstrap')
    .addOption(flag('--xds-address <host>', 'DNS name or IP of the xDS edges', 'sesame-xds'))
    .addOption(flag('--xds-port <port>', 'port of the xDS edges', '8001'))
    .addOption(flag('--cafile <file>', 'CA certificate that signed the edge certificate (ca.crt)'))
    .addOption(flag('--cert-file <file>', "Envoy's client certificate (tls.crt)"))
    .addOption(flag('--key-file <file>', "Envoy's client key (tls.key)"))
    .addOption(flag('--admin-address <addr>', 'Envoy admin listen address', '127.0.0.1'))
    .addOption(flag('--admin-port <port>', 'Envoy admin listen port', '9001'))
    .addOption(flag('--node-id <id>', "Envoy's node id (default: this machine's hostname, a pod's name)"))
    .addOption(flag('--cluster <name>', "Envoy's node cluster", 'sesame'))
    .addOption(booleanFlag('--delta', 'use the incremental (delta) xDS protocol'))
    .addOption(
      flag(
        '--resources-dir <dir>',
        'also write SDS files for the certificates so Envoy reloads them on rotation',
      ),
    )
    .addOption(logLevelFlag())
    .action(async (out: string, raw: Record<string, unknown>) => {
      const config = requireConfig('bootstrap', parseBootstrapConfig(out, raw));
      const written = await writeBootstrap(config.out, { ...config });
      for (const path of written) process.stdout.write(`wrote ${path}\n`);
    });
}

function parseBootstrapConfig(out: string, raw: Record<string, unknown>): Result<Readonly<BootstrapConfig>> {
  const p = new ConfigProblems();
  const port = (name: string, key: string): number | undefined => {
    const n = p.take(name, parseNonNegativeInt(text(raw[key])));
    if (n !== undefined && (n < 1 || n > 65535)) p.add(name, `expected a port from 1 to 65535, got ${n}`);
    return n;
  };
  const xdsPort = port('--xds-port', 'xdsPort');
  const adminPort = port('--admin-port', 'adminPort');
  const file = (name: string, key: string): string | undefined => {
    const v = raw[key];
    if (typeof v !== 'string' || v === '') {
      p.add(name, 'is required (mTLS to the edges is always on)');
      return undefined;
    }
    return resolve(v);
  };
  const caFile = file('--cafile', 'cafile');
  const certFile = file('--cert-file', 'certFile');
  const keyFile = file('--key-file', 'keyFile');
  const str = (key: string): string | undefined => (typeof raw[key] === 'string' ? raw[key] : undefined);
  const resourcesDir = str('resourcesDir');
  return p.finish<BootstrapConfig>(() => ({
    out: resolve(out),
    xdsAddress: String(raw['xdsAddress']),
    xdsPort: xdsPort!,
    caFile: caFile!,
    certFile: certFile!,
    keyFile: keyFile!,
    adminAddress: String(raw['adminAddress']),
    adminPort: adminPort!,
    nodeId: str('nodeId') ?? hostname(),
    cluster: String(raw['cluster']),
    delta: raw['delta'] === true,
    resourcesDir: resourcesDir === undefined ? undefined : resolve(resourcesDir),
  }));
}
