import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parse } from 'yaml';
import { buildProgram } from '@sesame/cli';

/** The parts of a Compose service these checks read. */
export interface ComposeService {
  image?: string;
  build?: string | { context: string };
  user?: string;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  deploy?: { replicas?: number };
  healthcheck?: { test: string[] };
  networks?: Record<string, { ipv4_address?: string } | null>;
}

/** A Compose file as written (merge keys applied, variables not interpolated). */
export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  networks?: Record<string, { ipam?: { config?: Array<{ subnet?: string; ip_range?: string }> } }>;
}

/** Reads a Compose file with YAML merge keys (`<<: *anchor`), as Compose does. */
export function loadCompose(path: string): ComposeFile {
  return parse(readFileSync(path, 'utf8'), { merge: true }) as ComposeFile;
}

/** One volume entry `SOURCE:TARGET[:MODE]`. */
export interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
  /** A named volume rather than a host path. */
  named: boolean;
}

/** The service's volume entries, parsed. */
export function mounts(service: ComposeService): Mount[] {
  return (service.volumes ?? []).map((entry) => {
    const [source = '', target = '', mode] = entry.split(':');
    return { source, target, readOnly: mode === 'ro', named: !/^[./~]/.test(source) };
  });
}

/** `${NAME:-default}` → default; anything else unchanged. */
export function defaultOf(value: string): string {
  return /^\$\{[A-Z_]+:-(.*)\}$/.exec(value)?.[1] ?? value;
}

/** What the CLI made of a command line, without running it. */
export interface DryRun {
  command: string;
  args: string[];
  options: Record<string, unknown>;
  /** `--flag` → its environment variable, for every option of the command. */
  envNames: Map<string, string>;
}

/**
 * Parses `args` with the real `sesame` program, every command's action replaced by a recorder, and `env` as
 * the only SESAME_* variables: unknown commands or flags, missing arguments and bad choices throw as they
 * would in a container.
 */
export function dryRun(args: readonly string[], env: Record<string, string> = {}): DryRun {
  const program = buildProgram();
  const errors: string[] = [];
  const output = { writeOut: () => {}, writeErr: (s: string) => errors.push(s) };
  program.configureOutput(output);
  let recorded: DryRun | undefined;
  for (const command of program.commands) {
    command.configureOutput(output);
    command.action((...received: unknown[]) => {
      const self = received.at(-1) as Command;
      recorded = {
        command: self.name(),
        args: self.args,
        options: self.opts(),
        envNames: new Map(
          self.options.flatMap((o) =>
            o.long !== undefined && o.envVar !== undefined ? [[o.long, o.envVar]] : [],
          ),
        ),
      };
    });
  }
  const saved = { ...process.env };
  for (const name of Object.keys(process.env)) if (name.startsWith('SESAME_')) delete process.env[name];
  Object.assign(process.env, env);
  try {
    program.parse([...args], { from: 'user' });
  } catch (err) {
    throw new Error(`sesame ${args.join(' ')}: ${errors.join('').trim() || (err as Error).message}`);
  } finally {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  }
  if (recorded === undefined) throw new Error(`sesame ${args.join(' ')}: no command ran`);
  return recorded;
}

/** `docker-compose` (Debian's package, what .ci/run installs), when it is on PATH. */
export function dockerCompose(): string | undefined {
  const probe = spawnSync('docker-compose', ['version'], { stdio: 'ignore' });
  return probe.error === undefined && probe.status === 0 ? 'docker-compose' : undefined;
}
