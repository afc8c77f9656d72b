import { ListWatch, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from '@sesame/shared';
import type { Clock } from '../watcher/holdoff.js';
import { InformerWatch } from './informer-watch.js';
import { createListPage, listAllPages, statusCode, type ListPage } from './list-pages.js';
import { collectionPath, kindLabel, type WatchedKind } from './watched-kinds.js';

/** What an informer reports, in the order the API server's events happened. */
export interface InformerEvents {
  add(object: KubernetesObject): void;
  update(object: KubernetesObject): void;
  delete(object: KubernetesObject): void;
  /** The first complete list has been applied. */
  synced(): void;
  /** The informer failed and will restart after `retryInMs`. */
  failed?(err: unknown, retryInMs: number): void;
  /** A bookmark arrived (and was applied). */
  bookmark?(): void;
}

/** Options of `startInformer`. */
export interface InformerOptions {
  readonly kubeConfig: KubeConfig;
  readonly kind: WatchedKind;
  /** One namespace, or every namespace when absent. */
  readonly namespace?: string;
  /** A narrower filter than the kind's own (the one Service whose address goes into Ingress status). */
  readonly fieldSelector?: string;
  readonly events: InformerEvents;
  readonly logger: Logger;
  readonly clock: Clock;
  /** First restart delay after an error (default 250 ms); doubles up to `maxBackoffMs` (default 30 s). */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Override of the list call (tests); defaults to the generated client, page by page. */
  readonly listPage?: ListPage;
}

/** A running informer. */
export interface Informer {
  readonly label: string;
  isSynced(): boolean;
  /** The cached objects. */
  list(): readonly KubernetesObject[];
  get(name: string, namespace?: string): KubernetesObject | undefined;
  /** Stops the watch and any pending restart. */
  close(): Promise<void>;
}

/** What an operator must fix when the API server refuses a collection for good, or undefined. */
export function operatorHint(code: number | undefined, kind: WatchedKind): string | undefined {
  const resource = kind.group === '' ? kind.plural : `${kind.plural}.${kind.group}`;
  switch (code) {
    case 401:
      return 'the API server does not accept the credentials: check the kubeconfig or the ServiceAccount token';
    case 403:
      return `forbidden: the watcher's ServiceAccount needs list and watch on ${resource} (see the ClusterRole in deploy/watcher.yaml)`;
    case 404:
      return kind.group === ''
        ? `the API server does not serve ${resource}`
        : `the API server does not serve ${resource}: is its CustomResourceDefinition installed (deploy/crd-*.yaml)?`;
    default:
      return undefined;
  }
}

/**
 * client-node's ListWatch (list, then watch from the list's resourceVersion; relist on 410 Gone), kept
 * alive: ListWatch stops for good on any other error, so this restarts it with exponential backoff. A
 * restart resumes the watch from the last resourceVersion it saw, so nothing is lost and nothing relisted
 * unless the server has compacted that far. Bookmarks keep that resourceVersion fresh on quiet collections.
 */
export function startInformer(options: InformerOptions): Informer {
  const { kind, events, clock } = options;
  const label = `${kindLabel(kind)}${options.namespace === undefined ? '' : ` in ${options.namespace}`}`;
  const logger = options.logger.child({ informer: label });
  const initialBackoff = options.backoffMs ?? 250;
  const maxBackoff = options.maxBackoffMs ?? 30_000;
  const fieldSelector = options.fieldSelector ?? kind.fieldSelector;
  const listPage =
    options.listPage ?? createListPage(options.kubeConfig, { ...kind, fieldSelector }, options.namespace);
  let synced = false;
  let closed = false;
  let backoff = initialBackoff;
  let retryTimer: unknown;

  const watch = new InformerWatch(options.kubeConfig, {
    onWatchStart() {
      // ListWatch opens the watch right after applying a list, so the cache is complete here.
      if (synced || closed) return;
      synced = true;
      logger.debug({ objects: informer.list().length }, 'informer synced');
      events.synced();
    },
    onHealthy() {
      backoff = initialBackoff;
    },
    onBookmark: () => events.bookmark?.(),
  });
  const informer = new ListWatch<KubernetesObject>(
    collectionPath(kind, options.namespace),
    watch,
    () => listAllPages(listPage),
    false,
    undefined,
    fieldSelector,
  );
  informer.on('add', (object) => events.add(object));
  informer.on('update', (object) => events.update(object));
  informer.on('delete', (object) => events.delete(object));
  informer.on('error', (err: unknown) => {
    // Stopping aborts the watch, which ListWatch reports as an error.
    if (closed) return;
    const retryInMs = backoff;
    backoff = Math.min(backoff * 2, maxBackoff);
    const code = statusCode(err);
    const hint = operatorHint(code, kind);
    const fields = { err, code, retryInMs, ...(hint === undefined ? {} : { hint }) };
    // These do not heal on their own: until someone acts, nothing of this kind is translated.
    if (hint !== undefined) logger.error(fields, `informer cannot list or watch: ${hint}; retrying`);
    else if (synced) logger.warn(fields, 'informer failed; restarting');
    else logger.warn(fields, 'informer could not list; retrying');
    events.failed?.(err, retryInMs);
    if (retryTimer !== undefined) clock.clearTimeout(retryTimer);
    retryTimer = clock.setTimeout(() => {
      retryTimer = undefined;
      if (!closed) run();
    }, retryInMs);
  });

  function run(): void {
    informer.start().catch((err: unknown) => logger.error({ err }, 'informer start failed'));
  }
  run();

  return {
    label,
    isSynced: () => synced,
    list: () => informer.list(),
    get: (name, namespace) => informer.get(name, namespace),
    async close() {
      closed = true;
      if (retryTimer !== undefined) clock.clearTimeout(retryTimer);
      retryTimer = undefined;
      watch.close();
      await informer.stop();
    },
  };
}
