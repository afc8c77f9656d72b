import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { ensureCertificates } from '@sesame/certgen';
import {
  createMemoryBus,
  formatHostPort,
  parseHostPort,
  parseNonNegativeInt,
  startAdminServer,
  type HostPort,
  type LogLevel,
  type Result,
} from '@sesame/shared';
import { createWatcher } from '@sesame/watcher';
import { createEdge } from '@sesame/xds-edge';
import { ConfigProblems } from '../config-errors.js';
import { proxylessOption } from './edge.js';
import { flag, logLevelFlag } from '../flags.js';
import { requireConfig, serve } from '../run.js';

/** The manifests shipped with Sesame, used when the default folder is not under the working directory. */
const BUNDLED_MANIFESTS = fileURLToPath(new URL('../../../examples/manifests', import.meta.url));

interface LocalConfig {
  manifests: string;
  xdsAddress: HostPort;
  admin: HostPort;
  certs: string;
  ingressClass: string | undefined;
  holdoffMs: number;
  holdoffMaxMs: number;
  proxylessAddress: HostPort | undefined;
  logLevel: LogLevel;
}

/** `sesame local`: watcher (folder source) + in-process bus + one edge, in one process. */
export function localCommand(program: Command): void {
  program
    .command('local')
    .description('all-in-one: watch a manifests folder and serve it to Envoys over mTLS xDS, in one process')
    .addOption(
      flag('--manifests <dir>', 'folder of Kubernetes YAML manifests to serve', 'examples/manifests'),
    )
    .addOption(flag('--xds-address <host:port>', 'xDS gRPC listen address (mTLS)', '127.0.0.1:8001'))
    .addOption(
      flag('--certs <dir>', 'where the CA and certificates are generated on first run', '.sesame/certs'),
    )
    .addOption(
      flag('--admin <host:port>', 'admin HTTP address: /metrics, /healthz, /readyz', '127.0.0.1:8000'),
    )
    .addOption(
      flag('--ingress-class <name>', 'serve only this Ingress class (default: no class, or class "sesame")'),
    )
    .addOption(flag('--holdoff-ms <ms>', 'wait this long after a change for more changes', '100'))
    .addOption(flag('--holdoff-max-ms <ms>', 'the longest a change waits before it is published', '500'))
    .addOption(
      flag(
        '--proxyless-address <host:port>',
        'opt-in plaintext port for proxyless gRPC clients: the gRPC view only, never a Secret (e.g. 127.0.0.1:18001)',
      ),
    )
    .addOption(logLevelFlag())
    .action(async (raw: Record<string, string>) => {
      const config = requireConfig('local', parseLocalConfig(raw));
      await runLocal(config);
    });
}

function parseLocalConfig(raw: Record<string, string>): Result<Readonly<LocalConfig>> {
  const p = new ConfigProblems();
  const xdsAddress = p.take('--xds-address', parseHostPort(raw['xdsAddress'] ?? ''));
  const admin = p.take('--admin', parseHostPort(raw['admin'] ?? ''));
  const holdoffMs = p.take('--holdoff-ms', parseNonNegativeInt(raw['holdoffMs'] ?? ''));
  const holdoffMaxMs = p.take('--holdoff-max-ms', parseNonNegativeInt(raw['holdoffMaxMs'] ?? ''));
  const proxylessAddress =
    raw['proxylessAddress'] === undefined
      ? undefined
      : p.take('--proxyless-address', parseHostPort(raw['proxylessAddress']));
  const manifests = resolveManifests(raw['manifests'] ?? '');
  if (manifests === undefined) p.add('--manifests', `folder "${raw['manifests']}" does not exist`);
  // finish() calls this only when every value parsed.
  return p.finish<LocalConfig>(() => ({
    manifests: manifests!,
    xdsAddress: xdsAddress!,
    admin: admin!,
    certs: resolve(raw['certs'] ?? '.sesame/certs'),
    ingressClass: raw['ingressClass'],
    holdoffMs: holdoffMs!,
    holdoffMaxMs: holdoffMaxMs!,
    proxylessAddress,
    logLevel: (raw['logLevel'] ?? 'info') as LogLevel,
  }));
}

function resolveManifests(dir: string): string | undefined {
  const wanted = resolve(dir);
  if (existsSync(wanted)) return wanted;
  // `npx sesame local` outside the repository still finds the examples it ships with.
  if (dir === 'examples/manifests' && existsSync(BUNDLED_MANIFESTS)) return BUNDLED_MANIFESTS;
  return undefined;
}

async function runLocal(config: LocalConfig): Promise<void> {
  await serve({
    name: 'local',
    logLevel: config.logLevel,
    start: async (logger, own) => {
      const certs = await ensureCertificates({
        outDir: config.certs,
        edgeDns: ['localhost'],
        edgeIps: ['127.0.0.1'],
      });
      for (const line of certs) logger.info(line, 'certificate');
      const registry = new Registry();
      collectDefaultMetrics({ register: registry });
      const bus = own(createMemoryBus({ logger }));
      const edge = own(
        await createEdge({
          bus,
          tlsDir: join(config.certs, 'edge'),
          address: config.xdsAddress,
          logger,
          registry,
          ...proxylessOption(config),
        }),
      );
      const watcher = own(
        createWatcher({
          source: { dir: config.manifests },
          bus,
          logger,
          registry,
          ingressClass: config.ingressClass,
          holdoffMs: config.holdoffMs,
          holdoffMaxMs: config.holdoffMaxMs,
        }),
      );
      await watcher.start();
      const admin = own(
        await startAdminServer({
          address: config.admin,
          registry,
          ready: () => edge.ready(),
          logger: logger.child({ component: 'admin' }),
        }),
      );
      logger.info(
        {
          xds: formatHostPort(edge.address),
          ...(edge.proxylessAddress === undefined
            ? {}
            : { proxyless: formatHostPort(edge.proxylessAddress) }),
          admin: formatHostPort(admin.address),
          manifests: config.manifests,
          try: `npx sesame xds --server ${formatHostPort(edge.address)} --tls-dir ${join(config.certs, 'envoy')} --type all`,
        },
        'sesame local is serving',
      );
    },
  });
}
