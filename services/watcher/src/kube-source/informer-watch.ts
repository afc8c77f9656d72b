import { Watch, type KubeConfig } from '@kubernetes/client-node';

/** A watch stream's `ERROR` event other than 410 Gone, turned into the error that ends the stream. */
export class WatchEventError extends Error {
  constructor(
    readonly code: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** Hooks of the watch an informer uses. */
export interface InformerWatchHooks {
  /** A watch is about to start: the list before it (if any) has been applied to the cache. */
  onWatchStart(): void;
  /** An event (bookmarks included) arrived, or a watch ended cleanly: the connection is healthy. */
  onHealthy(): void;
  /** A bookmark moved the informer's resourceVersion forward. */
  onBookmark(): void;
}

/** Watch timeouts are spread over 5 to 10 minutes, as client-go does, so watches do not reconnect in herds. */
const MIN_TIMEOUT_SECONDS = 300;

/**
 * client-node's Watch as the informer should use it: asks for bookmarks (client-node's ListWatch never does,
 * so after a quiet spell a reconnect may find its resourceVersion compacted and relist everything), sets a
 * server-side timeout (a half-open connection is noticed), reports an `ERROR` event other than 410 as the
 * stream's error instead of swallowing it, and can be closed for good, which ListWatch.stop() alone cannot
 * do while a watch request is being opened.
 */
export class InformerWatch extends Watch {
  private closed = false;
  private readonly open = new Set<AbortController>();

  constructor(
    config: KubeConfig,
    private readonly hooks: InformerWatchHooks,
  ) {
    super(config);
  }

  override async watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    if (this.closed) return abortedController();
    this.hooks.onWatchStart();
    let failure: WatchEventError | undefined;
    const query = {
      ...queryParams,
      allowWatchBookmarks: true,
      timeoutSeconds: MIN_TIMEOUT_SECONDS + Math.floor(Math.random() * MIN_TIMEOUT_SECONDS),
    };
    // `done` may run before `super.watch` returns its controller.
    const opened: { controller?: AbortController } = {};
    const finished = (err: unknown): void => {
      if (opened.controller !== undefined) this.open.delete(opened.controller);
      if (err === null && failure === undefined) this.hooks.onHealthy();
      done(err ?? failure ?? null);
    };
    const controller = await super.watch(
      path,
      query,
      (phase, object, raw) => {
        if (phase === 'ERROR') {
          const status = object as { code?: unknown; message?: unknown } | undefined;
          const code = typeof status?.code === 'number' ? status.code : undefined;
          // 410 is ListWatch's own business: it relists when the stream ends.
          if (code !== 410) {
            const message = typeof status?.message === 'string' ? status.message : `code ${code ?? '?'}`;
            failure = new WatchEventError(code, `watch error: ${message}`);
            return;
          }
        } else {
          this.hooks.onHealthy();
        }
        callback(phase, object, raw);
        if (phase === 'BOOKMARK') this.hooks.onBookmark();
      },
      finished,
    );
    opened.controller = controller;
    if (this.closed) controller.abort();
    else if (!controller.signal.aborted) this.open.add(controller);
    return controller;
  }

  /** Aborts every open watch and refuses new ones. */
  close(): void {
    this.closed = true;
    for (const controller of this.open) controller.abort();
    this.open.clear();
  }
}

function abortedController(): AbortController {
  const controller = new AbortController();
  controller.abort();
  return controller;
}
