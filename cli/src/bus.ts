import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { Registry } from 'prom-client';
import { openBus, parseBusUrl, type Logger, type OpenBusOptions, type SnapshotBus } from '@sesame/shared';
import { type ConfigProblems, text } from './config-errors.js';
import { flag } from './flags.js';

/** How a standalone watcher or edge reaches the bus (flags shared by both commands). */
export interface BusConfig {
  readonly url: string;
  readonly keyFile: string | undefined;
  readonly prefix: string;
  readonly tls: OpenBusOptions['tls'];
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly token: string | undefined;
}

/** Adds `--bus` and the bus connection flags to a command. */
export function addBusFlags(command: Command): Command {
  return command
    .addOption(
      flag('--bus <url>', 'snapshot bus: nats://[user:pass@]HOST:PORT or redis://[:pass@]HOST:PORT[/db]'),
    )
    .addOption(
      flag('--bus-key-file <file>', 'shared secret that authenticates and encrypts snapshots on the bus'),
    )
    .addOption(flag('--bus-prefix <name>', 'NATS KV bucket or Redis key prefix', 'sesame'))
    .addOption(flag('--bus-username <user>', 'bus user name, when not in the URL'))
    .addOption(flag('--bus-password <password>', 'bus password, when not in the URL'))
    .addOption(flag('--bus-token <token>', 'NATS token, when not in the URL'))
    .addOption(flag('--bus-tls-ca-file <file>', 'CA that signed the bus server certificate (turns on TLS)'))
    .addOption(flag('--bus-tls-cert-file <file>', 'client certificate for the bus (mutual TLS)'))
    .addOption(flag('--bus-tls-key-file <file>', 'client key for the bus (mutual TLS)'));
}

/** Reads the bus flags; `memory:` is refused because it only connects the parts of one process. */
export function parseBusConfig(raw: Record<string, unknown>, p: ConfigProblems): BusConfig | undefined {
  const url = text(raw['bus']);
  if (url === '') {
    p.add('--bus', 'is required (e.g. nats://127.0.0.1:4222 or redis://127.0.0.1:6379)');
    return undefined;
  }
  const target = p.take('--bus', parseBusUrl(url));
  if (target?.kind === 'memory') {
    p.add('--bus', 'memory: only connects the parts of `sesame local`; use nats:// or redis://');
    return undefined;
  }
  const optionalFile = (key: string): string | undefined =>
    text(raw[key]) === '' ? undefined : resolve(text(raw[key]));
  const optional = (key: string): string | undefined => (text(raw[key]) === '' ? undefined : text(raw[key]));
  const caFile = optionalFile('busTlsCaFile');
  const certFile = optionalFile('busTlsCertFile');
  const keyFile = optionalFile('busTlsKeyFile');
  if ((certFile === undefined) !== (keyFile === undefined)) {
    p.add('--bus-tls-cert-file', 'and --bus-tls-key-file go together');
  }
  const anyTls = caFile !== undefined || certFile !== undefined || keyFile !== undefined;
  return {
    url,
    keyFile: optionalFile('busKeyFile'),
    prefix: text(raw['busPrefix']) || 'sesame',
    tls: anyTls ? { caFile, certFile, keyFile } : undefined,
    username: optional('busUsername'),
    password: optional('busPassword'),
    token: optional('busToken'),
  };
}

/** Opens the configured bus; it connects in the background and retries until the server is there. */
export function connectBus(
  config: BusConfig,
  options: { logger: Logger; registry: Registry; role: 'watcher' | 'edge' },
): Promise<SnapshotBus> {
  return openBus(config.url, {
    logger: options.logger,
    registry: options.registry,
    role: options.role,
    prefix: config.prefix,
    ...(config.keyFile === undefined ? {} : { keyFile: config.keyFile }),
    ...(config.tls === undefined ? {} : { tls: config.tls }),
    ...(config.username === undefined ? {} : { username: config.username }),
    ...(config.password === undefined ? {} : { password: config.password }),
    ...(config.token === undefined ? {} : { token: config.token }),
  });
}
