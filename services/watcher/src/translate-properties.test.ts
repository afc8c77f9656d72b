import { checkMessageJson, createSnapshot, decodeMessage, type Resource } from '@sesame/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { baseObjects, keyOf, kubeObject } from '../../../test/watcher/arbitraries.js';
import { grpcRejections } from '../../../test/watcher/grpc-view.js';
import { danglingReferences } from './envoy/resources.js';
import type { KubeObject } from './kube/object.js';
import { createTranslator, type Translation } from './translate-incremental.js';
import { translate } from './translate.js';

const bytes = (resources: readonly Resource[]) =>
  resources.map(
    (r) => `${r.typeUrl} ${r.name} ${r.audience} ${r.version} ${Buffer.from(r.body).toString('base64')}`,
  );
const comparable = (t: Translation) => ({
  resources: bytes(t.resources),
  diagnostics: t.diagnostics,
  proxies: [...t.statuses.httpProxies],
  ingresses: [...t.statuses.ingresses],
});

describe('translate: properties', () => {
  it('never throws, and publishes only what Envoy and grpc-js-xds accept, consistent in both views', () => {
    fc.assert(
      fc.property(fc.array(kubeObject, { maxLength: 30 }), (random) => {
        const { resources } = translate([...baseObjects, ...random]);
        for (const r of resources) {
          // The shared strict checker, independently of the one the translator uses.
          expect(checkMessageJson(r.typeUrl, decodeMessage(r.typeUrl, r.body))).toEqual([]);
        }
        expect(danglingReferences(resources)).toEqual([]);
        expect(grpcRejections(resources)).toEqual([]);
        expect(createSnapshot(resources).ok).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it('gives byte-identical output whatever the order of the objects', () => {
    fc.assert(
      fc.property(
        fc
          .uniqueArray(kubeObject, { maxLength: 25, selector: keyOf })
          .map((random) => [
            ...baseObjects.filter((b) => !random.some((r) => keyOf(r) === keyOf(b))),
            ...random,
          ])
          .chain((objects) =>
            fc.tuple(fc.constant(objects), fc.shuffledSubarray(objects, { minLength: objects.length })),
          ),
        ([objects, shuffled]) => {
          expect(comparable(translate(shuffled))).toEqual(comparable(translate(objects)));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('equals a full translation of the final objects after any sequence of changes', () => {
    const change = fc.oneof(
      { arbitrary: kubeObject.map((object) => ({ upsert: object })), weight: 4 },
      { arbitrary: kubeObject.map((object) => ({ remove: object })), weight: 1 },
    );
    fc.assert(
      fc.property(
        fc.array(fc.array(change, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 12 }),
        (batches) => {
          const translator = createTranslator();
          const state = new Map<string, KubeObject>(baseObjects.map((b) => [keyOf(b), b]));
          translator.apply({ upserts: baseObjects });
          for (const batch of batches) {
            // A batch holds each object at most once, its latest state, as a source coalesces changes.
            const touched = new Map<string, KubeObject>();
            for (const c of batch) {
              const object = 'upsert' in c ? c.upsert : c.remove;
              const key = keyOf(object);
              touched.set(key, object);
              if ('upsert' in c) state.set(key, object);
              else state.delete(key);
            }
            const upserts: KubeObject[] = [];
            const deletes: { kind: string; namespace: string; name: string }[] = [];
            for (const [key, object] of touched) {
              const current = state.get(key);
              if (current !== undefined) upserts.push(current);
              else {
                const m = object.manifest as {
                  kind?: string;
                  metadata?: { name?: string; namespace?: string };
                };
                deletes.push({
                  kind: m.kind ?? '',
                  namespace: m.metadata?.namespace ?? 'default',
                  name: m.metadata?.name ?? '',
                });
              }
            }
            translator.apply({ upserts, deletes });
          }
          expect(comparable(translator.current())).toEqual(comparable(translate([...state.values()])));
        },
      ),
      { numRuns: 50 },
    );
  });
});
