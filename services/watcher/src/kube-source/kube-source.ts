import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { ErrorCode, SesameError, type Logger } from '@sesame/shared';
import type { Registry } from 'prom-client';
import type { KubeObject } from '../kube/object.js';
import type { LoadedObjects } from '../source/load-manifests.js';
import type { ObjectSource } from '../source/object-source.js';
import type { ObjectChanges } from '../translate-incremental.js';
import { objectKeyString, type ObjectKey } from '../translate-store.js';
import { systemClock, type Clock } from '../watcher/holdoff.js';
import { startInformer, type Informer } from './informer.js';
import { createSourceMetrics } from './metrics.js';
import { contentDigest, normalizeObject, objectName } from './normalize.js';
import { kindLabel, WATCHED_KINDS, type WatchedKind } from './watched-kinds.js';

/** Options of `createKubeSource`. */
export interface KubeSourceOptions {
  readonly kubeConfig: KubeConfig;
  /** Watch only these namespaces (one informer per namespace and kind); all namespaces when empty. */
  readonly namespaces?: readonly string[];
  readonly logger: Logger;
  readonly registry?: Registry;
  readonly clock?: Clock;
  /** Defaults to every kind the translation reads. */
  readonly kinds?: readonly WatchedKind[];
  /** First restart delay of a failed informer (default 250 ms). */
  readonly backoffMs?: number;
}

/** The Kubernetes API as a source of objects: informers for every kind the translation reads. */
export interface KubeSource extends ObjectSource {
  /** Starts the informers (also done by the first `watch` or `load`). */
  start(): void;
  /** Resolves once every informer has applied its first complete list. */
  whenSynced(): Promise<void>;
  isSynced(): boolean;
  /** Drains the object-level changes seen since the last `load` or `takeChanges`, one per object (the latest). */
  takeChanges(): ObjectChanges;
  /** The cached object, trimmed, status included. */
  get(key: ObjectKey): KubernetesObject | undefined;
  /** Calls `listener` for every update of an object (its status may have changed). */
  onStatusChange(listener: (key: ObjectKey) => void): { close(): void };
  /** Stops every informer. */
  close(): Promise<void>;
}

/**
 * Creates the source. Only updates that change what the translation reads wake the watcher: the informer
 * already drops events at an unchanged resourceVersion, and this drops status-only writes and bookkeeping
 * metadata by comparing a digest of the visible content.
 */
