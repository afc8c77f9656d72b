import {
  createSnapshot,
  ErrorCode,
  SesameError,
  TYPE_SHORT_NAMES,
  TYPE_URLS,
  type Logger,
  type Snapshot,
  type SnapshotBus,
} from '@sesame/shared';
import type { Registry } from 'prom-client';
import { compareDiagnostics, type Diagnostic } from '../kube/object.js';
import { createFolderSource, type ObjectSource } from '../source/object-source.js';
import { translate } from '../translate.js';
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
  /** Time source for the holdoff and retries; defaults to the process clock. */
  readonly clock?: Clock;
}

/** The single active watcher: source → translation → snapshot → bus. */
export interface Watcher {
  /** Reads, translates and publishes the first snapshot, then follows changes. Rejects if that first one fails. */
  start(): Promise<void>;
  /** Stops following changes and waits for a rebuild in progress; leaves the bus open. */
  close(): Promise<void>;
  /** Version of the last snapshot handed to the bus. */
  lastPublished(): string | undefined;
}

/** Longest wait between retries of a failed rebuild. */
const MAX_RETRY_MS = 30_000;

/**
 * Creates the watcher. Every change (coalesced by the holdoff) triggers a full reload and translation;
 * the bus publishes only what changed, and nothing when the snapshot version is the same. A failed rebuild
 * keeps the last snapshot and is retried with backoff.
 */
export function createWatcher(options: WatcherOptions): Watcher {
  const logger = options.logger.child({ component: 'watcher' });
  const source =
    'load' in options.source ? options.source : createFolderSource({ dir: options.source.dir, logger });
  const clock = options.clock ?? systemClock;
  const holdoffMaxMs = options.holdoffMaxMs ?? 500;
  const metrics = createWatcherMetrics(options.registry);
  const holdoff = createHoldoff({
    delayMs: options.holdoffMs ?? 100,
    maxDelayMs: holdoffMaxMs,
    clock,
    run: () => requestRebuild(),
  });

  let started = false;
  let closed = false;
  let watch: { close(): void } | undefined;
  let inFlight: Promise<void> | undefined;
  let dirty = false;
  let lastVersion: string | undefined;
  let retryTimer: unknown;
  let retryMs = holdoffMaxMs;

  async function rebuild(): Promise<void> {
    const began = clock.now();
    const loaded = await source.load();
    const translation = translate(loaded.objects, { ingressClass: options.ingressClass });
    const diagnostics = [...loaded.diagnostics, ...translation.diagnostics].sort(compareDiagnostics);
    const snapshot = createSnapshot(translation.resources);
    if (!snapshot.ok) throw new SesameError(ErrorCode.SnapshotInconsistent, snapshot.errors.join('; '));
    for (const d of diagnostics) logDiagnostic(logger, d);
    const outcome = await options.bus.publish(snapshot.value);
    const first = lastVersion === undefined;
    lastVersion = snapshot.value.version;
    metrics.published(snapshot.value, diagnostics.length);
    metrics.rebuilt(outcome, (clock.now() - began) / 1000);
    const fields = {
      version: snapshot.value.version,
      resources: counts(snapshot.value),
      diagnostics: diagnostics.length,
    };
    if (outcome === 'published') logger.info(fields, 'published snapshot');
    // At start, "unchanged" means the bus already holds this content (a restart or a failover).
    else if (first) logger.info(fields, 'snapshot unchanged on the bus');
    else logger.debug(fields, 'snapshot unchanged');
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

  return {
    async start() {
      if (started) throw new SesameError(ErrorCode.Internal, 'the watcher was already started');
      started = true;
      logger.info({ source: source.description }, 'starting watcher');
      // Watch before the first read, so a change made during the read is not missed.
      watch = source.watch(() => holdoff.trigger());
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
        throw SesameError.from(err);
      } finally {
        inFlight = undefined;
      }
      if (dirty) requestRebuild();
    },
    async close() {
      closed = true;
      holdoff.cancel();
      if (retryTimer !== undefined) clock.clearTimeout(retryTimer);
      retryTimer = undefined;
      watch?.close();
      await inFlight;
    },
    lastPublished: () => lastVersion,
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
