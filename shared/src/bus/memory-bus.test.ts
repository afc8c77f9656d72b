import { describe, expect, it } from 'vitest';
import { TypeUrl } from '../proto/type-urls.js';
import { encodeResource } from '../snapshot/resource.js';
import { createSnapshot, type Snapshot } from '../snapshot/snapshot.js';
import type { Logger } from '../logger.js';
import type { SnapshotUpdate } from './bus.js';
import { createMemoryBus } from './memory-bus.js';

function snapshotOf(...names: string[]): Snapshot {
  const r = createSnapshot(
    names.map((name) =>
      encodeResource({ typeUrl: TypeUrl.Cluster, name, message: { name, connect_timeout: { seconds: 1 } } }),
    ),
  );
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.value;
}

/** Collects updates and lets a test await the n-th one. */
function collector(): {
  updates: SnapshotUpdate[];
  listener: (u: SnapshotUpdate) => void;
  next: () => Promise<SnapshotUpdate>;
} {
  const updates: SnapshotUpdate[] = [];
  const waiters: Array<(u: SnapshotUpdate) => void> = [];
  let taken = 0;
  return {
    updates,
    listener: (u) => {
      updates.push(u);
      const w = waiters.shift();
      if (w !== undefined) {
        taken++;
        w(u);
      }
    },
    next: () => {
      const ready = updates[taken];
      if (ready !== undefined) {
        taken++;
        return Promise.resolve(ready);
      }
      return new Promise((resolve) => waiters.push(resolve));
    },
  };
}

describe('memory bus', () => {
  it('delivers nothing before the first publish, then the full state', async () => {
    const bus = createMemoryBus();
    const c = collector();
    bus.subscribe(c.listener);
    await Promise.resolve();
    expect(c.updates).toHaveLength(0);
    const s1 = snapshotOf('a');
    await bus.publish(s1);
    const first = await c.next();
    expect(first.change.previousVersion).toBeNull();
    expect(first.snapshot.version).toBe(s1.version);
    await bus.close();
  });

  it('gives a late subscriber the latest state, then changes in order', async () => {
    const bus = createMemoryBus();
    const s1 = snapshotOf('a');
    const s2 = snapshotOf('a', 'b');
    const s3 = snapshotOf('b');
    await bus.publish(s1);
    await bus.publish(s2);
    const c = collector();
    bus.subscribe(c.listener);
    await bus.publish(s3);
    const first = await c.next();
    const second = await c.next();
    expect(first.snapshot.version).toBe(s2.version);
    expect(first.change.previousVersion).toBeNull();
    expect(second.change.previousVersion).toBe(s2.version);
    expect(second.change.removals).toEqual([{ typeUrl: TypeUrl.Cluster, name: 'a' }]);
    expect(second.snapshot.version).toBe(s3.version);
    await bus.close();
  });

  it('writes nothing when the same version is published again', async () => {
    const bus = createMemoryBus();
    expect(await bus.publish(snapshotOf('a'))).toBe('published');
    expect(await bus.publish(snapshotOf('a'))).toBe('unchanged');
    await bus.close();
  });

  it('stops delivering after close', async () => {
    const bus = createMemoryBus();
    const c = collector();
    const sub = bus.subscribe(c.listener);
    sub.close();
    await bus.publish(snapshotOf('a'));
    await Promise.resolve();
    expect(c.updates).toHaveLength(0);
    await bus.close();
  });

  it('keeps delivering after a listener throws', async () => {
    const errors: unknown[] = [];
    const logger = { error: (fields: { err: unknown }) => errors.push(fields.err) } as unknown as Logger;
    const bus = createMemoryBus({ logger });
    const c = collector();
    let calls = 0;
    bus.subscribe((u) => {
      calls++;
      if (calls === 1) throw new Error('listener bug');
      c.listener(u);
    });
    await bus.publish(snapshotOf('a'));
    await bus.publish(snapshotOf('b'));
    const delivered = await c.next();
    expect(delivered.snapshot.get(TypeUrl.Cluster, 'b')).toBeDefined();
    expect(errors).toHaveLength(1);
    await bus.close();
  });
});
