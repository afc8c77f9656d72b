import { Counter, Gauge, type Registry } from 'prom-client';

/** What the bus counts. Without a registry the metrics still count (tests read them) but are not exported. */
export interface BusMetrics {
  readonly publishes: Counter<'outcome'>;
  readonly publishErrors: Counter;
  readonly bytesWritten: Counter;
  readonly rejected: Counter;
  readonly resyncs: Counter;
  readonly seq: Gauge<'role'>;
}

/** Creates the bus metrics in `registry`, reusing any already registered there (several buses, one process). */
export function createBusMetrics(registry?: Registry): BusMetrics {
  const registers = registry === undefined ? [] : [registry];
  const existing = <T>(name: string): T | undefined => registry?.getSingleMetric(name) as T | undefined;
  return {
    publishes:
      existing<Counter<'outcome'>>('sesame_bus_publishes_total') ??
      new Counter({
        name: 'sesame_bus_publishes_total',
        help: 'Snapshots published to the bus, by outcome (published or unchanged).',
        labelNames: ['outcome'],
        registers,
      }),
    publishErrors:
      existing<Counter>('sesame_bus_publish_errors_total') ??
      new Counter({
        name: 'sesame_bus_publish_errors_total',
        help: 'Publish attempts that failed (bus unreachable) and were retried.',
        registers,
      }),
    bytesWritten:
      existing<Counter>('sesame_bus_written_bytes_total') ??
      new Counter({
        name: 'sesame_bus_written_bytes_total',
        help: 'Bytes written to the bus (chunks and heads, as stored).',
        registers,
      }),
    rejected:
      existing<Counter>('sesame_bus_rejected_total') ??
      new Counter({
        name: 'sesame_bus_rejected_total',
        help: 'Bus payloads rejected because they failed verification (wrong key, tampered or corrupt).',
        registers,
      }),
    resyncs:
      existing<Counter>('sesame_bus_resyncs_total') ??
      new Counter({
        name: 'sesame_bus_resyncs_total',
        help: 'Times a subscriber reloaded the full state from a checkpoint (start, gap, new epoch).',
        registers,
      }),
    seq:
      existing<Gauge<'role'>>('sesame_bus_seq') ??
      new Gauge({
        name: 'sesame_bus_seq',
        help: 'Sequence number of the last change committed (publisher) or applied (subscriber).',
        labelNames: ['role'],
        registers,
      }),
  };
}
