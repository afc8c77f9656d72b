import { resolve } from 'node:path';
import type { Command } from 'commander';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { parseHostPort, startAdminServer, type HostPort, type LogLevel, type Result } from '@sesame/shared';
import { createEdge } from '@sesame/xds-edge';
import { addBusFlags, connectBus, parseBusConfig, type BusConfig } from '../bus.js';
import { ConfigProblems } from '../config-errors.js';
import { flag, logLevelFlag } from '../flags.js';
import { requireConfig, serve } from '../run.js';

interface EdgeConfig {
  bus: BusConfig;
  tlsDir: string;
  xdsAddress: HostPort;
  admin: HostPort;
  logLevel: LogLevel;
}

/** `sesame edge`: one stateless xDS edge replica fed by the bus. */
export function edgeCommand(program: Command): void {
  addBusFlags(program.command('edge'))
    .description('run one stateless xDS edge replica: snapshots from the bus, served to Envoys over mTLS')
    .addOption(flag('--tls-dir <dir>', 'edge certificate directory: ca.crt, tls.crt, tls.key'))
    .addOption(flag('--xds-address <host:port>', 'xDS gRPC listen address (mTLS)', '0.0.0.0:8001'))
    .addOption(flag('--admin <host:port>', 'admin HTTP address: /metrics, /healthz, /readyz', '0.0.0.0:8000'))
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
  return p.finish<EdgeConfig>(() => ({
    bus: bus!,
    tlsDir: tlsDir!,
    xdsAddress: xdsAddress!,
    admin: admin!,
    logLevel: raw['logLevel'] as LogLevel,
  }));
}
