export { startAdminServer, type AdminServer } from './admin.js';
export { createMemoryBus } from './bus/memory-bus.js';
export {
  createLogBus,
  DEFAULT_LOG_BUS_TUNING,
  type BusStatus,
  type LogBus,
  type LogBusOptions,
  type LogBusTuning,
} from './bus/log-bus.js';
export { createBusMetrics, type BusMetrics } from './bus/metrics.js';
export { createNatsStore, type NatsStoreOptions } from './bus/nats-store.js';
export {
  openBus,
  parseBusUrl,
  type BusTarget,
  type BusTlsFiles,
  type OpenBusOptions,
} from './bus/open-bus.js';
export { createRedisStore, type RedisStoreOptions } from './bus/redis-store.js';
export { createSealer, deriveBusKey, readBusKeyFile, type Sealer } from './bus/seal.js';
export {
  createMemoryStore,
  type BusStore,
  type CommitOutcome,
  type MemoryStore,
  type StoreEntry,
  type StoredHead,
  type StoreWatch,
} from './bus/store.js';
export type {
  BusSubscription,
  PublishOutcome,
  SnapshotBus,
  SnapshotListener,
  SnapshotUpdate,
} from './bus/bus.js';
export { formatHostPort, parseHostPort, parseNonNegativeInt, type HostPort } from './config.js';
export { ErrorCode, SesameError } from './errors.js';
export { createLogger, LOG_LEVELS, type Logger, type LogLevel } from './logger.js';
/** Strict check of a JSON message against its Envoy type and `(validate.rules)` (the compiled checker). */
export { checkMessageJson, type CheckMessageOptions } from './proto/check/proto-json-check.js';
/** Checks and encodes a message in one walk: what every resource the watcher generates goes through. */
export { encodeChecked, encodeOnce } from './proto/wire/checked-encode.js';
/** A constant sub-message encoded once, whose bytes the checked encoder writes as they are. */
export { EncodedMessage } from './proto/wire/encoded-message.js';
/** The JSON spelling a check reads: canonical proto3 JSON or protobufjs plain objects. */
export type { JsonFormat } from './proto/wire/scalars.js';
/** A message assembled from already encoded items of one repeated field, byte-equal to a whole encode. */
export { encodeSpliced, encodeSplicedItems } from './proto/wire/splice.js';
/** Encoded items of a repeated field kept in key order, in blocks, so one change re-copies one block. */
export { SplicedItems } from './proto/wire/spliced-items.js';
export { decodeMessage, encodeMessage, lookupMessage } from './proto/codec.js';
export { isDnsLabel, isDnsName } from './dns.js';
export { envoyRoot } from './proto/registry.js';
export { isTypeUrl, messageName, TYPE_SHORT_NAMES, TYPE_URLS, TypeUrl } from './proto/type-urls.js';
export type { Result } from './result.js';
export {
  createResource,
  encodeResource,
  resourceVersion,
  type Audience,
  type Resource,
  type ResourceKey,
} from './snapshot/resource.js';
export {
  applyChange,
  createSnapshot,
  diffSnapshots,
  EMPTY_SNAPSHOT,
  fullChange,
  updateSnapshot,
  type Snapshot,
  type SnapshotChange,
  type TypeResources,
} from './snapshot/snapshot.js';
export { readTlsDir, TLS_FILES, type TlsMaterial } from './tls.js';
