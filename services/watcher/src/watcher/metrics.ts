import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { TYPE_SHORT_NAMES, TYPE_URLS, type Snapshot } from '@sesame/shared';

/** The watcher's Prometheus metrics (Contour has the same family: contour_dagrebuild_*). */
export interface WatcherMetrics {
  /** Records one rebuild: how it ended (`standby`: translated but not leading) and how long it took. */
  rebuilt(outcome: 'published' | 'unchanged' | 'standby' | 'failed', seconds: number): void;
  /** Records what the published snapshot holds and how many problems the input had. */
  published(snapshot: Snapshot, diagnostics: number): void;
}

/** Registers the metrics in `registry` (a private one when none is given, so callers need not care). */
export function createWatcherMetrics(registry: Registry = new Registry()): WatcherMetrics {
  const rebuilds = new Counter({
    name: 'sesame_watcher_rebuilds_total',
    help: 'Snapshot rebuilds, by outcome (published, unchanged, standby, failed).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'sesame_watcher_rebuild_duration_seconds',
    help: 'Time to read the source, translate and publish one snapshot.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const resources = new Gauge({
    name: 'sesame_watcher_resources',
    help: 'Resources in the last published snapshot, by xDS type.',
    labelNames: ['type'] as const,
    registers: [registry],
  });
  const diagnosticsGauge = new Gauge({
    name: 'sesame_watcher_diagnostics',
    help: 'Problems found in the input of the last published snapshot (objects or routes left out).',
    registers: [registry],
  });
  const lastPublish = new Gauge({
    name: 'sesame_watcher_last_publish_timestamp_seconds',
    help: 'When the watcher last published a new snapshot.',
    registers: [registry],
  });
  return {
    rebuilt(outcome, seconds) {
      rebuilds.inc({ outcome });
      duration.observe(seconds);
      if (outcome === 'published') lastPublish.setToCurrentTime();
    },
    published(snapshot, diagnostics) {
      for (const typeUrl of TYPE_URLS) {
        resources.set({ type: TYPE_SHORT_NAMES[typeUrl] }, snapshot.types.get(typeUrl)?.resources.size ?? 0);
      }
      diagnosticsGauge.set(diagnostics);
    },
  };
}