export function createKubeSource(options: KubeSourceOptions): KubeSource {
  const logger = options.logger.child({ component: 'kube-source' });
  const clock = options.clock ?? systemClock;
  const kinds = options.kinds ?? WATCHED_KINDS;
  const namespaces = [...new Set(options.namespaces ?? [])];
  const metrics = createSourceMetrics(options.registry);
  const digests = new Map<string, string>();
  const pending = new Map<string, { object: KubernetesObject } | { deleted: ObjectKey }>();
  const changeListeners = new Set<() => void>();
  const statusListeners = new Set<(key: ObjectKey) => void>();
  const byKind = new Map<string, Informer[]>();
  const informers: Informer[] = [];
  const syncWaiters = new Set<{ resolve: () => void; reject: (err: Error) => void }>();
  let started = false;
  let closed = false;

  const isSynced = (): boolean => started && informers.every((i) => i.isSynced());
  const changed = (): void => {
    // Until everything has synced, the first load will include the change anyway.
    if (!isSynced()) return;
    for (const listener of [...changeListeners]) listener();
  };

  function handlers(kind: WatchedKind) {
    const label = kindLabel(kind);
    const keyOf = (object: KubernetesObject): ObjectKey => ({ kind: kind.kind, ...objectName(object) });
    const upsert = (object: KubernetesObject, type: 'add' | 'update'): void => {
      normalizeObject(object, kind);
      const key = keyOf(object);
      const id = objectKeyString(key);
      const digest = contentDigest(object);
      // Whatever else changed, the status may have: whoever writes it should look again.
      if (type === 'update') for (const listener of [...statusListeners]) listener(key);
      if (digests.get(id) === digest) {
        metrics.event(label, 'noop');
        return;
      }
      if (!digests.has(id)) metrics.objects(label, 1);
      digests.set(id, digest);
      pending.set(id, { object });
      metrics.event(label, type);
      changed();
    };
    return {
      add: (object: KubernetesObject) => upsert(object, 'add'),
      update: (object: KubernetesObject) => upsert(object, 'update'),
      delete(object: KubernetesObject) {
        const key = keyOf(object);
        const id = objectKeyString(key);
        if (!digests.delete(id)) return;
        metrics.objects(label, -1);
        pending.set(id, { deleted: key });
        metrics.event(label, 'delete');
        changed();
      },
      synced() {
        metrics.synced(label);
        if (!isSynced()) return;
        logger.info({ objects: digests.size }, 'every informer has synced');
        for (const waiter of [...syncWaiters]) waiter.resolve();
        syncWaiters.clear();
      },
    };
  }

  function start(): void {
    if (started || closed) return;
    started = true;
    for (const kind of kinds) {
      const scopes = kind.namespaced && namespaces.length > 0 ? namespaces : [undefined];
      for (const namespace of scopes) {
        const informer = startInformer({
          kubeConfig: options.kubeConfig,
          kind,
          ...(namespace === undefined ? {} : { namespace }),
          events: {
            ...handlers(kind),
            failed: () => metrics.restarted(kindLabel(kind)),
            bookmark: () => metrics.event(kindLabel(kind), 'bookmark'),
          },
          logger,
          clock,
          ...(options.backoffMs === undefined ? {} : { backoffMs: options.backoffMs }),
        });
        informers.push(informer);
        byKind.set(kind.kind, [...(byKind.get(kind.kind) ?? []), informer]);
      }
    }
    logger.info({ informers: informers.map((i) => i.label) }, 'started informers');
  }

  function whenSynced(): Promise<void> {
    start();
    if (closed) return Promise.reject(new SesameError(ErrorCode.Internal, 'the Kubernetes source is closed'));
    if (isSynced()) return Promise.resolve();
    return new Promise((resolve, reject) => syncWaiters.add({ resolve, reject }));
  }

  return {
    description: namespaces.length === 0 ? 'kubernetes' : `kubernetes namespaces ${namespaces.join(',')}`,
    start,
    whenSynced,
    isSynced,
    async load(): Promise<LoadedObjects> {
      await whenSynced();
      pending.clear();
      const objects: KubeObject[] = [];
      for (const informer of informers) {
        for (const object of informer.list()) objects.push({ manifest: object as Record<string, unknown> });
      }
      return { objects, diagnostics: [] };
    },
    takeChanges() {
      const upserts: KubeObject[] = [];
      const deletes: ObjectKey[] = [];
      for (const entry of pending.values()) {
        if ('object' in entry) upserts.push({ manifest: entry.object as Record<string, unknown> });
        else deletes.push(entry.deleted);
      }
      pending.clear();
      return { upserts, deletes };
    },
    get(key) {
      for (const informer of byKind.get(key.kind) ?? []) {
        const found = informer.get(key.name, key.namespace === '' ? undefined : key.namespace);
        if (found !== undefined) return found;
      }
      return undefined;
    },
    watch(onChange) {
      start();
      changeListeners.add(onChange);
      return { close: () => void changeListeners.delete(onChange) };
    },
    onStatusChange(listener) {
      statusListeners.add(listener);
      return { close: () => void statusListeners.delete(listener) };
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const waiter of syncWaiters) {
        waiter.reject(
          new SesameError(ErrorCode.Internal, 'the Kubernetes source was closed before it synced'),
        );
      }
      syncWaiters.clear();
      changeListeners.clear();
      statusListeners.clear();
      await Promise.all(informers.map((i) => i.close()));
    },
  };
}
