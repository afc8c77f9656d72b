export { startAdminServer, type AdminServer } from './admin.js';
export { createMemoryBus } from './bus/memory-bus.js';
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
export { checkMessageJson, type CheckMessageOptions } from './proto/check/proto-json-check.js';
export type { JsonFormat } from './proto/check/proto-json-scalars.js';
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
  type Snapshot,
  type SnapshotChange,
  type TypeResources,
} from './snapshot/snapshot.js';
export { readTlsDir, TLS_FILES, type TlsMaterial } from './tls.js';
