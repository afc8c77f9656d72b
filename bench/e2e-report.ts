// What the end-to-end benchmark (e2e.ts) reports: the figures of each run, printed as tables, and a chart of
// propagation latency against size written by hand as SVG (bars on a log scale, one panel per source and bus).
import type { ChangeKind } from './e2e-cluster.js';

/** A distribution. */
export interface Stats {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly samples: number;
}

/** One kind of change, over its rounds. */
export interface ChangeResult {
  readonly kind: ChangeKind;
  readonly rounds: number;
  /** Source change → each Envoy's ACK of it, over every Envoy and round. */
  readonly perEnvoyMs: Stats;
  /** Source change → the last Envoy's ACK, one sample per round. */
  readonly lastAckMs: Stats;
  /** Envoys that had not ACKed when a round's deadline passed (summed over rounds). */
  readonly missing: number;
  /** Per change (median): bytes written to the bus, and received by all Envoys together. */
  readonly busBytes: number;
  readonly envoyBytes: number;
  /** Per change (median): CPU time of each process, in ms. */
  readonly cpuMs: Readonly<Record<string, number>>;
}

/** One deployment size. */
export interface RunResult {
  readonly source: 'folder' | 'kube';
  readonly bus: 'nats' | 'redis';
  readonly proxies: number;
  readonly envoys: number;
  /** Resources per type in the snapshot. */
  readonly resources: Readonly<Record<string, number>>;
  /** Watcher start → first snapshot on the bus. */
  readonly watcherFirstPublishMs: number;
  /** Edge process start → serving the full snapshot, per edge (the three start together). */
  readonly edgeColdStartMs: readonly number[];
  /** Every Envoy connected and holding the full configuration (in batches of 100). */
  readonly fleetConnectMs: number;
  /** What one Envoy receives to start. */
  readonly fullStateBytesPerEnvoy: number;
  readonly changes: readonly ChangeResult[];
  /** At the end of the run, and at the peak, in MiB. */
  readonly rssMiB: Readonly<Record<string, number>>;
  readonly peakRssMiB: Readonly<Record<string, number>>;
  /** The day the run was measured (absent in the first runs, 2026-11-21). */
  readonly measuredOn?: string;
  /** kill -9 of one edge with its share of the Envoys connected (absent in runs from before it was measured). */
  readonly edgeKill?: EdgeKillResult;
}

/** What killing an edge cost: its Envoys reconnect to the others, and every Envoy converges. */
export interface EdgeKillResult {
  /** Envoys connected to the killed edge. */
  readonly envoysMoved: number;
  /** kill → every Envoy connected to a surviving edge. */
  readonly reconnectedMs: number;
  /** kill → every Envoy ACKed the latest version of every type. */
  readonly convergedMs: number;
  /** Responses carrying an older marker than one already ACKed (must be 0). */
  readonly violations: number;
}

/** The results file. */
export interface E2eResults {
  readonly date: string;
  readonly machine: { readonly cpus: number; readonly memoryGiB: number; readonly node: string };
  readonly holdoffMs: number;
  readonly holdoffMaxMs: number;
  readonly targetMs: number;
  readonly runs: RunResult[];
}

/** The nearest-rank percentile of unsorted values. */
export function stats(values: readonly number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number): number =>
    sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? NaN;
  return { p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? NaN, samples: sorted.length };
}

/** The median. */
export function median(values: readonly number[]): number {
  return stats(values).p50;
}

const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const kib = (bytes: number): string => fmt(bytes / 1024, bytes < 10 * 1024 ? 1 : 0);

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]): string => `| ${r.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')} |`;
  return [
    line(rows[0]!),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.slice(1).map(line),
  ].join('\n');
}

const order = (a: RunResult, b: RunResult): number =>
  a.source.localeCompare(b.source) ||
  a.bus.localeCompare(b.bus) ||
  a.proxies - b.proxies ||
  a.envoys - b.envoys;

