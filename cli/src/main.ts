import { Command, CommanderError } from 'commander';
import { bootstrapCommand } from './commands/bootstrap.js';
import { certgenCommand } from './commands/certgen.js';
import { edgeCommand } from './commands/edge.js';
import { localCommand } from './commands/local.js';
import { stackCommand } from './commands/stack.js';
import { watcherCommand } from './commands/watcher.js';
import { xdsCommand } from './commands/xds.js';
import { CommandError } from './run.js';

/** The `sesame` command line: every command, each with --help and SESAME_* environment variables. */
export function buildProgram(): Command {
  const program = new Command('sesame')
    .description('Sesame: a split control plane that turns Envoy into the ingress of a Kubernetes cluster')
    .exitOverride();
  localCommand(program);
  stackCommand(program);
  watcherCommand(program);
  edgeCommand(program);
  certgenCommand(program);
  bootstrapCommand(program);
  xdsCommand(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** Runs the CLI; resolves to the process exit code. Errors are one line on stderr. */
export async function runCli(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander has already printed its message (and the help, for --help).
      return err.exitCode;
    }
    if (err instanceof CommandError) {
      process.stderr.write(`${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`sesame: ${(err as Error).message}\n`);
    return 1;
  }
}
