// The watcher builds each snapshot after the first by updating the previous one with the translation's
// upserts and removals. Whatever the sequence of changes, that snapshot must be the one built from scratch
// from every resource of the translation: same version, same resources.
import { createLogger, createMemoryBus, createSnapshot } from '@sesame/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { baseObjects, keyOf, kubeObject } from '../../../../test/watcher/arbitraries.js';
import type { KubeObject } from '../kube/object.js';
import type { ObjectKey } from '../translate-store.js';
import type { ObjectSource } from '../source/object-source.js';
import { createWatcher, type TranslatedState } from './watcher.js';

type Step = { readonly upsert: KubeObject } | { readonly remove: KubeObject };

// Random objects come from a small pool of names, so removals often hit objects that exist.
const step: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: kubeObject.map((upsert) => ({ upsert })), weight: 3 },
  { arbitrary: kubeObject.map((remove) => ({ remove })), weight: 2 },
);

/** A source holding objects in memory that reports object-level changes, as the Kubernetes source does. */
function memorySource(initial: readonly KubeObject[]): {
  source: ObjectSource;
  apply(step: Step): void;
} {
  const objects = new Map(initial.map((o) => [keyOf(o), o]));
  let pending: { upserts: KubeObject[]; deletes: ObjectKey[] } = {
    upserts: [],
    deletes: [],
  };
  let notify = (): void => undefined;
  return {
    source: {
      description: 'memory',
      load: () => {
        pending = { upserts: [], deletes: [] };
        return Promise.resolve({ objects: [...objects.values()], diagnostics: [] });
      },
      watch(onChange) {
        notify = onChange;
        return { close: () => undefined };
      },
      takeChanges() {
        const changes = pending;
        pending = { upserts: [], deletes: [] };
        return changes;
      },
    },
    apply(s) {
      if ('upsert' in s) {
        objects.set(keyOf(s.upsert), s.upsert);
        pending.upserts.push(s.upsert);
      } else {
        const key = keyOf(s.remove);
        if (!objects.delete(key)) return;
        const [kind = '', rest = ''] = key.split(' ');
        const [namespace = '', name = ''] = rest.split('/');
        pending.deletes.push({ kind, namespace, name });
      }
      notify();
    },
  };
}

describe('watcher snapshots', () => {
  it('updated change by change, equal the snapshot built from every resource', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(kubeObject, { maxLength: 20 }),
        fc.array(step, { minLength: 1, maxLength: 10 }),
        async (random, steps) => {
          const memory = memorySource([...baseObjects, ...random]);
          const source = memory.source;
          const seen: TranslatedState[] = [];
          const bus = createMemoryBus();
          const watcher = createWatcher({
            source,
            bus,
            logger: createLogger({ level: 'silent' }),
            holdoffMs: 1,
            holdoffMaxMs: 5,
            onTranslated: (state) => seen.push(state),
          });
          try {
            await watcher.start();
            for (const s of steps) {
              const before = seen.length;
              memory.apply(s);
              const deadline = Date.now() + 10_000;
              while (seen.length === before && 'upsert' in s) {
                if (Date.now() > deadline) throw new Error('no rebuild after a change');
                await new Promise((resolve) => setTimeout(resolve, 2));
              }
            }
            await watcher.close();
            for (const { translation, snapshot, full } of seen) {
              const rebuilt = createSnapshot(translation.resources);
              if (!rebuilt.ok) throw new Error(rebuilt.errors.join('; '));
              expect({ full, version: snapshot.version }).toEqual({ full, version: rebuilt.value.version });
              expect(snapshot.size).toBe(rebuilt.value.size);
            }
            if (steps.some((s) => 'upsert' in s)) expect(seen.some((s) => !s.full)).toBe(true);
          } finally {
            await watcher.close();
            await bus.close();
          }
        },
      ),
      { numRuns: 25 },
    );
  }, 120_000);
});
