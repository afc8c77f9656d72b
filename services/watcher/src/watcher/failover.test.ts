import { createMemoryBus, type SnapshotBus } from '@sesame/shared';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKubeApiServer, waitUntil, type KubeApiServer } from '../../../../test/kube-api/index.js';
import {
  fixtureWatcher,
  latestOn,
  recordingBus,
  routedHosts,
  type PublishRecord,
} from '../../../../test/watcher-kube/harness.js';
import { capturingLogger, seedProxies } from '../../../../test/watcher-kube/objects.js';
import { startTcpProxy, type TcpProxy } from '../../../../test/watcher-kube/tcp-proxy.js';
import type { KubeWatcher } from './kube-watcher.js';

/** Short lease timing so the test runs in seconds (a Lease holds whole seconds). */
const TIMING = { leaseDurationMs: 2000, renewDeadlineMs: 1400, retryPeriodMs: 300 };

let server: KubeApiServer;
let memory: SnapshotBus;
const cleanup: (() => Promise<void>)[] = [];
const logger = capturingLogger('silent').logger;

beforeEach(async () => {
  server = await createKubeApiServer({ bookmarkIntervalMs: 0 });
  memory = createMemoryBus();
});

afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
  await memory.close();
  await server.close();
});

interface Replica {
  readonly watcher: KubeWatcher;
  readonly network: TcpProxy;
  readonly registry: Registry;
}

describe('leader election between two watchers', () => {
  it('the standby takes over within the lease when the leader vanishes; one publisher, one version', async () => {
    seedProxies(server, 3);
    const log: PublishRecord[] = [];
    const violations: string[] = [];
    const replicas = new Map<string, Replica>();
    const replica = async (id: string): Promise<Replica> => {
      const network = await startTcpProxy(server.port);
      const registry = new Registry();
      // At every publish, the other replica must not believe it leads.
      const { bus } = recordingBus(memory, id, log, () => {
        for (const [other, r] of replicas) {
          if (other !== id && r.watcher.isLeader()) violations.push(`${id} published while ${other} led`);
        }
      });
      const watcher = fixtureWatcher(
        server,
        {
          bus,
          logger,
          registry,
          status: { address: [{ ip: '192.0.2.1' }] },
          leaderElection: { leaseName: 'sesame-watcher', leaseNamespace: 'sesame', identity: id, ...TIMING },
        },
        `http://127.0.0.1:${network.port}`,
      );
      const r = { watcher, network, registry };
      replicas.set(id, r);
      cleanup.push(async () => {
        await watcher.close();
        await network.close();
      });
      await watcher.start();
      return r;
    };
    const writes = async (r: Replica): Promise<number> => {
      const m = await r.registry.getSingleMetric('sesame_status_update_success_total')?.get();
      return m?.values.reduce((sum, v) => sum + v.value, 0) ?? 0;
    };

    const a = await replica('a');
    await waitUntil(() => a.watcher.isLeader() && a.watcher.ready());
    const b = await replica('b');
    await waitUntil(() => b.watcher.ready());
    await a.watcher.statusSettled();
    expect(b.watcher.isLeader()).toBe(false);
    expect(await writes(a)).toBe(3);
    const bus = latestOn(memory);
    await waitUntil(() => bus.updates() === 1);
    const version = a.watcher.lastPublished();
    expect(version).toBeDefined();

    // A's node drops off the network: it can neither renew nor release.
    a.network.cut();
    const cutAt = Date.now();
    const lease = (): { spec: { holderIdentity: string; renewTime: string; acquireTime: string } } =>
      server.get('leases', { namespace: 'sesame', name: 'sesame-watcher' }) as never;
    const lastRenewal = Date.parse(lease().spec.renewTime);
    expect(lease().spec.holderIdentity).toBe('a');
    await waitUntil(() => b.watcher.isLeader() && b.watcher.ready(), { timeoutMs: 5_000 });
    expect(a.watcher.isLeader()).toBe(false);
    // B claimed the lease within one lease duration of A's last renewal (plus timer slack on a busy machine).
    expect(lease().spec.holderIdentity).toBe('b');
    const takeover = Date.parse(lease().spec.acquireTime) - lastRenewal;
    expect(takeover).toBeGreaterThanOrEqual(TIMING.leaseDurationMs - TIMING.retryPeriodMs);
    expect(takeover).toBeLessThanOrEqual(TIMING.leaseDurationMs + TIMING.retryPeriodMs);
    expect(Date.now() - cutAt).toBeLessThan(2 * TIMING.leaseDurationMs);
    // Same content, same version: the new leader's publish changes nothing on the bus.
    expect(b.watcher.lastPublished()).toBe(version);
    expect(log.filter((p) => p.by === 'b').map((p) => p.outcome)).toEqual(['unchanged']);
    expect(bus.updates()).toBe(1);

    // A comes back as a standby; changes are published and written by B only.
    a.network.restore();
    const published = log.length;
    const aWrites = await writes(a);
    seedProxies(server, 1, 3);
    await waitUntil(() => routedHosts(bus.current()).includes('p3.example.com'));
    await b.watcher.statusSettled();
    expect(log.slice(published).every((p) => p.by === 'b')).toBe(true);
    expect(await writes(b)).toBeGreaterThanOrEqual(1);
    expect(await writes(a)).toBe(aWrites);
    expect(server.get('httpproxies', { namespace: 'ns-3', name: 'proxy-3' })?.['status']).toMatchObject({
      currentStatus: 'valid',
    });

    // A clean shutdown releases the lease: A takes over within a retry period, not a lease duration.
    await waitUntil(() => a.watcher.ready());
    await b.watcher.close();
    expect(server.get('leases', { namespace: 'sesame', name: 'sesame-watcher' })).toMatchObject({
      spec: { holderIdentity: '' },
    });
    const releasedAt = Date.now();
    await waitUntil(() => a.watcher.isLeader(), { timeoutMs: 5_000 });
    expect(Date.now() - releasedAt).toBeLessThan(TIMING.leaseDurationMs);
    await waitUntil(() => a.watcher.ready());
    expect(violations).toEqual([]);
    bus.close();
  });
});