/** The propagation table (Markdown): one row per run and kind of change. */
export function propagationTable(results: E2eResults): string {
  const rows = [
    [
      'source',
      'bus',
      'proxies',
      'Envoys',
      'change',
      'p50 ms',
      'p99 ms',
      'max ms',
      'last ACK p50 ms',
      'bus KiB',
      'to Envoys KiB',
      'per Envoy KiB',
      'CPU ms (watcher / edges / fleet)',
    ],
  ];
  for (const run of [...results.runs].sort(order)) {
    for (const c of run.changes) {
      const edges = Object.entries(c.cpuMs)
        .filter(([name]) => name.startsWith('edge'))
        .reduce((sum, [, ms]) => sum + ms, 0);
      rows.push([
        run.source,
        run.bus,
        run.proxies.toLocaleString('en-US'),
        run.envoys.toLocaleString('en-US'),
        c.kind,
        fmt(c.perEnvoyMs.p50),
        fmt(c.perEnvoyMs.p99),
        fmt(c.perEnvoyMs.max),
        fmt(c.lastAckMs.p50),
        kib(c.busBytes),
        kib(c.envoyBytes),
        kib(c.envoyBytes / run.envoys),
        `${fmt(c.cpuMs['watcher'] ?? NaN)} / ${fmt(edges)} / ${fmt(c.cpuMs['fleet'] ?? NaN)}`,
      ]);
    }
  }
  return table(rows);
}

/** The start-up and memory table (Markdown): one row per run. */
export function processTable(results: E2eResults): string {
  const rows = [
    [
      'source',
      'bus',
      'proxies',
      'Envoys',
      'resources',
      'first publish s',
      'edge cold start s',
      'fleet connect s',
      'per Envoy MiB',
      'RSS MiB (watcher / bus / edges / fleet)',
      'edge kill -9: Envoys moved / reconnected s / converged s',
      'measured',
    ],
  ];
  for (const run of [...results.runs].sort(order)) {
    const rss = run.peakRssMiB;
    const edges = Object.entries(rss)
      .filter(([name]) => name.startsWith('edge'))
      .map(([, mib]) => fmt(mib))
      .join('+');
    rows.push([
      run.source,
      run.bus,
      run.proxies.toLocaleString('en-US'),
      run.envoys.toLocaleString('en-US'),
      Object.values(run.resources)
        .reduce((a, b) => a + b, 0)
        .toLocaleString('en-US'),
      fmt(run.watcherFirstPublishMs / 1000, 1),
      fmt(Math.max(...run.edgeColdStartMs) / 1000, 1),
      fmt(run.fleetConnectMs / 1000, 1),
      fmt(run.fullStateBytesPerEnvoy / 2 ** 20, 1),
      `${fmt(rss['watcher'] ?? NaN)} / ${fmt(rss['bus'] ?? NaN)} / ${edges} / ${fmt(rss['fleet'] ?? NaN)}`,
      run.edgeKill === undefined
        ? '-'
        : `${run.edgeKill.envoysMoved} / ${fmt(run.edgeKill.reconnectedMs / 1000, 1)} / ${fmt(run.edgeKill.convergedMs / 1000, 1)}` +
          (run.edgeKill.violations > 0 ? ` (${run.edgeKill.violations} older versions sent!)` : ''),
      run.measuredOn ?? '2026-11-21',
    ]);
  }
  return table(rows);
}

const COLORS: Readonly<Record<ChangeKind, string>> = {
  endpoint: '#1f77b4',
  proxy: '#ff7f0e',
  secret: '#2ca02c',
};

const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/**
 * The chart: p99 propagation (source change → Envoy ACK) per kind of change, grouped by size, one panel per
 * source and bus; the p50 as a dot; log scale; the target as a dashed line.
 */
