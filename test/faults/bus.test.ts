import { randomBytes } from 'node:crypto';
import { createLogger, createNatsStore, createRedisStore, type BusStore } from '@sesame/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from './processes.js';
import { startScenario, type Scenario } from './scenario.js';
import { running } from './topology.js';

/**
 * The bus under faults. kill -9 of the bus server under a steady stream of changes, then a restart on the same port: once with its
 * data (NATS JetStream's files, Redis' fsynced append-only file), once wiped. Edges keep serving the last good
 * snapshot meanwhile; afterwards the watcher republishes and every Envoy converges on the latest. Then
 * garbage written over the bus head: rejected by every edge, replaced by the watcher, nothing lost.
 */
describe.each(['nats', 'redis'] as const)('fault: the %s bus', (bus) => {
  let s: Scenario;

  beforeAll(async () => {
    s = await startScenario({
      bus,
      redisPersist: true,
      size: { services: 40, dynamic: 4 },
      envoys: 150,
    });
  }, 120_000);

  afterAll(async () => {
    await s?.close();
  }, 60_000);

  it.each([
    ['with its data', true],
    ['without its data', false],
  ])(
    'kill -9 and restart %s: nothing is lost',
    async (_label, keepData) => {
      const watcher = s.topology.watchers[0]!;
      const lost = (): number =>
        watcher.process.lines.filter((l) => DISCONNECTED.test(String(l['msg']))).length;
      const lostBefore = lost();
      const stream = s.changeStream(100);
      let last: number;
      try {
        await pollUntil(() => stream.written() >= 3, { timeoutMs: 10_000, what: 'changes flowing' });
        await s.topology.bus.kill('SIGKILL');
        const writtenAtKill = stream.written();
        // Changes keep coming while the bus is down; the watcher retries, the edges keep the last good snapshot.
        await pollUntil(() => lost() > lostBefore, {
          timeoutMs: 15_000,
          what: 'the watcher to notice the bus is gone',
        });
        await pollUntil(() => stream.written() >= writtenAtKill + 5, {
          timeoutMs: 10_000,
          what: 'changes while down',
        });
        const during = await s.fleet.summary();
        expect(during.connected).toBe(during.envoys);

        await s.topology.bus.restart({ keepData });
        await pollUntil(() => stream.written() >= writtenAtKill + 10, {
          timeoutMs: 10_000,
          what: 'changes after',
        });
      } finally {
        last = await stream.stop();
        // A failure above must not leave the next test without a bus.
        if (!s.topology.bus.running) await s.topology.bus.restart({ keepData });
      }

      await s.expectConverged(last);
      for (const child of [...s.topology.watchers, ...s.topology.edges]) expect(running(child)).toBe(true);
    },
    90_000,
  );

  it('garbage written over the head is rejected by every edge and replaced; nothing is lost', async () => {
    const watcher = s.topology.watchers[0]!;
    const stream = s.changeStream(100);
    try {
      await pollUntil(() => stream.written() >= 3, { timeoutMs: 10_000, what: 'changes flowing' });
      // Paused, the watcher cannot replace the garbage before every edge has read it.
      process.kill(watcher.pid, 'SIGSTOP');
      try {
        await commitGarbageHead(bus, s.topology.bus.port);
        for (const edge of s.topology.edges) {
          await edge.process.waitForLog((l) => l['msg'] === REJECTED, 15_000);
        }
        const atPause = stream.written();
        await pollUntil(() => stream.written() >= atPause + 3, {
          timeoutMs: 10_000,
          what: 'changes meanwhile',
        });
      } finally {
        process.kill(watcher.pid, 'SIGCONT');
      }
      // Resumed, it replaces the head: at once on the notification, or when its next commit finds it.
      await watcher.process.waitForLog((l) => REPLACED.includes(String(l['msg'])), 15_000);
      const atResume = stream.written();
      await pollUntil(() => stream.written() >= atResume + 5, { timeoutMs: 10_000, what: 'changes after' });
    } finally {
      await stream.stop();
    }
    await s.expectConverged(s.generation());
    for (const child of [...s.topology.watchers, ...s.topology.edges]) expect(running(child)).toBe(true);
  }, 90_000);
});

/** Commits random bytes as the bus head, as a compromised or buggy writer could (same bucket or prefix). */
async function commitGarbageHead(bus: 'nats' | 'redis', port: number): Promise<void> {
  const logger = createLogger({ level: 'silent' });
  const store: BusStore =
    bus === 'nats'
      ? createNatsStore({ servers: [`127.0.0.1:${port}`], bucket: 'sesame', logger })
      : createRedisStore({ url: `redis://127.0.0.1:${port}`, prefix: 'sesame:', logger });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('the bus did not answer within 10 s')), 10_000);
  });
  try {
    const commit = async (): Promise<void> => {
      const head = await store.readHead();
      const outcome = await store.commit([], randomBytes(300), head?.token);
      if (!outcome.ok) throw new Error('the bus head moved while the watcher was paused');
    };
    await Promise.race([commit(), deadline]);
  } finally {
    clearTimeout(timer);
    await store.close();
  }
}

const REJECTED = 'rejected a bus payload that failed verification; keeping the last good snapshot';
const REPLACED = [
  'the bus lost the published snapshot; publishing it again',
  'the bus head failed verification; starting a new epoch over it',
];
/** How the bus client reports the loss (Redis says one or the other, depending on which socket event is first). */
const DISCONNECTED = /^(disconnected from (NATS|Redis)|Redis connection error; retrying)$/;
