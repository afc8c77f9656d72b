import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createResource, TypeUrl, type BusStore, type Snapshot } from '@sesame/shared';
import {
  busFactory,
  contents,
  largeSnapshot,
  metricValue,
  paddedSnapshotAt,
  pausable,
  snapshotAt,
  snapshotOf,
  track,
} from './bus-fixtures.js';

/** A backend under contract: each namespace is an isolated bus (bucket, key prefix, or memory store). */
export interface ContractBackend {
  namespace(): Promise<{ connect(): BusStore | Promise<BusStore> }>;
}

const REJECTED = 'sesame_bus_rejected_total';
const RESYNCS = 'sesame_bus_resyncs_total';
const WRITTEN = 'sesame_bus_written_bytes_total';

/**
 * The semantics every snapshot bus backend must have. `backend` is called inside each test, so servers may be
 * started in a `beforeAll` of the caller.
 */
export function busContract(name: string, backend: () => ContractBackend): void {
  describe(`snapshot bus contract: ${name}`, () => {
    let buses: ReturnType<typeof busFactory>;
    let raw: BusStore;
    const opened: BusStore[] = [];

    const setup = async (): Promise<void> => {
      const ns = await backend().namespace();
      buses = busFactory(() => ns.connect());
      raw = await ns.connect();
      opened.push(raw);
    };

    afterEach(async () => {
      await buses.closeAll();
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    it('delivers the full state first, then every change in order, each exactly as published', async () => {
      await setup();
      const { bus: writer } = await buses.open({ tuning: { chunkSize: 64 } });
      const { bus: reader } = await buses.open({ tuning: { chunkSize: 64 } });
      const t = track(reader);
      const published = new Map<string, Snapshot>();
      for (let i = 0; i < 12; i++) {
        const s = snapshotAt(i);
        published.set(s.version, s);
        expect(await writer.publish(s)).toBe('published');
      }
      await t.waitForVersion(snapshotAt(11).version);
      expect(t.updates[0]?.change.previousVersion).toBeNull();
      let previous: string | undefined;
      for (const u of t.updates) {
        const expected = published.get(u.snapshot.version);
        expect(expected, 'a reader never sees a version that was not published').toBeDefined();
        expect(contents(u.snapshot)).toEqual(contents(expected as Snapshot));
        if (previous !== undefined) expect(u.change.previousVersion).toBe(previous);
        previous = u.snapshot.version;
      }
    });

    it('gives a late joiner the latest full state, then follows', async () => {
      await setup();
      const { bus: writer } = await buses.open();
      for (let i = 0; i < 5; i++) await writer.publish(snapshotAt(i));
      const { bus: reader } = await buses.open();
      const t = track(reader);
      const first = await t.waitForVersion(snapshotAt(4).version);
      expect(first.change.previousVersion).toBeNull();
      expect(t.updates).toHaveLength(1);
      expect(reader.status()).toMatchObject({ hasSnapshot: true, version: snapshotAt(4).version });
      await writer.publish(snapshotAt(5));
      const next = await t.waitForVersion(snapshotAt(5).version);
      expect(next.change.previousVersion).toBe(snapshotAt(4).version);
      expect(next.change.upserts.length + next.change.removals.length).toBeLessThan(4);
    });

    it('publishes only the latest of overlapping publishes; every promise resolves', async () => {
      await setup();
      const { bus: writer } = await buses.open();
      const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) => writer.publish(snapshotAt(i))));
      expect(outcomes.every((o) => o === 'published')).toBe(true);
      const { bus: reader } = await buses.open();
      const t = track(reader);
      await t.waitForVersion(snapshotAt(9).version);
      expect(await writer.publish(snapshotAt(9))).toBe('unchanged');
    });

    it('a restarted publisher writes nothing for an unchanged snapshot, then continues the log', async () => {
      await setup();
      const first = await buses.open();
      await first.bus.publish(snapshotAt(1));
      await first.bus.publish(snapshotAt(2));
      await first.bus.close();
      const { bus: reader } = await buses.open();
      const t = track(reader);
      await t.waitForVersion(snapshotAt(2).version);
      const seq = reader.status().seq;
      const before = await raw.readHead();

      const second = await buses.open();
      expect(await second.bus.publish(snapshotAt(2))).toBe('unchanged');
      expect((await raw.readHead())?.token).toBe(before?.token);
      expect(await metricValue(second.registry, WRITTEN)).toBe(0);

      expect(await second.bus.publish(snapshotAt(3))).toBe('published');
      const next = await t.waitForVersion(snapshotAt(3).version);
      expect(next.change.previousVersion).toBe(snapshotAt(2).version);
      expect(reader.status().seq).toBe(seq + 1);
    });

    it('a change costs what changed, not the whole snapshot', async () => {
      await setup();
      const { bus: writer, registry } = await buses.open();
      const big = largeSnapshot(2000, 200);
      await writer.publish(big);
      const before = await metricValue(registry, WRITTEN);
      expect(before).toBeGreaterThan(400_000);
      const changed = snapshotOf([
        ...[...(big.types.get(TypeUrl.Cluster)?.resources.values() ?? [])].slice(1),
        createResource({ typeUrl: TypeUrl.Cluster, name: 'ns/svc-0/80', body: randomBytes(200) }),
      ]);
      await writer.publish(changed);
      expect((await metricValue(registry, WRITTEN)) - before).toBeLessThan(4096);
    });

    it('a reader that fell behind the retained changes resynchronises from the checkpoint', async () => {
      await setup();
      const tuning = { checkpointEvery: 4, retainChanges: 4 };
      const { bus: writer } = await buses.open({ tuning });
      await writer.publish(snapshotAt(0));
      const gate = pausable(raw);
      const { bus: reader, registry } = await buses.open({ tuning, store: gate.store });
      const t = track(reader);
      await t.waitForVersion(snapshotAt(0).version);
      await gate.pause();
      for (let i = 1; i <= 12; i++) await writer.publish(snapshotAt(i));
      gate.resume();
      const last = await t.waitForVersion(snapshotAt(12).version);
      expect(last.change.previousVersion).toBeNull();
      expect(t.updates).toHaveLength(2);
      expect(await metricValue(registry, RESYNCS)).toBe(2);
    });

    it('compacts: the bus holds the checkpoint and a bounded tail, however many changes', async () => {
      await setup();
      const tuning = { checkpointEvery: 4, retainChanges: 6 };
      const { bus: writer } = await buses.open({ tuning });
      for (let i = 0; i < 30; i++) await writer.publish(snapshotAt(i));
      const keys = await raw.listKeys('');
      expect(keys.filter((k) => k.startsWith('chg.')).length).toBeLessThanOrEqual(6);
      expect(keys.filter((k) => k.startsWith('cp.'))).toHaveLength(1);
      // Plus the head (and, on Redis, its revision counter).
      expect(keys.length).toBeLessThanOrEqual(9);
      const { bus: reader } = await buses.open({ tuning });
      await track(reader).waitForVersion(snapshotAt(29).version);
    });

    it('carries snapshots larger than a NATS message (chunks)', async () => {
      await setup();
      const { bus: writer, registry } = await buses.open();
      const big = largeSnapshot(5000, 300);
      await writer.publish(big);
      expect(await metricValue(registry, WRITTEN)).toBeGreaterThan(1024 * 1024);
      const { bus: reader } = await buses.open();
      const got = await track(reader).waitForVersion(big.version);
      expect(got.snapshot.size).toBe(5000);
    });

    it('rejects and counts a tampered head, keeps the last good snapshot, recovers on the next publish', async () => {
      await setup();
      const key = randomBytes(32);
      const first = await buses.open({ key });
      const { bus: reader, registry } = await buses.open({ key });
      const t = track(reader);
      await first.bus.publish(snapshotAt(1));
      await t.waitForVersion(snapshotAt(1).version);
      await first.bus.close();
      const head = await raw.readHead();
      expect((await raw.commit([], Buffer.from('garbage'), head?.token)).ok).toBe(true);
      await vi.waitFor(async () => expect(await metricValue(registry, REJECTED)).toBe(1));
      expect(t.updates).toHaveLength(1);
      expect(reader.status().version).toBe(snapshotAt(1).version);
      const { bus: writer } = await buses.open({ key });
      expect(await writer.publish(snapshotAt(2))).toBe('published');
      const recovered = await t.waitForVersion(snapshotAt(2).version);
      expect(recovered.change.previousVersion).toBeNull();
    });

    it('a running publisher restores its snapshot over a head that fails verification', async () => {
      await setup();
      const key = randomBytes(32);
      const { bus: writer } = await buses.open({ key });
      await writer.publish(snapshotAt(1));
      const head = await raw.readHead();
      expect((await raw.commit([], Buffer.from('garbage'), head?.token)).ok).toBe(true);
      const { bus: late } = await buses.open({ key });
      await track(late).waitForVersion(snapshotAt(1).version);
    });

    it('rejects a tampered change set and keeps the last good snapshot', async () => {
      await setup();
      const key = randomBytes(32);
      const { bus: writer } = await buses.open({ key });
      const gate = pausable(raw);
      const { bus: reader, registry } = await buses.open({ key, store: gate.store });
      const t = track(reader);
      await writer.publish(paddedSnapshotAt(1));
      await t.waitForVersion(paddedSnapshotAt(1).version);
      await gate.pause();
      await writer.publish(paddedSnapshotAt(2));
      const changeKeys = (await raw.listKeys('chg.')).sort(
        (a, b) => Number(b.split('.')[1]) - Number(a.split('.')[1]),
      );
      const target = changeKeys[0] as string;
      const value = Buffer.from((await raw.get(target)) ?? []);
      value[value.length >> 1] = (value[value.length >> 1] ?? 0) ^ 0xff;
      const head = await raw.readHead();
      expect((await raw.commit([{ key: target, value }], head?.value ?? Buffer.of(), head?.token)).ok).toBe(
        true,
      );
      gate.resume();
      await vi.waitFor(async () => expect(await metricValue(registry, REJECTED)).toBeGreaterThanOrEqual(1));
      expect(t.updates).toHaveLength(1);
      expect(reader.status().version).toBe(paddedSnapshotAt(1).version);
      await writer.publish(paddedSnapshotAt(3));
      await t.waitForVersion(paddedSnapshotAt(3).version);
    });

    it('rejects payloads sealed with another key, and clear payloads when it has a key', async () => {
      await setup();
      const { bus: writer } = await buses.open({ key: randomBytes(32) });
      await writer.publish(snapshotAt(1));
      const wrong = await buses.open({ key: randomBytes(32) });
      const none = await buses.open();
      const tw = track(wrong.bus);
      const tn = track(none.bus);
      await vi.waitFor(async () => expect(await metricValue(wrong.registry, REJECTED)).toBe(1));
      await vi.waitFor(async () => expect(await metricValue(none.registry, REJECTED)).toBe(1));
      expect(tw.updates).toHaveLength(0);
      expect(tn.updates).toHaveLength(0);
      expect(wrong.bus.status().hasSnapshot).toBe(false);
    });

    it('ignores a replayed older head, and the publisher starts a new epoch over it', async () => {
      await setup();
      const { bus: writer } = await buses.open();
      const { bus: reader, registry } = await buses.open();
      const t = track(reader);
      await writer.publish(snapshotAt(1));
      await t.waitForVersion(snapshotAt(1).version);
      const old = await raw.readHead();
      await writer.publish(snapshotAt(2));
      await t.waitForVersion(snapshotAt(2).version);
      const epoch = reader.status().epoch;
      const current = await raw.readHead();
      await raw.commit([], old?.value ?? Buffer.of(), current?.token);
      await writer.publish(snapshotAt(3));
      await t.waitForVersion(snapshotAt(3).version);
      // The replay is ignored: nothing older is delivered and nothing is rejected. The writer starts a new
      // epoch over it, either as soon as it sees the replay (republishing 2) or with 3: the reader follows.
      expect(t.updates.filter((u) => u.snapshot.version === snapshotAt(1).version)).toHaveLength(1);
      expect(reader.status().version).toBe(snapshotAt(3).version);
      expect(reader.status().epoch).not.toBe(epoch);
      expect(await metricValue(registry, REJECTED)).toBe(0);
    });

    it('converges when the bus loses all its data', async () => {
      await setup();
      const { bus: writer } = await buses.open();
      const { bus: reader } = await buses.open();
      const t = track(reader);
      for (let i = 0; i < 3; i++) await writer.publish(snapshotAt(i));
      await t.waitForVersion(snapshotAt(2).version);
      await raw.delete(await raw.listKeys(''));
      expect(await raw.readHead()).toBeUndefined();
      expect(await writer.publish(snapshotAt(3))).toBe('published');
      await t.waitForVersion(snapshotAt(3).version);
      const { bus: late } = await buses.open();
      await track(late).waitForVersion(snapshotAt(3).version);
    });
  });
}
