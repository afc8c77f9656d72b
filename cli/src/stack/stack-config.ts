import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseNonNegativeInt, type LogLevel, type Result } from '@sesame/shared';
import { ConfigProblems, text } from '../config-errors.js';
import { BUS_KINDS, type BusKind } from './bus-server.js';

/** The manifests shipped with Sesame, used when the default folder is not under the working directory. */
const BUNDLED_MANIFESTS = fileURLToPath(new URL('../../../examples/manifests', import.meta.url));

/** The default `--manifests`, as `sesame local` has it. */
export const DEFAULT_MANIFESTS = 'examples/manifests';

/** The most edges one stack runs: each is a Node.js process. */
export const MAX_EDGES = 16;

/** `sesame stack`'s settings, parsed once and frozen. */
export interface StackConfig {
  readonly bus: BusKind;
  readonly edges: number;
  readonly manifests: string;
  /** State: `certs/`, `bus.key`, `<bus>/` (the bus server's data) and `logs/`. */
  readonly dir: string;
  /** The address every part listens on. */
  readonly host: string;
  /** 0: any free port. */
  readonly busPort: number;
  /** 0: any free port; otherwise edge i (from 0) serves xDS on base + i. */
  readonly xdsBasePort: number;
  /** 0: any free port; otherwise the watcher's admin is on base and edge i's on base + 1 + i. */
  readonly adminBasePort: number;
  /** Copy every child's log lines to stdout, not only warnings and errors. */
  readonly follow: boolean;
  readonly readyTimeoutMs: number;
  /** How long a child has to exit after SIGTERM before it gets SIGKILL. */
  readonly graceMs: number;
  readonly logLevel: LogLevel;
}

/** Reads `sesame stack`'s flags, every problem at once. */
export function parseStackConfig(raw: Record<string, unknown>): Result<StackConfig> {
  const p = new ConfigProblems();
  const bus = text(raw['bus']);
  if (!(BUS_KINDS as readonly string[]).includes(bus)) {
    p.add('--bus', `expected ${BUS_KINDS.join(' or ')}, got "${bus}"`);
  }
  const int = (name: string, key: string): number | undefined =>
    p.take(name, parseNonNegativeInt(text(raw[key])));
  const edges = int('--edges', 'edges');
  if (edges !== undefined && (edges < 1 || edges > MAX_EDGES)) {
    p.add('--edges', `expected 1 to ${MAX_EDGES}, got ${edges}`);
  }
  const port = (name: string, key: string, span: number): number | undefined => {
    const n = int(name, key);
    if (n !== undefined && n + span - 1 > 65535) {
      p.add(name, `ports ${n} to ${n + span - 1} do not all fit below 65536`);
    }
    return n;
  };
  const busPort = port('--bus-port', 'busPort', 1);
  const xdsBasePort = port('--xds-base-port', 'xdsBasePort', edges ?? 1);
  const adminBasePort = port('--admin-base-port', 'adminBasePort', (edges ?? 1) + 1);
  const readyTimeoutMs = int('--ready-timeout-ms', 'readyTimeoutMs');
  const graceMs = int('--grace-ms', 'graceMs');
  const manifests = resolveManifests(text(raw['manifests']));
  if (manifests === undefined) p.add('--manifests', `folder "${text(raw['manifests'])}" does not exist`);
  const dir = text(raw['dir']);
  if (dir === '') p.add('--dir', 'must not be empty');
  return p.finish<StackConfig>(() => ({
    bus: bus as BusKind,
    edges: edges!,
    manifests: manifests!,
    dir: resolve(dir),
    host: '127.0.0.1',
    busPort: busPort!,
    xdsBasePort: xdsBasePort!,
    adminBasePort: adminBasePort!,
    follow: raw['follow'] === true,
    readyTimeoutMs: readyTimeoutMs!,
    graceMs: graceMs!,
    logLevel: raw['logLevel'] as LogLevel,
  }));
}

function resolveManifests(dir: string): string | undefined {
  if (dir === '') return undefined;
  const wanted = resolve(dir);
  if (existsSync(wanted)) return wanted;
  // `npx sesame stack` outside the repository still finds the examples it ships with.
  if (dir === DEFAULT_MANIFESTS && existsSync(BUNDLED_MANIFESTS)) return BUNDLED_MANIFESTS;
  return undefined;
}

/**
 * The environment of the children: this one without its `SESAME_*` variables, so that each child is
 * configured by the flags the stack gives it and nothing else (`SESAME_BUS=redis` means something else
 * to `stack` than to `watcher`).
 */
export function childEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('SESAME_')));
}
