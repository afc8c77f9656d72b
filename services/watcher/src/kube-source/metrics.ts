import { Counter, Gauge, Registry } from 'prom-client';

/** The Kubernetes source's metrics: what the informers see (Contour's contour_dag_cache_object, per kind). */
export interface SourceMetrics {
  /** One informer event: add, update, delete, noop (an update that changes nothing the translation reads), bookmark. */
  event(resource: string, type: 'add' | 'update' | 'delete' | 'noop' | 'bookmark'): void;
  /** Objects held went up or down by `delta`. */
  objects(resource: string, delta: number): void;
  synced(resource: string): void;
  restarted(resource: string): void;
}

/** Registers the metrics in `registry` (a private one when absent). */
export function createSourceMetrics(registry: Registry = new Registry()): SourceMetrics {
  const events = new Counter({
    name: 'sesame_kube_informer_events_total',
    help: 'Informer events by resource and type; "noop" updates changed nothing the translation reads.',
    labelNames: ['resource', 'type'] as const,
    registers: [registry],
  });
  const objects = new Gauge({
    name: 'sesame_kube_objects',
    help: 'Objects held in the informer caches, by resource.',
    labelNames: ['resource'] as const,
    registers: [registry],
  });
  const synced = new Gauge({
    name: 'sesame_kube_informer_synced',
    help: '1 once the informers of a resource have applied their first complete list.',
    labelNames: ['resource'] as const,
    registers: [registry],
  });
  const restarts = new Counter({
    name: 'sesame_kube_informer_restarts_total',
    help: 'Informer restarts after an error (a dropped watch, an unreachable API server).',
    labelNames: ['resource'] as const,
    registers: [registry],
  });
  return {
    event: (resource, type) => events.inc({ resource, type }),
    objects: (resource, delta) => objects.inc({ resource }, delta),
    synced: (resource) => synced.set({ resource }, 1),
    restarted: (resource) => restarts.inc({ resource }),
  };
}
