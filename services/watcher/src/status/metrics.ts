import { Counter, Histogram, Registry } from 'prom-client';

/** How a status update ended (Contour's contour_status_update_* family). */
export type StatusOutcome = 'success' | 'failed' | 'conflict' | 'noop';

/** The status writer's metrics. */
export interface StatusMetrics {
  /** One update looked at: written, failed, found already right (noop), or lost a race (conflict, retried). */
  update(kind: string, outcome: StatusOutcome, seconds?: number): void;
}

/** Registers `sesame_status_update_*` in `registry` (a private one when absent). */
export function createStatusMetrics(registry: Registry = new Registry()): StatusMetrics {
  const counter = (name: string, help: string) =>
    new Counter({ name, help, labelNames: ['kind'] as const, registers: [registry] });
  const total = counter('sesame_status_update_total', 'Status updates looked at, by kind.');
  const byOutcome: Record<StatusOutcome, Counter<'kind'>> = {
    success: counter('sesame_status_update_success_total', 'Status updates written.'),
    failed: counter('sesame_status_update_failed_total', 'Status writes that failed (retried later).'),
    conflict: counter(
      'sesame_status_update_conflict_total',
      'Status writes refused because the object changed meanwhile (re-read and retried).',
    ),
    noop: counter(
      'sesame_status_update_noop_total',
      'Status updates skipped because the object already had that status.',
    ),
  };
  const duration = new Histogram({
    name: 'sesame_status_update_duration_seconds',
    help: 'Time to write one status, retries included.',
    labelNames: ['kind'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  return {
    update(kind, outcome, seconds) {
      if (outcome !== 'conflict') total.inc({ kind });
      byOutcome[outcome].inc({ kind });
      if (seconds !== undefined) duration.observe({ kind }, seconds);
    },
  };
}