export function propagationSvg(results: E2eResults): string {
  const panels = new Map<string, RunResult[]>();
  for (const run of [...results.runs].sort(order)) {
    const key = `${run.source === 'kube' ? 'Kubernetes API' : 'manifests folder'}, ${run.bus === 'nats' ? 'NATS' : 'Redis'} bus`;
    panels.set(key, [...(panels.get(key) ?? []), run]);
  }
  const all = results.runs.flatMap((r) => r.changes.flatMap((c) => [c.perEnvoyMs.p99, c.perEnvoyMs.p50]));
  const lo = 10;
  const hi = 10 ** Math.ceil(Math.log10(Math.max(results.targetMs * 2, ...all.filter(Number.isFinite))));
  const width = 1000;
  const panelHeight = 250;
  const left = 70;
  const plotWidth = width - left - 210;
  const plotHeight = panelHeight - 80;
  const out: string[] = [];
  const height = 40 + panels.size * panelHeight;
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${left}" y="22" font-size="15" font-weight="bold">Sesame: propagation from a source change to the Envoy ACK (p99 bars, p50 dots; log scale)</text>`,
  );
  let top = 40;
  for (const [title, runs] of panels) {
    const y = (ms: number): number =>
      top +
      30 +
      plotHeight -
      ((Math.log10(Math.max(ms, lo)) - Math.log10(lo)) / Math.log10(hi / lo)) * plotHeight;
    out.push(`<text x="${left}" y="${top + 16}" font-weight="bold">${escape(title)}</text>`);
    for (let decade = lo; decade <= hi; decade *= 10) {
      const label = decade >= 1000 ? `${decade / 1000} s` : `${decade} ms`;
      out.push(
        `<line x1="${left}" x2="${left + plotWidth}" y1="${y(decade)}" y2="${y(decade)}" stroke="#ddd"/>`,
        `<text x="${left - 6}" y="${y(decade) + 4}" text-anchor="end" fill="#555">${label}</text>`,
      );
    }
    const target = y(results.targetMs);
    out.push(
      `<line x1="${left}" x2="${left + plotWidth}" y1="${target}" y2="${target}" stroke="#d62728" stroke-dasharray="6 4"/>`,
      `<text x="${left + plotWidth + 6}" y="${target + 4}" fill="#d62728">target ${results.targetMs} ms</text>`,
    );
    const groupWidth = plotWidth / Math.max(1, runs.length);
    runs.forEach((run, g) => {
      const x0 = left + g * groupWidth;
      const bar = Math.min(36, (groupWidth - 20) / Math.max(1, run.changes.length));
      run.changes.forEach((c, b) => {
        const x = x0 + (groupWidth - bar * run.changes.length) / 2 + b * bar;
        const top99 = y(c.perEnvoyMs.p99);
        out.push(
          `<rect x="${x + 2}" y="${top99}" width="${bar - 4}" height="${y(lo) - top99}" fill="${COLORS[c.kind]}"><title>${c.kind}: p50 ${fmt(c.perEnvoyMs.p50)} ms, p99 ${fmt(c.perEnvoyMs.p99)} ms, max ${fmt(c.perEnvoyMs.max)} ms</title></rect>`,
          `<circle cx="${x + bar / 2}" cy="${y(c.perEnvoyMs.p50)}" r="3" fill="#000"/>`,
        );
      });
      const cx = x0 + groupWidth / 2;
      out.push(
        `<text x="${cx}" y="${y(lo) + 15}" text-anchor="middle">${run.proxies.toLocaleString('en-US')} HTTPProxies</text>`,
        `<text x="${cx}" y="${y(lo) + 29}" text-anchor="middle">× ${run.envoys.toLocaleString('en-US')} Envoys</text>`,
      );
    });
    top += panelHeight;
  }
  (['endpoint', 'proxy', 'secret'] as const).forEach((kind, i) => {
    const name = {
      endpoint: 'endpoint change (EDS)',
      proxy: 'HTTPProxy change (RDS)',
      secret: 'TLS secret (LDS+SDS)',
    }[kind];
    out.push(
      `<rect x="${left + plotWidth + 6}" y="${60 + i * 18}" width="12" height="12" fill="${COLORS[kind]}"/>`,
      `<text x="${left + plotWidth + 22}" y="${70 + i * 18}">${name}</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** Not a benchmark of its own: e2e.ts uses it. */
export function main(): Promise<void> {
  console.error('e2e-report is part of `npm run bench -- e2e`');
  process.exitCode = 2;
  return Promise.resolve();
}
