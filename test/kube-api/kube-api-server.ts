// The fixture itself: a Kubernetes API server on 127.0.0.1 that the real @kubernetes/client-node talks to, with
// the controls tests need to provoke what a real cluster does rarely (compaction, dropped watches, restarts,
// conflicts, slow or failing writes) and to observe what a client did, without sleeping.
import { createServer as createHttpServer } from 'node:http';
import type { Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { ObjectStore } from './object-store.js';
import { createObjectStore } from './object-store.js';
import { kubeconfigYaml, writeKubeconfigFile } from './kubeconfig.js';
import type { RequestControl, RequestGate, RequestMatch, RequestRecord } from './request-control.js';
import { createRequestControl } from './request-control.js';
import type { ResourceDef } from './resources.js';
import { BUILTIN_RESOURCES, createResourceRegistry } from './resources.js';
import { createRequestHandler } from './serve-request.js';
import type { StatusSpec } from './status.js';
import { createTestControls, type ObjectControls } from './test-controls.js';
import type { WaitOptions } from './wait.js';
import { waitForCondition } from './wait.js';
import type { OpenWatch } from './watch-stream.js';

/** Options of `createKubeApiServer`; every one has a default that suits a test. */
export interface KubeApiServerOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0 (any free port); the port is kept across `restart()`. */
  readonly port?: number;
  /** Extra or replacement resource kinds (same plural replaces a built-in one). */
  readonly resources?: readonly ResourceDef[];
  /** Plurals of built-in kinds the server does not serve (a CRD that is not installed). */
  readonly withoutResources?: readonly string[];
  /** Changes kept for watches to resume from; older ones are compacted away (default 100,000). */
  readonly historyLimit?: number;
  /** Period of automatic BOOKMARK events to watches that allow them; 0 turns them off (default 60 s, as the real server). */
  readonly bookmarkIntervalMs?: number;
  /** Bearer token the fixture requires (default `sesame-test-token`); null accepts any request. */
  readonly token?: string | null;
  /** Watch timeout when the client sends no timeoutSeconds (default: none). */
  readonly defaultWatchTimeoutSeconds?: number;
  /** How long a list or watch waits for a resourceVersion the server has not reached before a 504 (default 3 s). */
  readonly tooLargeResourceVersionWaitMs?: number;
  /** Refuse to create namespaced objects in a namespace that does not exist (default false). */
  readonly enforceNamespaces?: boolean;
  /** Serve https with this key pair; the kubeconfig then trusts `ca` instead of skipping verification. */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer; readonly ca: Buffer };
  /** Clock for creationTimestamp. */
  readonly now?: () => Date;
}

/** A running fixture and its test controls. */
export interface KubeApiServer extends ObjectControls {
  /** `http://127.0.0.1:<port>` (https when TLS is on). */
  readonly url: string;
  readonly port: number;
  /** The latest resourceVersion, as a number. */
  readonly revision: number;
  /** Every resource request served so far (verb, `resource[/subresource]`, namespace, name, HTTP code). */
  readonly requests: readonly RequestRecord[];
  count(match?: RequestMatch): number;
  resetRequests(): void;
  waitForRequest(match: RequestMatch, options?: WaitOptions & { readonly count?: number }): Promise<void>;
  /** Fails the next `count` requests matching `match` with this status (e.g. `{ code: 500 }`). */
  failNext(count: number, status: StatusSpec, match?: RequestMatch): void;
  /** Delays requests matching `match` by `ms` before they are served (a slow API server). */
  delay(match: RequestMatch, ms: number): { clear(): void };
  /** Holds requests matching `match` until the returned gate is released. */
  hold(match: RequestMatch): RequestGate;
  clearFaults(): void;
  /** Open watch connections, optionally only for one resource (plural). */
  openWatches(resource?: string): number;
  /** Resolves once at least `count` (default 1) watches on `resource` are open. */
  waitForWatch(
    resource: string,
    options?: WaitOptions & { readonly count?: number; readonly namespace?: string },
  ): Promise<void>;
  /** Forgets history up to `revision` (default: all): a watch or a continue token from before it gets 410. */
  compact(revision?: number): void;
  /** Ends every open watch (of `resource`, if given): 'abort' cuts the connection (default), 'end' closes it cleanly. */
  dropWatches(options?: { readonly resource?: string; readonly mode?: 'abort' | 'end' }): number;
  /** Sends a BOOKMARK now to every watch that asked for bookmarks. */
  sendBookmarks(resource?: string): void;
  /** The kubeconfig YAML for this server. */
  kubeconfig(): string;
  /** Writes `dir/kubeconfig` and returns its path. */
  writeKubeconfig(dir: string): Promise<string>;
  /** Stops listening and cuts every connection; the objects are kept. */
  stop(): Promise<void>;
  /** Listens again on the same port; `keepState: false` starts from no objects and no history. */
  restart(options?: { readonly keepState?: boolean }): Promise<void>;
  /** Stops for good and releases held requests. */
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Starts a fixture API server and resolves once it listens. */
export async function createKubeApiServer(options: KubeApiServerOptions = {}): Promise<KubeApiServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token === null ? undefined : (options.token ?? 'sesame-test-token');
  const omitted = new Set(options.withoutResources ?? []);
  const registry = createResourceRegistry([
    ...BUILTIN_RESOURCES.filter((def) => !omitted.has(def.plural)),
    ...(options.resources ?? []),
  ]);
  const store: ObjectStore = createObjectStore({
    registry,
    historyLimit: options.historyLimit ?? 100_000,
    now: options.now ?? (() => new Date()),
  });
  const control: RequestControl = createRequestControl();
  const watches = new Set<OpenWatch>();
  const watchListeners = new Set<() => void>();
  const sockets = new Set<Socket>();
  const handler = createRequestHandler({
    store,
    control,
    watches,
    onWatchesChanged: () => {
      for (const notify of [...watchListeners]) notify();
    },
    token,
    tooLargeWaitMs: options.tooLargeResourceVersionWaitMs ?? 3000,
    enforceNamespaces: options.enforceNamespaces ?? false,
    defaultWatchTimeoutMs:
      options.defaultWatchTimeoutSeconds === undefined
        ? undefined
        : options.defaultWatchTimeoutSeconds * 1000,
  });
  let server: Server | undefined;
  let port = options.port ?? 0;
  let bookmarkTimer: NodeJS.Timeout | undefined;

