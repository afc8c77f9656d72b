// What the watcher's Kubernetes tests share: a bus that records every publish, the hosts a snapshot routes,
// and a kube watcher pointed at the fixture with test-friendly timing.
import { KubeConfig } from '@kubernetes/client-node';
import { decodeMessage, TypeUrl, type PublishOutcome, type Snapshot, type SnapshotBus } from '@sesame/shared';
import { createKubeWatcher, type KubeWatcher, type KubeWatcherOptions } from '@sesame/watcher';
import { kubeconfigYaml, type KubeApiServer } from '../kube-api/index.js';

/** One call to `publish`. */
export interface PublishRecord {
  readonly by: string;
  readonly version: string;
  readonly outcome: PublishOutcome;
  readonly at: number;
}

/** Wraps `bus` so every publish is recorded (with who published, for failover tests). */
export function recordingBus(
  bus: SnapshotBus,
  by = 'watcher',
  log: PublishRecord[] = [],
  check?: () => void,
): { bus: SnapshotBus; published: PublishRecord[] } {
  return {
    published: log,
    bus: {
      publish: async (snapshot) => {
        check?.();
        const outcome = await bus.publish(snapshot);
        log.push({ by, version: snapshot.version, outcome, at: Date.now() });
        return outcome;
      },
      subscribe: (listener) => bus.subscribe(listener),
      close: () => Promise.resolve(),
    },
  };
}

/** The hosts of the plaintext route configuration, sorted. */
export function routedHosts(snapshot: Snapshot | undefined): string[] {
  const body = snapshot?.get(TypeUrl.RouteConfiguration, 'ingress_http')?.body;
  if (body === undefined) return [];
  const config = decodeMessage(TypeUrl.RouteConfiguration, body) as {
    virtual_hosts?: { domains?: string[] }[];
  };
  return (config.virtual_hosts ?? []).flatMap((v) => v.domains ?? []).sort();
}

/** The latest snapshot on `bus`, kept current by a subscription the caller closes. */
export function latestOn(bus: SnapshotBus): {
  current(): Snapshot | undefined;
  updates(): number;
  close(): void;
} {
  let latest: Snapshot | undefined;
  let updates = 0;
  const subscription = bus.subscribe(({ snapshot }) => {
    latest = snapshot;
    updates++;
  });
  return { current: () => latest, updates: () => updates, close: () => subscription.close() };
}

/** A kube watcher against `server` (or `serverUrl`, e.g. a proxy in front of it) with quick test timing. */
export function fixtureWatcher(
  server: KubeApiServer,
  options: Partial<KubeWatcherOptions> & { bus: SnapshotBus; logger: KubeWatcherOptions['logger'] },
  serverUrl = server.url,
): KubeWatcher {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(kubeconfigYaml({ server: serverUrl, token: 'sesame-test-token' }));
  return createKubeWatcher({
    kubeConfig,
    holdoffMs: 20,
    holdoffMaxMs: 100,
    informerBackoffMs: 10,
    ...options,
  });
}
