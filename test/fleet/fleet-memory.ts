// The fleet process's own memory and CPU, sampled often enough to catch the peak of a burst of responses
// (process.memoryUsage every 20 ms), so that benchmarks can report what a fleet costs per Envoy.

/** Memory (bytes) and CPU (microseconds) of the process a fleet runs in. */
export interface FleetMemory {
  readonly rss: number;
  readonly heapUsed: number;
  readonly arrayBuffers: number;
  /** Highest values sampled since the last reset. */
  readonly peakRss: number;
  readonly peakHeapUsed: number;
  readonly peakArrayBuffers: number;
  /** CPU time since the last reset. */
  readonly cpuUserUs: number;
  readonly cpuSystemUs: number;
}

/** Samples this process's memory until closed. */
export interface MemorySampler {
  /** The current values and the peaks; `reset` starts new peaks and a new CPU interval after reading. */
  read(reset: boolean): FleetMemory;
  close(): void;
}

const INTERVAL_MS = 20;

/** Starts sampling. */
export function createMemorySampler(): MemorySampler {
  let peak = { rss: 0, heapUsed: 0, arrayBuffers: 0 };
  let cpu = process.cpuUsage();
  const sample = (): NodeJS.MemoryUsage => {
    const m = process.memoryUsage();
    peak = {
      rss: Math.max(peak.rss, m.rss),
      heapUsed: Math.max(peak.heapUsed, m.heapUsed),
      arrayBuffers: Math.max(peak.arrayBuffers, m.arrayBuffers),
    };
    return m;
  };
  const timer = setInterval(sample, INTERVAL_MS);
  timer.unref();
  sample();
  return {
    read(reset) {
      const m = sample();
      const used = process.cpuUsage(cpu);
      const result: FleetMemory = {
        rss: m.rss,
        heapUsed: m.heapUsed,
        arrayBuffers: m.arrayBuffers,
        peakRss: peak.rss,
        peakHeapUsed: peak.heapUsed,
        peakArrayBuffers: peak.arrayBuffers,
        cpuUserUs: used.user,
        cpuSystemUs: used.system,
      };
      if (reset) {
        peak = { rss: m.rss, heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers };
        cpu = process.cpuUsage();
      }
      return result;
    },
    close: () => clearInterval(timer),
  };
}
