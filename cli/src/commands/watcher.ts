import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { collectDefaultMetrics, Registry } from 'prom-client';
import {
  parseHostPort,
  parseNonNegativeInt,
  startAdminServer,
  type HostPort,
  type LogLevel,
  type Result,
} from '@sesame/shared';
import { createWatcher } from '@sesame/watcher';
import { addBusFlags, connectBus, parseBusConfig, type BusConfig } from '../bus.js';
import { ConfigProblems } from '../config-errors.js';
import { flag, logLevelFlag } from '../flags.js';
import { CommandError, requireConfig, serve } from '../run.js';

interface WatcherConfig {
  source: { kind: 'dir'; dir: string } | { kind: 'kube' };
  bus: BusConfig;
  ingressClass: string | undefined;
  holdoffMs: number;
  holdoffMaxMs: number;
  admin: HostPort;
  logLevel: LogLevel;
}

/** `sesame watcher`: the single active watcher, publishing snapshots to the bus. */
export function watcherCommand(program: Command): void {
  addBusFlags(program.command('watcher'))
    .description('watch Kubernetes (or a folder of manifests), translate to Envoy config, publish snapshots')
    .addOption(flag('--source <kube|dir>', '"kube" for the Kubernetes API, or a folder of YAML manifests'))
    .addOption(
      flag('--ingress-class <name>', 'serve only this Ingress class (default: no class, or class "sesame")'),
    )
    .addOption(flag('--holdoff-ms <ms>', 'wait this long after a change for more changes', '100'))
    .addOption(flag('--holdoff-max-ms <ms>', 'the longest a change waits before it is published', '500'))
    .addOption(flag('--admin <host:port>', 'admin HTTP address: /metrics, /healthz, /readyz', '0.0.0.0:8000'))
    .addOption(logLevelFlag())
    .action(async (raw: Record<string, unknown>) => {
      const config = requireConfig('watcher', parseWatcherConfig(raw));
      const { source } = config;
      if (source.kind === 'kube') {
        throw new CommandError('sesame watcher: --source kube is not supported by this build; use a folder');
      }
      await serve({
        name: 'watcher',
        logLevel: config.logLevel,
        start: async (logger) => {
          const registry = new Registry();
          collectDefaultMetrics({ register: registry });
          const bus = await connectBus(config.bus, { logger, registry, role: 'watcher' });
          const watcher = createWatcher({
            source: { dir: source.dir },
            bus,
            logger,
            registry,
            ingressClass: config.ingressClass,
            holdoffMs: config.holdoffMs,
            holdoffMaxMs: config.holdoffMaxMs,
          });
          await watcher.start();
          const admin = await startAdminServer({
            address: config.admin,
            registry,
            ready: () => watcher.lastPublished() !== undefined,
            logger: logger.child({ component: 'admin' }),
          });
          return [bus, watcher, admin];
        },
      });
    });
}

function parseWatcherConfig(raw: Record<string, unknown>): Result<Readonly<WatcherConfig>> {
  const p = new ConfigProblems();
  let source: WatcherConfig['source'] | undefined;
  if (typeof raw['source'] !== 'string') {
    p.add('--source', 'is required: "kube" or a folder of manifests');
  } else if (raw['source'] === 'kube') {
    source = { kind: 'kube' };
  } else if (existsSync(raw['source'])) {
    source = { kind: 'dir', dir: resolve(raw['source']) };
  } else {
    p.add('--source', `folder "${raw['source']}" does not exist`);
  }
  const bus = parseBusConfig(raw, p);
  const holdoffMs = p.take('--holdoff-ms', parseNonNegativeInt(String(raw['holdoffMs'])));
  const holdoffMaxMs = p.take('--holdoff-max-ms', parseNonNegativeInt(String(raw['holdoffMaxMs'])));
  const admin = p.take('--admin', parseHostPort(String(raw['admin'])));
  return p.finish<WatcherConfig>(() => ({
    source: source!,
    bus: bus!,
    ingressClass: typeof raw['ingressClass'] === 'string' ? raw['ingressClass'] : undefined,
    holdoffMs: holdoffMs!,
    holdoffMaxMs: holdoffMaxMs!,
    admin: admin!,
    logLevel: raw['logLevel'] as LogLevel,
  }));
}
