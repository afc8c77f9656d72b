import type { Command } from 'commander';
import { createLogger } from '@sesame/shared';
import { booleanFlag, flag, logLevelFlag } from '../flags.js';
import { CommandError, requireConfig } from '../run.js';
import { busBinary } from '../stack/bus-server.js';
import { findBinary } from '../stack/find-binary.js';
import { runStack, StackFailure } from '../stack/run-stack.js';
import {
  childEnvironment,
  DEFAULT_MANIFESTS,
  MAX_EDGES,
  parseStackConfig,
  type StackConfig,
} from '../stack/stack-config.js';

/** Where each bus server comes from on Debian and Ubuntu, for the message when it is missing. */
const INSTALL_HINT: Record<StackConfig['bus'], string> = {
  nats: 'apt-get install nats-server, or use --bus redis',
  redis: 'apt-get install redis-server, or use --bus nats',
};

/** `sesame stack`: the split deployment (bus server, watcher, N edges) as processes on this machine. */
export function stackCommand(program: Command): void {
  program
    .command('stack')
    .description(
      'run the split deployment locally without Docker: nats-server or redis-server from PATH, the watcher ' +
        'and N xDS edges as processes; Ctrl-C stops them all',
    )
    .addOption(flag('--bus <kind>', 'bus server to run: nats (nats-server) or redis (redis-server)', 'nats'))
    .addOption(flag('--edges <n>', `number of xDS edges, 1 to ${MAX_EDGES}`, '3'))
    .addOption(flag('--manifests <dir>', 'folder of Kubernetes YAML manifests to serve', DEFAULT_MANIFESTS))
    .addOption(flag('--dir <dir>', 'state: certificates, bus key, bus server data and logs', '.sesame/stack'))
    .addOption(flag('--bus-port <port>', 'bus server port (0: any free port)', '0'))
    .addOption(
      flag('--xds-base-port <port>', 'xDS port of the first edge, the next ones follow (0: free ports)', '0'),
    )
    .addOption(
      flag('--admin-base-port <port>', "watcher's admin port, the edges' follow (0: free ports)", '0'),
    )
    .addOption(
      booleanFlag('--follow', "copy every process's log lines to stdout, not only warnings and errors"),
    )
    .addOption(flag('--ready-timeout-ms <ms>', 'how long every part has to become ready', '60000'))
    .addOption(flag('--grace-ms <ms>', 'on stop, how long a process has before it is killed', '10000'))
    .addOption(logLevelFlag())
    .action(async (raw: Record<string, unknown>) => {
      const config = requireConfig('stack', parseStackConfig(raw));
      const binary = busBinary(config.bus);
      const path = findBinary(binary, process.env['PATH'] ?? '');
      if (path === undefined) {
        throw new CommandError(
          `sesame stack: ${binary} not found on PATH (needed for --bus ${config.bus}); ` +
            `install it (${INSTALL_HINT[config.bus]})`,
          1,
        );
      }
      // stdout carries JSON lines only (the stack's log and its children's); the summary is for people.
      const logger = createLogger({ level: config.logLevel, name: 'stack', destination: process.stdout });
      try {
        await runStack(config, {
          logger,
          busBinary: path,
          env: childEnvironment(process.env),
          cwd: process.cwd(),
          out: (line) => process.stdout.write(`${line}\n`),
          print: (text) => process.stderr.write(text),
        });
      } catch (err) {
        if (err instanceof StackFailure) throw new CommandError(`sesame stack: ${err.message}`, 1);
        throw err;
      }
    });
}
