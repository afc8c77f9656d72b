// One asynchronous interface to a fleet, whether it runs in this process or in a child process of its own
// (fleet-process.ts), plus waiting on the fleet's state with a deadline.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createFleet, type ArmResult, type FleetOptions, type FleetSummary } from './fleet.js';
import type { FleetReply, FleetRequest } from './fleet-protocol.js';
import type { ArmSpec, EnvoyState } from './envoy-state.js';
import { createMemorySampler, type FleetMemory, type MemorySampler } from './fleet-memory.js';

/** A fleet, wherever it runs. */
export interface FleetHandle {
  /** The process the Envoys run in. */
  readonly pid: number;
  start(): Promise<{ readonly ms: number }>;
  summary(): Promise<FleetSummary>;
  states(): Promise<EnvoyState[]>;
  /** Resolves once every Envoy is armed (make the change then); `done` resolves when all ACKed it. */
  arm(spec: ArmSpec, timeoutMs: number): Promise<{ readonly done: Promise<ArmResult> }>;
  setServers(servers: readonly string[]): Promise<void>;
  disconnect(count: number): Promise<void>;
  /** The fleet process's memory and CPU, with peaks since the last reset (sampling starts on first call). */
  memory(reset?: boolean): Promise<FleetMemory>;
  /** Closes every stream (and ends the child process). */
  close(): Promise<void>;
}

/** A fleet in this process (small fleets, unit tests). */
export function inProcessFleet(options: FleetOptions): FleetHandle {
  const fleet = createFleet(options);
  let sampler: MemorySampler | undefined;
  return {
    pid: process.pid,
    start: () => fleet.start(),
    summary: () => Promise.resolve(fleet.summary()),
    states: () => Promise.resolve(fleet.states()),
    arm: (spec, timeoutMs) => Promise.resolve({ done: fleet.arm(spec, timeoutMs) }),
    setServers: (servers) => Promise.resolve(fleet.setServers(servers)),
    disconnect: (count) => Promise.resolve(fleet.disconnect(count)),
    memory: (reset = false) => Promise.resolve((sampler ??= createMemorySampler()).read(reset)),
    close: () => {
      sampler?.close();
      return Promise.resolve(fleet.close());
    },
  };
}

const ENTRY = fileURLToPath(new URL('./fleet-process.ts', import.meta.url));

/** A fleet in a child process (`node --import tsx`), controlled over IPC. */
export async function startFleetProcess(
  options: FleetOptions,
  processOptions: { heapMb?: number } = {},
): Promise<FleetHandle> {
  const child: ChildProcess = fork(ENTRY, [], {
    execArgv: ['--import', 'tsx', '--expose-gc', `--max-old-space-size=${processOptions.heapMb ?? 4096}`],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    // glibc raises its mmap threshold to the largest buffer freed (up to 32 MiB), after which multi-MiB
    // response buffers come from the heap and fragment it: RSS then stays at the peak. A fixed threshold
    // keeps big buffers in mmap, returned to the system when freed.
    env: { ...process.env, MALLOC_MMAP_THRESHOLD_: String(128 * 1024) },
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const finals = new Map<number, (v: unknown) => void>();
  let nextId = 1;
  let exitError: Error | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exitError = new Error(`the fleet process exited (code ${code}, signal ${signal})`);
      for (const p of pending.values()) p.reject(exitError);
      pending.clear();
      resolve();
    }),
  );
  child.on('message', (message: FleetReply) => {
    if ('final' in message) {
      finals.get(message.id)?.(message.final);
      finals.delete(message.id);
      return;
    }
    const p = pending.get(message.id);
    if (p === undefined) return;
    pending.delete(message.id);
    if (message.ok) p.resolve(message.value);
    else p.reject(new Error(`fleet: ${message.error}`));
  });
  const call = <T>(request: FleetRequest): Promise<T> => {
    if (exitError !== undefined) return Promise.reject(exitError);
    return new Promise<T>((resolve, reject) => {
      pending.set(request.id, { resolve: resolve as (v: unknown) => void, reject });
      child.send(request);
    });
  };
  const id = (): number => nextId++;
  try {
    await call({ id: id(), op: 'create', options });
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    pid: child.pid ?? 0,
    start: () => call({ id: id(), op: 'start' }),
    summary: () => call({ id: id(), op: 'summary' }),
    states: () => call({ id: id(), op: 'states' }),
    async arm(spec, timeoutMs) {
      const armId = id();
      const done = new Promise<ArmResult>((resolve) => finals.set(armId, resolve as (v: unknown) => void));
      await call({ id: armId, op: 'arm', spec, timeoutMs });
      return { done };
    },
    setServers: (servers) => call({ id: id(), op: 'set-servers', servers }),
    disconnect: (count) => call({ id: id(), op: 'disconnect', count }),
    memory: (reset = false) => call({ id: id(), op: 'memory', reset }),
    async close() {
      if (exitError === undefined) {
        await call({ id: id(), op: 'close' }).catch(() => undefined);
        child.disconnect();
      }
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Polls the fleet's summary until `predicate` holds; rejects at the deadline with `what` and the last summary.
 * Polling (not sleeping) is how a test waits on another process's state.
 */
export async function waitForFleet(
  fleet: FleetHandle,
  predicate: (summary: FleetSummary) => boolean,
  options: { timeoutMs: number; what: string; intervalMs?: number },
): Promise<FleetSummary> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const summary = await fleet.summary();
    if (predicate(summary)) return summary;
    if (Date.now() > deadline) {
      throw new Error(
        `fleet: ${options.what} not reached within ${options.timeoutMs} ms; last summary: ${JSON.stringify(summary)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
  }
}
