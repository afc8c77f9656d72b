import {
  createSnapshot,
  ErrorCode,
  SesameError,
  TYPE_SHORT_NAMES,
  TYPE_URLS,
  updateSnapshot,
  type Logger,
  type Snapshot,
  type SnapshotBus,
} from '@sesame/shared';
import type { Registry } from 'prom-client';
import { compareDiagnostics, type Diagnostic } from '../kube/object.js';
import type { Leadership } from '../leader/elector.js';
import { createFolderSource } from '../source/folder-source.js';
import type { ObjectSource } from '../source/object-source.js';
import {
  createTranslator,
  type Translation,
  type TranslationUpdate,
  type Translator,
} from '../translate-incremental.js';
import { createHoldoff, systemClock, type Clock } from './holdoff.js';
import { createWatcherMetrics } from './metrics.js';

/** Options of `createWatcher`. */
export interface WatcherOptions {
  /** A folder of manifests, or any other source of objects. */
  readonly source: { readonly dir: string } | ObjectSource;
  readonly bus: SnapshotBus;
  readonly logger: Logger;
  /** Where to register metrics; a private registry when absent. */
  readonly registry?: Registry;
  /** Quiet time after a change before rebuilding (default 100 ms, as Contour). */
  readonly holdoffMs?: number;
  /** Longest wait after the first pending change (default 500 ms, as Contour). */
  readonly holdoffMaxMs?: number;
  /** Serve only this class; unset means objects without a class or with class `sesame`. */
  readonly ingressClass?: string;
  /** Namespaces where root HTTPProxies may live (passed to the translation); empty means all. */
  readonly rootNamespaces?: readonly string[];
  /** Time source for the holdoff and retries; defaults to the process clock. */
  readonly clock?: Clock;
  /** When set, snapshots are published only while this replica leads; without it, always. */
  readonly leadership?: Leadership;
  /** Called after every translation, leader or not (status writing hangs off this). */
  readonly onTranslated?: (result: TranslatedState) => void;
}

/** One translation's result, as handed to `onTranslated`. */
export interface TranslatedState {
  readonly translation: Translation;
  /** What this rebuild changed, statuses included. */
  readonly update: TranslationUpdate;
  /** True when the translation was rebuilt from the complete set of objects (then every status may differ). */
  readonly full: boolean;
  readonly snapshot: Snapshot;
}

/** The watcher: source → translation → snapshot → bus. */
export interface Watcher {
  /** Reads and translates once (publishing if leading), then follows changes. Rejects if that first one fails. */
  start(): Promise<void>;
  /** Stops following changes and waits for a rebuild or publish in progress; leaves the bus open. */
  close(): Promise<void>;
  /** Version of the last snapshot this watcher handed to the bus. */
  lastPublished(): string | undefined;
  /** Started, and (when leading) the current snapshot is on the bus. */
  ready(): boolean;
}

/** Longest wait between retries of a failed rebuild. */
const MAX_RETRY_MS = 30_000;

/**
 * Creates the watcher. Every change (coalesced by the holdoff) triggers a translation: incremental when the
 * source reports changes per object, else from a reload of everything; a snapshot
 * goes to the bus only while leading and only when its version differs from the last one this leader
 * published (the bus itself also skips a version it holds). On becoming leader it rebuilds and publishes at
 * once: versions come from content alone, so a new leader publishes the version the old one did. A failed
 * rebuild keeps the last snapshot and is retried with backoff.
 */
