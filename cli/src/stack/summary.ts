import { isAbsolute, join, relative } from 'node:path';
import { formatHostPort, type HostPort } from '@sesame/shared';

/** Where one xDS edge of the stack listens. */
export interface EdgeEndpoint {
  readonly name: string;
  readonly pid: number | undefined;
  readonly xds: HostPort;
  readonly admin: HostPort;
}

/** Everything the running stack's summary tells. */
export interface StackSummary {
  readonly bus: {
    readonly kind: string;
    /** The server program, e.g. nats-server. */
    readonly server: string;
    readonly url: string;
    readonly pid: number | undefined;
    readonly dataDir: string;
  };
  readonly watcher: {
    readonly pid: number | undefined;
    readonly admin: HostPort;
    readonly manifests: string;
  };
  readonly edges: readonly EdgeEndpoint[];
  /** The certgen `--out-dir`: `ca/`, `edge/`, `envoy/`. */
  readonly certs: string;
  readonly logs: string;
}

/** A word as a POSIX shell reads it back unchanged. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `path` relative to `cwd` when it lies inside it (shorter to paste), absolute otherwise. */
export function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  if (rel === '') return '.';
  return rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

/** The commands that show what an Envoy would receive from `edge`, and point a real Envoy at it. */
export function tryCommands(
  summary: StackSummary,
  edge: EdgeEndpoint,
  cwd: string,
): {
  xds: string;
  bootstrap: string;
} {
  const envoyTls = (file: string): string => shellQuote(displayPath(join(summary.certs, 'envoy', file), cwd));
  const xds = [
    'npx sesame xds',
    `--server ${formatHostPort(edge.xds)}`,
    `--tls-dir ${shellQuote(displayPath(join(summary.certs, 'envoy'), cwd))}`,
    '--type all',
  ].join(' ');
  // Long: continued over lines as a shell reads them back.
  const bootstrap = [
    `npx sesame bootstrap envoy.json --xds-address ${edge.xds.host} --xds-port ${edge.xds.port}`,
    `--cafile ${envoyTls('ca.crt')} --cert-file ${envoyTls('tls.crt')} --key-file ${envoyTls('tls.key')}`,
  ].join(' \\\n    ');
  return { xds, bootstrap };
}

/** The human summary printed once every part is ready: where everything listens and what to try. */
export function formatSummary(summary: StackSummary, cwd: string): string {
  const first = summary.edges[0];
  const http = (address: HostPort): string => `http://${formatHostPort(address)}`;
  const rows: Array<[string, string]> = [
    ['bus', `${summary.bus.url} (${summary.bus.server}, data in ${displayPath(summary.bus.dataDir, cwd)})`],
    [
      'watcher',
      `admin ${http(summary.watcher.admin)}, manifests ${displayPath(summary.watcher.manifests, cwd)}`,
    ],
    ...summary.edges.map((e): [string, string] => [
      e.name,
      `xDS ${formatHostPort(e.xds)} (mTLS), admin ${http(e.admin)}`,
    ]),
    ['certs', displayPath(summary.certs, cwd)],
    ['logs', displayPath(summary.logs, cwd)],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = [
    `sesame stack is ready: watcher, ${summary.bus.kind} bus and ${summary.edges.length} xDS edge(s)`,
    ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`),
  ];
  if (first !== undefined) {
    const commands = tryCommands(summary, first, cwd);
    lines.push(
      '',
      'What an Envoy receives (any edge serves the same):',
      `  ${commands.xds}`,
      'Point a real Envoy at an edge:',
      `  ${commands.bootstrap}`,
      '  envoy -c envoy.json',
    );
  }
  lines.push(
    '',
    'Edit a file in the manifests folder and every edge serves the change. Ctrl-C stops everything.',
  );
  return `${lines.join('\n')}\n`;
}
