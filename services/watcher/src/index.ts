export { HTTP_PORT, HTTPS_PORT } from './envoy/listener.js';
export { LISTENER_HTTP, LISTENER_HTTPS, ROUTE_CONFIG_HTTP } from './envoy/names.js';
export { DEFAULT_INGRESS_CLASS } from './kube/ingress-class.js';
export type { Diagnostic, KubeObject, SourcePosition } from './kube/object.js';
export { loadManifests, type LoadedObjects } from './source/load-manifests.js';
export { createFolderSource, type FolderSourceOptions } from './source/folder-source.js';
export type { ObjectSource, SourceChanges } from './source/object-source.js';
export { watchManifests, type ManifestWatch } from './source/watch-manifests.js';
export { translate, type TranslateOptions, type Translation } from './translate.js';
export { createTranslator, type TranslationUpdate, type Translator } from './translate-incremental.js';
export type { IngressStatus, ProxyStatus, Statuses, ValidCondition } from './translate-status.js';
export type { SubCondition } from './model/conditions.js';
export { danglingReferences } from './envoy/resources.js';
export { GRPC_ROUTE_CONFIG_PREFIX } from './envoy/names.js';
export { createHoldoff, systemClock, type Clock, type Holdoff } from './watcher/holdoff.js';
export { createWatcher, type TranslatedState, type Watcher, type WatcherOptions } from './watcher/watcher.js';
export {
  createKubeWatcher,
  type KubeWatcher,
  type KubeWatcherOptions,
  type LeaderElectionOptions,
  type StatusOptions,
} from './watcher/kube-watcher.js';
export { createKubeSource, type KubeSource, type KubeSourceOptions } from './kube-source/kube-source.js';
export { loadKubeConfig } from './kube-source/kube-config.js';
export type { KubeConfig } from '@kubernetes/client-node';
export { SECRET_TYPES, WATCHED_KINDS, type WatchedKind } from './kube-source/watched-kinds.js';
export {
  createLeaderElector,
  LEASE_DEFAULTS,
  type LeaderElector,
  type LeaderElectorOptions,
  type Leadership,
} from './leader/elector.js';
export {
  createKubeLeaseStore,
  LeaseConflictError,
  type LeaseRecord,
  type LeaseStore,
  type StoredLease,
} from './leader/lease-store.js';
export { parseStatusAddress, type LoadBalancerIngress } from './status/load-balancer.js';
export { createStatusWriter, type StatusWriter, type StatusWriterOptions } from './status/status-writer.js';
export { createKubeStatusClient, type StatusClient, type StatusTarget } from './status/status-client.js';
export { desiredStatuses, type DesiredStatus } from './status/render.js';
export type {
  ConditionVerdict,
  ProxyVerdict,
  StatusVerdicts,
  SubConditionVerdict,
} from './status/verdicts.js';