export function createWatcher(options: WatcherOptions): Watcher {
  const logger = options.logger.child({ component: 'watcher' });
  const source =
    'load' in options.source ? options.source : createFolderSource({ dir: options.source.dir, logger });
  const clock = options.clock ?? systemClock;
  const holdoffMaxMs = options.holdoffMaxMs ?? 500;
  const metrics = createWatcherMetrics(options.registry);
  const leadership = options.leadership;
  const newTranslator = (): Translator =>
    createTranslator({
      ...(options.ingressClass === undefined ? {} : { ingressClass: options.ingressClass }),
      ...(options.rootNamespaces === undefined ? {} : { rootNamespaces: options.rootNamespaces }),
    });
  let translator = newTranslator();
  /** The next rebuild reads everything: at start, after a failure, and always for a source without changes. */
  let full = true;
  let sourceDiagnostics: readonly Diagnostic[] = [];
  /** The snapshot of the translator's current state (undefined until the first rebuild succeeds). */
  let translated: Snapshot | undefined;
  const holdoff = createHoldoff({
    delayMs: options.holdoffMs ?? 100,
    maxDelayMs: holdoffMaxMs,
    clock,
    run: () => requestRebuild(),
  });
  let started = false;
  let translatedOnce = false;
  let closed = false;
  let watch: { close(): void } | undefined;
  let leadershipWatch: { close(): void } | undefined;
  let inFlight: Promise<void> | undefined;
  let dirty = false;
  let lastVersion: string | undefined;
  /** What this watcher published since it last became leader; reset on every change of leadership. */
  let termVersion: string | undefined;
  let logged = new Set<string>();
  let retryTimer: unknown;
  let retryMs = holdoffMaxMs;

  const leading = (): boolean => leadership === undefined || leadership.isLeader();

  async function rebuild(): Promise<void> {
    const began = clock.now();
    const wasFull = full || source.takeChanges === undefined;
    // Changes drained below are gone from the source: until this rebuild succeeds, the next one starts over.
    full = true;
    let update: TranslationUpdate;
    if (wasFull) {
      const loaded = await source.load();
      sourceDiagnostics = loaded.diagnostics;
      if (source.takeChanges === undefined) update = translator.replaceAll(loaded.objects);
      else {
        // Such a source lists each object once. `replaceAll` would keep a decoding failure of the listing
        // until the next listing, which never comes: a fresh translation keeps it per object, so a change
        // to that object clears it.
        translator = newTranslator();
        update = translator.apply({ upserts: loaded.objects });
      }
    } else {
      const changes = (await source.takeChanges?.()) ?? {};
      update = translator.apply(changes);
      if (changes.diagnostics !== undefined) sourceDiagnostics = changes.diagnostics;
    }
    const translation = translator.current();
    const diagnostics = [...sourceDiagnostics, ...translation.diagnostics].sort(compareDiagnostics);
    // A change touches few resources: update the last snapshot (O(types touched)) rather than rebuild it
    // from every resource. Both derive the version from content alone, so they agree.
    const snapshot =
      wasFull || translated === undefined
        ? createSnapshot(translation.resources)
        : updateSnapshot(translated, update);
    if (!snapshot.ok) throw new SesameError(ErrorCode.SnapshotInconsistent, snapshot.errors.join('; '));
    logNewDiagnostics(diagnostics);
    translatedOnce = true;
    translated = snapshot.value;
    options.onTranslated?.({ translation, update, full: wasFull, snapshot: snapshot.value });
    // The translator now holds the source's state; a failed publish below is retried with the same snapshot.
    full = false;
    const fields = {
      version: snapshot.value.version,
      resources: counts(snapshot.value),
      diagnostics: diagnostics.length,
    };
    if (!leading()) {
      metrics.rebuilt('standby', (clock.now() - began) / 1000);
      logger.debug(fields, 'translated; not the leader, so not publishing');
      return;
    }
    if (snapshot.value.version === termVersion) {
      metrics.rebuilt('unchanged', (clock.now() - began) / 1000);
      logger.debug(fields, 'snapshot unchanged');
      return;
    }
    const outcome = await options.bus.publish(snapshot.value);
    const first = termVersion === undefined;
    termVersion = snapshot.value.version;
    lastVersion = snapshot.value.version;
    metrics.published(snapshot.value, diagnostics.length);
    metrics.rebuilt(outcome, (clock.now() - began) / 1000);
    if (outcome === 'published') logger.info(fields, 'published snapshot');
    // At start, "unchanged" means the bus already holds this content (a restart or a failover).
    else if (first) logger.info(fields, 'snapshot unchanged on the bus');
    else logger.debug(fields, 'snapshot unchanged');
  }

  /** Logs each problem once, when it first appears, so a large cluster does not repeat itself every rebuild. */
  function logNewDiagnostics(diagnostics: readonly Diagnostic[]): void {
    const now = new Set<string>();
    for (const d of diagnostics) {
      const key = `${d.file ?? ''}:${d.line ?? 0} ${d.kind} ${d.namespace}/${d.name} ${d.reason}`;
      now.add(key);
      if (!logged.has(key)) logDiagnostic(logger, d);
    }
    logged = now;
  }

  async function rebuildAndRecover(): Promise<void> {
    try {
      await rebuild();
      retryMs = holdoffMaxMs;
      if (retryTimer !== undefined) clock.clearTimeout(retryTimer);
      retryTimer = undefined;
    } catch (err) {
      metrics.rebuilt('failed', 0);
      logger.error({ err, retryInMs: retryMs }, 'rebuild failed; the last published snapshot stays in place');
      scheduleRetry();
    }
  }

  function scheduleRetry(): void {
    if (closed || retryTimer !== undefined) return;
    retryTimer = clock.setTimeout(() => {
      retryTimer = undefined;
      requestRebuild();
    }, retryMs);
    retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
  }

  function requestRebuild(): void {
    if (closed) return;
    if (inFlight !== undefined) {
      dirty = true;
      return;
    }
    inFlight = (async () => {
      do {
        dirty = false;
        await rebuildAndRecover();
      } while (dirty && !closed);
    })().finally(() => {
      inFlight = undefined;
    });
  }

  function leadershipChanged(nowLeading: boolean): void {
    termVersion = undefined;
    if (nowLeading && started && !closed) {
      holdoff.cancel();
      requestRebuild();
    }
  }

  return {
    async start() {
      if (started) throw new SesameError(ErrorCode.Internal, 'the watcher was already started');
      started = true;
      logger.info({ source: source.description }, 'starting watcher');
      // Watch before the first read, so a change made during the read is not missed.
      watch = source.watch(() => holdoff.trigger());
      leadershipWatch = leadership?.onChange(leadershipChanged);
      const first = rebuild();
      inFlight = first.then(
        () => undefined,
        () => undefined,
      );
      try {
        await first;
      } catch (err) {
        closed = true;
        holdoff.cancel();
        watch.close();
        leadershipWatch?.close();
        throw SesameError.from(err);
      } finally {
        inFlight = undefined;
      }
      if (dirty || (leading() && termVersion === undefined)) requestRebuild();
    },
    async close() {
      closed = true;
      holdoff.cancel();
      if (retryTimer !== undefined) clock.clearTimeout(retryTimer);
      retryTimer = undefined;
      watch?.close();
      leadershipWatch?.close();
      await inFlight;
    },
    lastPublished: () => lastVersion,
    ready: () => translatedOnce && !closed && (!leading() || termVersion !== undefined),
  };
}

function logDiagnostic(logger: Logger, d: Diagnostic): void {
  logger.warn(
    { file: d.file, line: d.line, kind: d.kind, namespace: d.namespace, name: d.name },
    `${d.file === undefined ? '' : `${d.file}${d.line === undefined ? '' : `:${d.line}`}: `}${d.reason}`,
  );
}

function counts(snapshot: Snapshot): Record<string, number> {
  const out: Record<string, number> = {};
  for (const typeUrl of TYPE_URLS)
    out[TYPE_SHORT_NAMES[typeUrl]] = snapshot.types.get(typeUrl)?.resources.size ?? 0;
  return out;
}
