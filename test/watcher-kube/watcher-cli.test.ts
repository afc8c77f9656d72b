// The acceptance line: `sesame watcher --source kube --kubeconfig F --bus nats://…` against an API server
// (the fixture), as processes. Two watchers: one publishes and writes status, the other stands by; killing
// the leader hands over within the lease, and a clean stop releases it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, openBus, type SnapshotBus } from '@sesame/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSesame, startSesame, type SesameProcess } from '../cli/run-sesame.js';
import { createKubeApiServer, waitUntil, type KubeApiServer } from '../kube-api/index.js';
import { startNatsServer, type NatsTestServer } from '../servers/index.js';
import { latestOn, routedHosts } from './harness.js';
import { seedProxies } from './objects.js';

let dir: string;
let kubeconfig: string;
let server: KubeApiServer;
let nats: NatsTestServer;
let edgeBus: SnapshotBus;
const processes: SesameProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sesame-watcher-kube-'));
  server = await createKubeApiServer({ bookmarkIntervalMs: 0 });
  kubeconfig = await server.writeKubeconfig(dir);
  nats = await startNatsServer();
  edgeBus = await openBus(nats.url, { logger: createLogger({ level: 'silent' }), role: 'edge' });
});

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop()));
  await edgeBus?.close();
  await nats?.stop();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

function watcher(...extra: string[]): SesameProcess {
  const p = startSesame([
    'watcher',
    ...['--source', 'kube', '--kubeconfig', kubeconfig, '--bus', nats.url, '--admin', '127.0.0.1:0'],
    ...['--lease-namespace', 'sesame', '--ingress-status-address', '192.0.2.7'],
    // A short lease, so the hand-over happens within the test (the Lease keeps whole seconds).
    ...['--lease-duration-ms', '2000', '--lease-renew-deadline-ms', '1400', '--lease-retry-period-ms', '300'],
    ...extra,
  ]);
  processes.push(p);
  return p;
}

const isMsg = (msg: string) => (l: Record<string, unknown>) => l['msg'] === msg;

describe('sesame watcher --source kube', () => {
  it('refuses to run outside a cluster without --kubeconfig, in one line', async () => {
    const run = await runSesame(['watcher', '--source', 'kube', '--bus', 'nats://127.0.0.1:4222'], {
      env: { KUBERNETES_SERVICE_HOST: '' },
    });
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toMatch(/^sesame watcher: --kubeconfig: /);
  });

  it('publishes to NATS and writes status; a standby takes over when the leader dies', async () => {
    seedProxies(server, 3);
    const first = watcher();
    await first.waitForLog(isMsg('published snapshot'));
    const bus = latestOn(edgeBus);
    await waitUntil(() => routedHosts(bus.current()).length === 3, { timeoutMs: 10_000 });
    expect(routedHosts(bus.current())).toEqual(['p0.example.com', 'p1.example.com', 'p2.example.com']);
    await waitUntil(
      () => server.list('httpproxies').every((p) => JSON.stringify(p['status'] ?? {}).includes('192.0.2.7')),
      { timeoutMs: 10_000, what: 'status on every HTTPProxy' },
    );

    const second = watcher();
    await second.waitForLog(isMsg('campaigning for the lease'));
    const updates = bus.updates();
    first.child.kill('SIGKILL');
    await second.waitForLog(isMsg('became the leader'), 10_000);
    await second.waitForLog(isMsg('snapshot unchanged on the bus'));
    // Same content, same version: the edges saw no change.
    expect(bus.updates()).toBe(updates);

    // The new leader follows changes, and a clean stop releases the lease.
    seedProxies(server, 1, 3);
    await waitUntil(() => routedHosts(bus.current()).includes('p3.example.com'), { timeoutMs: 10_000 });
    expect(await second.stop()).toBe(0);
    expect(second.lines.some(isMsg('released the lease'))).toBe(true);
    expect(server.get('leases', { namespace: 'sesame', name: 'sesame-watcher' })).toMatchObject({
      spec: { holderIdentity: '' },
    });
    bus.close();
  });
});
