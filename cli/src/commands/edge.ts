import { resolve } from 'node:path';
import type { Command } from 'commander';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { parseHostPort, startAdminServer, type HostPort, type LogLevel, type Result } from '@sesame/shared';
import { createEdge, type ProxylessOptions } from '@sesame/xds-edge';
import { addBusFlags, connectBus, parseBusConfig, type BusConfig } from '../bus.js';
import { ConfigProblems } from '../config-errors.js';
import { flag, logLevelFlag } from '../flags.js';
import { requireConfig, serve } from '../run.js';

interface EdgeConfig {
  bus: BusConfig;
  tlsDir: string;
  xdsAddress: HostPort;
  admin: HostPort;
  proxylessAddress: HostPort | undefined;
  proxylessTlsDir: string | undefined;
  logLevel: LogLevel;
}

/** `sesame edge`: one stateless xDS edge replica fed by the bus. */
export function edgeCommand(program: Command): void {
  addBusFlags(program.command('edge'))
    .description('run one stateless xDS edge replica: snapshots from the bus, served to Envoys over mTLS')
    .addOption(flag('--tls-dir <dir>', 'edge certificate directory: ca.crt, tls.crt, tls.key'))
    .addOption(flag('--xds-address <host:port>', 'xDS gRPC listen address (mTLS)', '0.0.0.0:8001'))
    .addOption(flag('--admin <host:port>', 'admin HTTP address: /metrics, /healthz, /readyz', '0.0.0.0:8000'))
    .addOption(
      flag(
        '--proxyless-address <host:port>',
        'opt-in port for proxyless gRPC clients that cannot do mTLS: the gRPC view only, never a Secret (e.g. 0.0.0.0:18001)',
      ),
    )
    .addOption(
      flag(
        '--proxyless-tls-dir <dir>',
        'serve the proxyless port with server-only TLS (tls.crt, tls.key); plaintext without it',
      ),
    )
    .addOption(logLevelFlag())
    .action(async (raw: Record<string, unknown>) => {
      const config = requireConfig('edge', parseEdgeConfig(raw));
      await serve({
        name: 'edge',
        logLevel: config.logLevel,
        start: async (logger, own) => {
          const registry = new Registry();
          collectDefaultMetrics({ register: registry });
          const bus = own(await connectBus(config.bus, { logger, registry, role: 'edge' }));
          const edge = own(
            await createEdge({
              bus,
              tlsDir: config.tlsDir,
              address: config.xdsAddress,
              logger,
              registry,
              ...proxylessOption(config),
            }),
          );
          own(
            await startAdminServer({
              address: config.admin,
              registry,
              ready: () => edge.ready(),
              logger: logger.child({ component: 'admin' }),
            }),
          );
        },
      });
    });
}

function parseEdgeConfig(raw: Record<string, unknown>): Result<Readonly<EdgeConfig>> {
  const p = new ConfigProblems();
  const bus = parseBusConfig(raw, p);
  const tlsDir = typeof raw['tlsDir'] === 'string' ? resolve(raw['tlsDir']) : undefined;
  if (tlsDir === undefined) p.add('--tls-dir', 'is required (a directory with ca.crt, tls.crt, tls.key)');
  const xdsAddress = p.take('--xds-address', parseHostPort(String(raw['xdsAddress'])));
  const admin = p.take('--admin', parseHostPort(String(raw['admin'])));
  const proxylessAddress =
    typeof raw['proxylessAddress'] === 'string'
      ? p.take('--proxyless-address', parseHostPort(raw['proxylessAddress']))
      : undefined;
  const proxylessTlsDir =
    typeof raw['proxylessTlsDir'] === 'string' ? resolve(raw['proxylessTlsDir']) : undefined;
  if (proxylessTlsDir !== undefined && raw['proxylessAddress'] === undefined) {
    p.add('--proxyless-tls-dir', 'needs --proxyless-address');
  }
  return p.finish<EdgeConfig>(() => ({
    bus: bus!,
    tlsDir: tlsDir!,
    xdsAddress: xdsAddress!,
    admin: admin!,
    proxylessAddress,
    proxylessTlsDir,
    logLevel: raw['logLevel'] as LogLevel,
  }));
}

/** The edge's proxyless option from the flags (absent unless --proxyless-address is given). */
export function proxylessOption(config: {
  proxylessAddress: HostPort | undefined;
  proxylessTlsDir?: string | undefined;
}): { proxyless?: ProxylessOptions } {
  if (config.proxylessAddress === undefined) return {};
  return {
    proxyless: {
      address: config.proxylessAddress,
      ...(config.proxylessTlsDir === undefined ? {} : { tlsDir: config.proxylessTlsDir }),
    },
  };
}
