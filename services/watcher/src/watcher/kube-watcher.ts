import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger, SnapshotBus } from '@sesame/shared';
import type { Registry } from 'prom-client';
import { reuseConnections } from '../kube-source/connection-reuse.js';
import { startInformer, type Informer } from '../kube-source/informer.js';
import { createKubeSource, type KubeSource } from '../kube-source/kube-source.js';
import { SERVICE_KIND } from '../kube-source/watched-kinds.js';
import { createLeaderElector, type LeaderElector } from '../leader/elector.js';
import { createKubeLeaseStore } from '../leader/lease-store.js';
import { serviceLoadBalancer, type LoadBalancerIngress } from '../status/load-balancer.js';
import { desiredStatus, desiredStatuses, statusKey, type DesiredStatus } from '../status/render.js';
import { createKubeStatusClient, currentStateOf } from '../status/status-client.js';
import { createStatusWriter, type StatusWriter } from '../status/status-writer.js';
import { NO_VERDICTS, type StatusVerdicts } from '../status/verdicts.js';
import { systemClock, type Clock } from './holdoff.js';
import { createWatcher, type Watcher } from './watcher.js';

/** Lease settings of a replica that takes part in leader election. */
export interface LeaderElectionOptions {
  readonly leaseName: string;
  readonly leaseNamespace: string;
  /** Unique per process: pod name plus a random suffix. */
  readonly identity: string;
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
}

/** Where Ingress (and HTTPProxy) status takes its load balancer address from. */
export interface StatusOptions {
  /** The Envoy Service whose `status.loadBalancer` is copied. */
  readonly envoyService?: { readonly namespace: string; readonly name: string };
  /** A fixed address instead (`--ingress-status-address`); wins over the Service. */
  readonly address?: readonly LoadBalancerIngress[];
  /** Status writes in flight at most (default 32). */
  readonly concurrency?: number;
}

/** Options of `createKubeWatcher`. */
export interface KubeWatcherOptions {
  readonly kubeConfig: KubeConfig;
  readonly bus: SnapshotBus;
  readonly logger: Logger;
  readonly registry?: Registry;
  /** Watch only these namespaces; all when empty. */
  readonly namespaces?: readonly string[];
  readonly ingressClass?: string;
  readonly rootNamespaces?: readonly string[];
  readonly holdoffMs?: number;
  readonly holdoffMaxMs?: number;
  /** Take part in leader election; without it this replica runs alone (always leads). */
  readonly leaderElection?: LeaderElectionOptions;
  /** Write status back; `false` turns status writing off. */
  readonly status?: StatusOptions | false;
  readonly clock?: Clock;
  /** First restart delay of a failed informer (default 250 ms). */
  readonly informerBackoffMs?: number;
}

/** The watcher against a Kubernetes API server, with leader election and status writing. */
export interface KubeWatcher {
  /** Waits for every informer to sync and the first translation, then campaigns (or starts leading). */
  start(): Promise<void>;
  /** Stops publishing and writing, then releases the lease (if held) and stops the informers. */
  close(): Promise<void>;
  /** For /readyz: synced, and when leading, the current snapshot published. */
  ready(): boolean;
  isLeader(): boolean;
  lastPublished(): string | undefined;
  /** Resolves once no status write is queued or in flight (tests, benchmarks). */
  statusSettled(): Promise<void>;
  readonly source: KubeSource;
}

/**
 * Wires the Kubernetes source, the watcher, leader election and the status writer. Standbys keep their
 * informers and translation current, so a takeover publishes at once; only the leader publishes and writes.
 */
