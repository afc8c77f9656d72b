// Looking at processes from outside, as an operator would: CPU and memory from /proc, metrics from the admin
// endpoint. Shared by the fault suite and the end-to-end benchmark.
import { readdirSync, readFileSync } from 'node:fs';

/** CPU time and memory of one process, from /proc/<pid>/stat and /proc/<pid>/status. */
export interface ProcessStats {
  /** User + system CPU time so far, in milliseconds. */
  readonly cpuMs: number;
  /** Resident set size now, in bytes. */
  readonly rssBytes: number;
  /** Peak resident set size, in bytes. */
  readonly peakRssBytes: number;
}

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** Reads a process's CPU and memory; undefined when it is gone. */
export function processStats(pid: number): ProcessStats | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces; the fields after its closing parenthesis are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string): number =>
      Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return {
      cpuMs: (ticks * 1000) / TICKS_PER_SECOND,
      rssBytes: kb('VmRSS') * 1024,
      peakRssBytes: kb('VmHWM') * 1024,
    };
  } catch {
    return undefined;
  }
}

/** Pids of the direct children of `parent` whose command name is `name` (e.g. the bus server it spawned). */
export function childPids(parent: number, name: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (comm === name && ppid === parent) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** GETs an admin path (`/metrics`, `/readyz`, …) of `admin` (`host:port`). */
export async function adminGet(admin: string, path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://${admin}${path}`);
  return { status: response.status, body: await response.text() };
}

/** The sum of a metric's samples in Prometheus text whose labels include `labels`. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (m === null || m[1] !== name) continue;
    const labelText = m[2] ?? '';
    if (!Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) continue;
    sum += Number(m[3]);
  }
  return sum;
}

/** Scrapes one metric from a process's admin endpoint. */
export async function scrapeMetric(
  admin: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  return metricValue((await adminGet(admin, '/metrics')).body, name, labels);
}

/** Polls `check` until it returns true, failing with `what` at the deadline. */
export async function pollUntil(
  check: () => boolean | Promise<boolean>,
  options: { timeoutMs: number; what: string; intervalMs?: number },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what}`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 50));
  }
}
