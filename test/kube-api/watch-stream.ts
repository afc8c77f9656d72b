// One watch connection, with the watch cache's semantics: start strictly after the requested resourceVersion
// (or from "now" with synthetic ADDED events), 410 as an ERROR event when history no longer reaches back, an
// object that stops matching the selectors delivered as DELETED and one that starts matching as ADDED, bookmarks
// when the client allows them, and a clean end of the stream at timeoutSeconds.
import type { ChangeEvent, ObjectStore } from './object-store.js';
import type { ResourceDef } from './resources.js';
import { apiVersionOf } from './resources.js';
import type { Matcher } from './selectors.js';
import type { KubeStatus } from './status.js';
import { expired, tooLargeResourceVersion } from './status.js';
import type { StoredObject } from './stored-object.js';
import { atResourceVersion } from './stored-object.js';

/** What the client asked to watch. */
export interface WatchSpec {
  readonly def: ResourceDef;
  /** Only this namespace (a namespaced path); undefined for all. */
  readonly namespace: string | undefined;
  readonly labels: Matcher;
  readonly fields: Matcher;
  /** Start strictly after this resourceVersion; undefined ("0" or absent) starts from now with ADDED events. */
  readonly from: number | undefined;
  readonly bookmarks: boolean;
  /** `sendInitialEvents=true`: the current state first, then a bookmark marking its end. */
  readonly sendInitialEvents: boolean;
  readonly timeoutMs: number | undefined;
  /** How long a resourceVersion the server has not reached may wait before the watch fails with 504. */
  readonly tooLargeWaitMs: number;
}

/** Where a watch writes: an HTTP response in practice. */
export interface WatchSink {
  write(chunk: string): void;
  end(): void;
  destroy(): void;
}

/** An open watch as the server tracks it. */
export interface OpenWatch {
  readonly def: ResourceDef;
  readonly namespace: string | undefined;
  /** False once the stream has ended (it may end before `openWatch` returns, e.g. with a 410). */
  isOpen(): boolean;
  /** Sends a BOOKMARK at the current revision, if the client asked for bookmarks. */
  bookmark(): void;
  /** Ends the stream cleanly ('end', as a server-side timeout does) or cuts the connection ('abort'). */
  close(how: 'end' | 'abort'): void;
}

function line(type: string, json: string): string {
  return `{"type":"${type}","object":${json}}\n`;
}

/** Starts streaming `spec` into `sink`; `onClose` runs once when the watch ends for any reason. */
export function openWatch(
  store: ObjectStore,
  spec: WatchSpec,
  sink: WatchSink,
  onClose: () => void,
): OpenWatch {
  const { def } = spec;
  let closed = false;
  let waitingFor: number | undefined;
  const timers: NodeJS.Timeout[] = [];

  const passes = (object: StoredObject): boolean =>
    (spec.namespace === undefined || object.namespace === spec.namespace) &&
    spec.labels(object.labels) &&
    spec.fields(object.fields);

  const deliver = (change: ChangeEvent): void => {
    if (closed || change.object.def !== def) return;
    if (waitingFor !== undefined && change.resourceVersion <= waitingFor) return;
    const now = change.type !== 'DELETED' && passes(change.object);
    const before = change.previous !== undefined && passes(change.previous);
    if (now) {
      sink.write(line(before ? 'MODIFIED' : 'ADDED', change.object.json));
    } else if (before && change.previous !== undefined) {
      // The last state the watcher could see, stamped with this change's resourceVersion.
      const last =
        change.type === 'DELETED'
          ? change.object
          : atResourceVersion(change.previous, change.resourceVersion);
      sink.write(line('DELETED', last.json));
    }
  };

  const bookmarkJson = (initialEventsEnd: boolean): string =>
    JSON.stringify({
      kind: def.kind,
      apiVersion: apiVersionOf(def),
      metadata: {
        resourceVersion: String(store.revision()),
        ...(initialEventsEnd ? { annotations: { 'k8s.io/initial-events-end': 'true' } } : {}),
      },
    });

  const close = (how: 'end' | 'abort'): void => {
    if (closed) return;
    closed = true;
    unsubscribe();
    for (const timer of timers) clearTimeout(timer);
    if (how === 'end') sink.end();
    else sink.destroy();
    onClose();
  };

  const fail = (status: KubeStatus): void => {
    sink.write(line('ERROR', JSON.stringify(status)));
    close('end');
  };

  const unsubscribe = store.subscribe((change) => {
    deliver(change);
    if (waitingFor !== undefined && store.revision() >= waitingFor) waitingFor = undefined;
  });

  const watch: OpenWatch = {
    def,
    namespace: spec.namespace,
    isOpen: () => !closed,
    bookmark() {
      if (!closed && spec.bookmarks && waitingFor === undefined)
        sink.write(line('BOOKMARK', bookmarkJson(false)));
    },
    close,
  };

  if (spec.from === undefined || spec.sendInitialEvents) {
    if (spec.from !== undefined && spec.from > store.revision()) waitingFor = spec.from;
    for (const object of store.list(def, spec.namespace))
      if (passes(object)) sink.write(line('ADDED', object.json));
    if (spec.sendInitialEvents) sink.write(line('BOOKMARK', bookmarkJson(true)));
  } else if (spec.from > store.revision()) {
    // The real watch cache waits a little for a revision it has not seen yet, then gives up with 504.
    waitingFor = spec.from;
    timers.push(
      setTimeout(() => {
        if (waitingFor !== undefined) fail(tooLargeResourceVersion(spec.from ?? 0, store.revision()).status);
      }, spec.tooLargeWaitMs),
    );
  } else {
    const changes = store.changesSince(spec.from);
    if (changes === undefined) {
      fail(expired(`too old resource version: ${spec.from} (${store.compactedRevision()})`).status);
      return watch;
    }
    for (const change of changes) deliver(change);
  }
  if (spec.timeoutMs !== undefined) timers.push(setTimeout(() => close('end'), spec.timeoutMs));
  return watch;
}
