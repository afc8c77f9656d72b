import { describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../errors.js';
import { busFactory, snapshotAt, track } from '../../../test/servers/bus-fixtures.js';
import { createMemoryStore } from './store.js';
import { parseKey } from './wire.js';

describe('log bus over the memory store', () => {
  it('delivers nothing and reports no snapshot until the first publish', async () => {
    const store = createMemoryStore();
    const buses = busFactory(() => store.connect());
    const { bus: reader } = await buses.open();
    const t = track(reader);
    expect(reader.status()).toEqual({ hasSnapshot: false, seq: 0, epoch: undefined, version: undefined });
    const { bus: writer } = await buses.open();
    await writer.publish(snapshotAt(1));
    await t.waitForVersion(snapshotAt(1).version);
    expect(reader.status()).toMatchObject({ hasSnapshot: true, seq: 1 });
    await buses.closeAll();
  });

  it('keeps the latest snapshot through an outage and writes only it once the store is back', async () => {
    const store = createMemoryStore();
    const buses = busFactory(() => store.connect());
    const { bus: writer } = await buses.open();
    const { bus: reader } = await buses.open();
    const t = track(reader);
    await writer.publish(snapshotAt(1));
    await t.waitForVersion(snapshotAt(1).version);

    store.setReachable(false);
    const pending = [2, 3, 4].map((i) => writer.publish(snapshotAt(i)));
    expect(reader.status().version).toBe(snapshotAt(1).version);
    store.setReachable(true);
    expect(await Promise.all(pending)).toEqual(['published', 'published', 'published']);

    const next = await t.waitForVersion(snapshotAt(4).version);
    expect(next.change.previousVersion).toBe(snapshotAt(1).version);
    expect(reader.status().seq).toBe(2);
    await buses.closeAll();
  });

  it('rebases on a conflict with another writer instead of overwriting it', async () => {
    const store = createMemoryStore();
    const buses = busFactory(() => store.connect());
    const a = await buses.open();
    const b = await buses.open();
    const { bus: reader } = await buses.open();
    const t = track(reader);
    await a.bus.publish(snapshotAt(1));
    await t.waitForVersion(snapshotAt(1).version);
    await b.bus.publish(snapshotAt(2));
    await t.waitForVersion(snapshotAt(2).version);
    await a.bus.publish(snapshotAt(3));
    const last = await t.waitForVersion(snapshotAt(3).version);
    expect(last.change.previousVersion).toBe(snapshotAt(2).version);
    expect(reader.status().seq).toBe(3);
    await buses.closeAll();
  });

  it('keeps serving when the store loses its data, and converges on the next publish', async () => {
    const store = createMemoryStore();
    const buses = busFactory(() => store.connect());
    const { bus: writer } = await buses.open();
    const { bus: reader } = await buses.open();
    const t = track(reader);
    await writer.publish(snapshotAt(1));
    await t.waitForVersion(snapshotAt(1).version);
    store.clear();
    store.setReachable(false);
    store.setReachable(true);
    expect(reader.status().version).toBe(snapshotAt(1).version);
    await writer.publish(snapshotAt(2));
    const next = await t.waitForVersion(snapshotAt(2).version);
    expect(next.change.previousVersion).toBeNull();
    expect(store.keys().filter((k) => parseKey(k)?.kind === 'cp')).toHaveLength(1);
    await buses.closeAll();
  });

  it('an idle publisher restores its snapshot when the store comes back without its data', async () => {
    const store = createMemoryStore();
    const buses = busFactory(() => store.connect());
    const { bus: writer } = await buses.open();
    await writer.publish(snapshotAt(1));
    store.setReachable(false);
    store.clear();
    store.setReachable(true);
    const { bus: late } = await buses.open();
    const first = await track(late).waitForVersion(snapshotAt(1).version);
    expect(first.change.previousVersion).toBeNull();
    expect(await writer.publish(snapshotAt(1))).toBe('unchanged');
    await buses.closeAll();
  });

  it('isolates subscribers: a throwing listener does not stop the others; a closed one gets nothing', async () => {
    const store = createMemoryStore();
    const buses = busFactory(() => store.connect());
    const { bus } = await buses.open();
    const thrower = vi.fn(() => {
      throw new Error('listener bug');
    });
    bus.subscribe(thrower);
    const closed = vi.fn();
    bus.subscribe(closed).close();
    const t = track(bus);
    await bus.publish(snapshotAt(1));
    await t.waitForVersion(snapshotAt(1).version);
    await bus.publish(snapshotAt(2));
    await t.waitForVersion(snapshotAt(2).version);
    expect(thrower).toHaveBeenCalledTimes(2);
    expect(closed).not.toHaveBeenCalled();
    const late = track(bus);
    const first = await late.waitForVersion(snapshotAt(2).version);
    expect(first.change.previousVersion).toBeNull();
    await buses.closeAll();
  });

  it('rejects pending publishes when closed', async () => {
    const store = createMemoryStore();
    const buses = busFactory(() => store.connect());
    const { bus } = await buses.open();
    store.setReachable(false);
    const pending = bus.publish(snapshotAt(1));
    await bus.close();
    await expect(pending).rejects.toMatchObject({ code: ErrorCode.BusUnavailable });
    await expect(bus.publish(snapshotAt(2))).rejects.toMatchObject({ code: ErrorCode.BusUnavailable });
  });
});
