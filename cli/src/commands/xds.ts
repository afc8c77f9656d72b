import { resolve } from 'node:path';
import type { Command } from 'commander';
import {
  parseHostPort,
  parseNonNegativeInt,
  readTlsDir,
  TYPE_SHORT_NAMES,
  TypeUrl,
  type HostPort,
  type Result,
} from '@sesame/shared';
import { createXdsClient, type XdsResponse } from '@sesame/xds-edge';
import { ConfigProblems } from '../config-errors.js';
import { booleanFlag, flag, logLevelFlag } from '../flags.js';
import { CommandError, requireConfig } from '../run.js';

const TYPES = {
  lds: TypeUrl.Listener,
  rds: TypeUrl.RouteConfiguration,
  cds: TypeUrl.Cluster,
  eds: TypeUrl.ClusterLoadAssignment,
  sds: TypeUrl.Secret,
} as const;
/** `all` asks in make-before-break order, as Envoy does. */
const ALL: readonly TypeUrl[] = [
  TypeUrl.Cluster,
  TypeUrl.ClusterLoadAssignment,
  TypeUrl.Listener,
  TypeUrl.RouteConfiguration,
  TypeUrl.Secret,
];

interface XdsConfig {
  server: HostPort;
  tlsDir: string;
  types: readonly TypeUrl[];
  names: readonly string[];
  nodeId: string;
  serverName: string;
  watch: boolean;
  nack: boolean;
  delta: boolean;
  plaintext: boolean;
  timeoutMs: number;
}

/** `sesame xds`: connects as an Envoy would and prints what it receives, as JSON. */
export function xdsCommand(program: Command): void {
  program
    .command('xds')
    .description(
      'debug client: connect to an edge as an Envoy would and print the resources received, as JSON',
    )
    .argument('[names...]', 'resource names to subscribe to (only with a single --type; default: all)')
    .addOption(flag('--server <host:port>', 'edge xDS address', '127.0.0.1:8001'))
    .addOption(flag('--tls-dir <dir>', 'client certificate directory: ca.crt, tls.crt, tls.key'))
    .addOption(
      booleanFlag(
        '--plaintext',
        "no TLS: for an edge's proxyless port serving plaintext (then no --tls-dir)",
      ),
    )
    .addOption(flag('--type <type>', 'lds, rds, cds, eds, sds or all', 'all'))
    .addOption(flag('--node-id <id>', 'node id to present', 'sesame-xds-cli'))
    .addOption(flag('--server-name <name>', "name to check in the edge's certificate", 'sesame-xds'))
    .addOption(booleanFlag('--watch', 'keep the stream open and print every response as one JSON line'))
    .addOption(booleanFlag('--nack', 'reject (NACK) every response instead of accepting it'))
    .addOption(
      booleanFlag(
        '--delta',
        'use the incremental (delta) protocol; prints per-resource versions and removals',
      ),
    )
    .addOption(flag('--timeout-ms <ms>', 'without --watch: how long to wait for the responses', '10000'))
    .addOption(logLevelFlag())
    .action(async (names: string[], raw: Record<string, unknown>) => {
      const config = requireConfig('xds', parseXdsConfig(names, raw));
      await runXds(config);
    });
}

function parseXdsConfig(names: string[], raw: Record<string, unknown>): Result<Readonly<XdsConfig>> {
  const p = new ConfigProblems();
  const server = p.take('--server', parseHostPort(String(raw['server'])));
  const plaintext = raw['plaintext'] === true;
  const tlsDir = typeof raw['tlsDir'] === 'string' ? resolve(raw['tlsDir']) : undefined;
  if (tlsDir === undefined && !plaintext) {
    p.add('--tls-dir', 'is required (a directory with ca.crt, tls.crt, tls.key), unless --plaintext');
  }
  const type = String(raw['type']);
  const types = type === 'all' ? ALL : type in TYPES ? [TYPES[type as keyof typeof TYPES]] : undefined;
  if (types === undefined) p.add('--type', `expected lds, rds, cds, eds, sds or all, got "${type}"`);
  if (names.length > 0 && type === 'all') p.add('--type', 'resource names need a single type, not all');
  const timeoutMs = p.take('--timeout-ms', parseNonNegativeInt(String(raw['timeoutMs'])));
  return p.finish<XdsConfig>(() => ({
    server: server!,
    tlsDir: tlsDir ?? '',
    types: types!,
    names,
    nodeId: String(raw['nodeId']),
    serverName: String(raw['serverName']),
    watch: raw['watch'] === true,
    nack: raw['nack'] === true,
    delta: raw['delta'] === true,
    plaintext,
    timeoutMs: timeoutMs!,
  }));
}

async function runXds(config: XdsConfig): Promise<void> {
  const tls = config.plaintext
    ? undefined
    : await readTlsDir(config.tlsDir).catch((err: Error) => {
        throw new CommandError(`sesame xds: --tls-dir: ${err.message}`);
      });
  const client = createXdsClient({
    server: config.server,
    ...(tls === undefined ? { plaintext: true } : { tls }),
    serverName: config.serverName,
    node: { id: config.nodeId, cluster: 'sesame-xds-cli' },
  });
  const names = config.names.length > 0 ? config.names : undefined;
  try {
    if (!config.watch) {
      const responses = await client
        .fetchResources(
          config.types.map((typeUrl) => ({ typeUrl, ...(names === undefined ? {} : { names }) })),
          { timeoutMs: config.timeoutMs, delta: config.delta },
        )
        .catch((err: Error) => {
          throw new CommandError(`sesame xds: ${err.message}`, 1);
        });
      const out = Object.fromEntries(responses.map((r) => [shortName(r), body(r)]));
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      return;
    }
    const session = config.delta ? client.deltaAds({ nack: config.nack }) : client.ads({ nack: config.nack });
    const stop = (): void => session.close();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    for (const typeUrl of config.types) session.subscribe(typeUrl, names);
    try {
      for await (const response of session) {
        process.stdout.write(`${JSON.stringify({ type: shortName(response), ...body(response) })}\n`);
      }
    } catch (err) {
      throw new CommandError(`sesame xds: ${(err as Error).message}`, 1);
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  } finally {
    client.close();
  }
}

function shortName(response: XdsResponse): string {
  return TYPE_SHORT_NAMES[response.typeUrl as TypeUrl] ?? response.typeUrl;
}

function body(response: XdsResponse): Record<string, unknown> {
  return {
    version: response.version,
    nonce: response.nonce,
    resources: response.resources,
    ...(response.resourceVersions === undefined ? {} : { resourceVersions: response.resourceVersions }),
    ...(response.removed === undefined ? {} : { removed: response.removed }),
  };
}