  const selectWatches = (resource?: string, namespace?: string): OpenWatch[] =>
    [...watches].filter(
      (w) =>
        (resource === undefined || w.def.plural === resource) &&
        (namespace === undefined || w.namespace === namespace),
    );

  const start = async (): Promise<void> => {
    const next =
      options.tls === undefined
        ? createHttpServer(handler)
        : createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, handler);
    next.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    port = await listen(next, port, host);
    server = next;
    const interval = options.bookmarkIntervalMs ?? 60_000;
    if (interval > 0) {
      bookmarkTimer = setInterval(() => {
        for (const watch of watches) watch.bookmark();
      }, interval);
      bookmarkTimer.unref();
    }
  };

  const stop = async (): Promise<void> => {
    clearInterval(bookmarkTimer);
    bookmarkTimer = undefined;
    const current = server;
    server = undefined;
    if (current === undefined) return;
    for (const watch of [...watches]) watch.close('abort');
    const closed = new Promise<void>((resolve) => current.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  };

  await start();
  const scheme = options.tls === undefined ? 'http' : 'https';
  return {
    ...createTestControls(store),
    get url() {
      return `${scheme}://${host}:${port}`;
    },
    get port() {
      return port;
    },
    get revision() {
      return store.revision();
    },
    get requests() {
      return control.records;
    },
    count: (match) => control.count(match),
    resetRequests: () => control.resetRecords(),
    waitForRequest: (match, waitOptions) => control.waitForRequest(match, waitOptions),
    failNext: (count, status, match) => control.failNext(count, status, match),
    delay: (match, ms) => control.delay(match, ms),
    hold: (match) => control.hold(match),
    clearFaults: () => control.clearFaults(),
    openWatches: (resource) => selectWatches(resource).length,
    waitForWatch(resource, waitOptions = {}) {
      const count = waitOptions.count ?? 1;
      return waitForCondition(
        () => selectWatches(resource, waitOptions.namespace).length >= count,
        (notify) => {
          watchListeners.add(notify);
          return () => watchListeners.delete(notify);
        },
        { what: `${count} open watch(es) on ${resource}`, ...waitOptions },
      );
    },
    compact: (revision) => store.compact(revision),
    dropWatches(dropOptions = {}) {
      const dropped = selectWatches(dropOptions.resource);
      for (const watch of dropped) watch.close(dropOptions.mode ?? 'abort');
      return dropped.length;
    },
    sendBookmarks(resource) {
      for (const watch of selectWatches(resource)) watch.bookmark();
    },
    kubeconfig: () =>
      kubeconfigYaml({
        server: `${scheme}://${host}:${port}`,
        token: token ?? 'anonymous',
        ...caOf(options),
      }),
    writeKubeconfig: (dir) =>
      writeKubeconfigFile(dir, {
        server: `${scheme}://${host}:${port}`,
        token: token ?? 'anonymous',
        ...caOf(options),
      }),
    stop,
    async restart(restartOptions = {}) {
      await stop();
      if (restartOptions.keepState === false) store.clear();
      await start();
    },
    async close() {
      control.clearFaults();
      await stop();
    },
  };
}

function caOf(options: KubeApiServerOptions): { ca?: Buffer } {
  return options.tls === undefined ? {} : { ca: options.tls.ca };
}