export function createKubeWatcher(options: KubeWatcherOptions): KubeWatcher {
  const clock = options.clock ?? systemClock;
  const { logger, registry } = options;
  const connections = reuseConnections(options.kubeConfig);
  const kubeConfig = connections.kubeConfig;
  const source = createKubeSource({
    kubeConfig,
    logger,
    clock,
    ...(registry === undefined ? {} : { registry }),
    ...(options.namespaces === undefined ? {} : { namespaces: options.namespaces }),
    ...(options.informerBackoffMs === undefined ? {} : { backoffMs: options.informerBackoffMs }),
  });
  const election = options.leaderElection;
  const elector: LeaderElector | undefined =
    election === undefined
      ? undefined
      : createLeaderElector({
          store: createKubeLeaseStore({
            kubeConfig,
            namespace: election.leaseNamespace,
            name: election.leaseName,
          }),
          identity: election.identity,
          logger,
          clock,
          ...(registry === undefined ? {} : { registry }),
          ...pick(election, ['leaseDurationMs', 'renewDeadlineMs', 'retryPeriodMs']),
        });
  const statusOptions = options.status === false ? undefined : (options.status ?? {});
  const writer: StatusWriter | undefined =
    statusOptions === undefined
      ? undefined
      : createStatusWriter({
          client: createKubeStatusClient(kubeConfig),
          current: (target) => currentStateOf(source.get(target)),
          logger,
          clock,
          ...(registry === undefined ? {} : { registry }),
          ...(statusOptions.concurrency === undefined ? {} : { concurrency: statusOptions.concurrency }),
        });
  let verdicts: StatusVerdicts = NO_VERDICTS;
  let envoyService: Informer | undefined;

  const loadBalancer = (): readonly LoadBalancerIngress[] | undefined => {
    if (statusOptions?.address !== undefined) return statusOptions.address;
    const svc = statusOptions?.envoyService;
    if (svc === undefined || envoyService === undefined || !envoyService.isSynced()) return undefined;
    return serviceLoadBalancer(envoyService.get(svc.name, svc.namespace));
  };
  const pushDesired = (): void => writer?.setDesired(desiredStatuses(verdicts, loadBalancer()));

  const watcher: Watcher = createWatcher({
    source,
    bus: options.bus,
    logger,
    clock,
    ...(registry === undefined ? {} : { registry }),
    ...pick(options, ['holdoffMs', 'holdoffMaxMs', 'ingressClass', 'rootNamespaces']),
    ...(elector === undefined ? {} : { leadership: elector }),
    onTranslated({ translation, update, full }) {
      if (writer === undefined) return;
      verdicts = translation.statuses;
      if (full) {
        pushDesired();
        return;
      }
      const lb = loadBalancer();
      const changes = new Map<string, DesiredStatus | undefined>();
      for (const key of update.statusChanges) changes.set(key, desiredStatus(key, verdicts, lb));
      writer.patchDesired(changes);
    },
  });
  source.onStatusChange((key) => {
    if (key.kind === 'HTTPProxy' || key.kind === 'Ingress') {
      writer?.recheck(statusKey(key.kind, key.namespace, key.name));
    }
  });
  elector?.onChange((leading) => writer?.setActive(leading));

  return {
    source,
    async start() {
      const svc = statusOptions?.envoyService;
      if (writer !== undefined && statusOptions?.address === undefined && svc !== undefined) {
        const events = { add: pushDesired, update: pushDesired, delete: pushDesired, synced: pushDesired };
        envoyService = startInformer({
          kubeConfig,
          kind: SERVICE_KIND,
          namespace: svc.namespace,
          fieldSelector: `metadata.name=${svc.name}`,
          events,
          logger,
          clock,
        });
      }
      await watcher.start();
      if (elector === undefined) writer?.setActive(true);
      else elector.start();
    },
    async close() {
      // Informers first: a start still waiting for the first sync gives up instead of holding close().
      await source.close();
      // No publish and no status write after these two, so releasing the lease cannot make two leaders.
      await watcher.close();
      await writer?.close();
      await elector?.close();
      await envoyService?.close();
      connections.close();
    },
    ready: () => watcher.ready(),
    isLeader: () => elector?.isLeader() ?? true,
    lastPublished: () => watcher.lastPublished(),
    statusSettled: () => writer?.idle() ?? Promise.resolve(),
  };
}

/** The entries of `keys` that `from` defines, to pass optional options on without `undefined`s. */
function pick<T extends object, K extends keyof T>(from: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (from[key] !== undefined) out[key] = from[key];
  return out;
}
