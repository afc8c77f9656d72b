// Reads a metric back from a prom-client registry the way a Prometheus query would sum it.
import type { Registry } from 'prom-client';

/** The sum of a metric's values whose labels include `labels` (0 when the metric or every match is absent). */
export async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) return 0;
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
    .reduce((sum, v) => sum + v.value, 0);
}
