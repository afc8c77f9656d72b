// The fixture must keep up with the watcher's own scale tests: 10,000 objects listed and watched, and a flood of
// 5,000 status writes through the real client, in a few seconds.
import type { KubernetesObject } from '@kubernetes/client-node';
import { CustomObjectsApi, KubeConfig, makeInformer } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InformerRecorder, JsonObject, KubeApiServer } from './index.js';
import { createKubeApiServer, recordInformer } from './index.js';

const OBJECTS = 10_000;
const STATUS_WRITES = 5_000;
const CONCURRENCY = 50;

let server: KubeApiServer;
let recorder: InformerRecorder<KubernetesObject> | undefined;

beforeAll(async () => {
  server = await createKubeApiServer({ bookmarkIntervalMs: 0 });
});

afterAll(async () => {
  await recorder?.stop();
  await server.close();
});

describe('scale', () => {
  it(`lists ${OBJECTS} objects and streams ${STATUS_WRITES} status writes to an informer`, async () => {
    const started = performance.now();
    for (let i = 0; i < OBJECTS; i += 1) {
      server.create('httpproxies', {
        metadata: { name: `proxy-${i}`, namespace: `ns-${i % 100}`, labels: { app: 'scale' } },
        spec: {
          virtualhost: { fqdn: `p${i}.example.com` },
          routes: [{ services: [{ name: 'svc', port: 80 }] }],
        },
      });
    }
    const seeded = performance.now();

    const kc = new KubeConfig();
    kc.loadFromString(server.kubeconfig());
    const custom = kc.makeApiClient(CustomObjectsApi);
    const target = { group: 'projectsesame.io', version: 'v1', plural: 'httpproxies' };
    const informer = makeInformer<KubernetesObject>(
      kc,
      '/apis/projectsesame.io/v1/httpproxies',
      () => custom.listClusterCustomObject(target) as Promise<{ items: KubernetesObject[] }>,
    );
    recorder = recordInformer(informer);
    const rec = recorder;
    await server.waitForWatch('httpproxies');
    await rec.waitFor(() => rec.events.length === OBJECTS);
    const listed = performance.now();

    let next = 0;
    const writer = async (): Promise<void> => {
      for (let i = next++; i < STATUS_WRITES; i = next++) {
        const ref = { namespace: `ns-${i % 100}`, name: `proxy-${i}` };
        const current = server.get('httpproxies', ref) as JsonObject;
        await custom.replaceNamespacedCustomObjectStatus({
          ...target,
          ...ref,
          body: { ...current, status: { currentStatus: 'valid', description: `write ${i}` } },
        });
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, writer));
    await rec.waitFor(() => rec.events.length === OBJECTS + STATUS_WRITES, { timeoutMs: 45_000 });
    const finished = performance.now();

    expect(rec.events.filter((e) => e.type === 'update').length).toBe(STATUS_WRITES);
    expect(server.count({ verb: 'update', resource: 'httpproxies/status' })).toBe(STATUS_WRITES);
    expect(rec.errors).toEqual([]);
    const ms = (a: number, b: number): string => `${Math.round(b - a)} ms`;
    console.log(
      `seed ${ms(started, seeded)}, list+sync ${ms(seeded, listed)}, ${STATUS_WRITES} status writes ${ms(listed, finished)}`,
    );
    // Typically a few seconds, most of it client-node opening a connection per request; the bound is loose
    // because CI machines are shared, and only catches the fixture turning quadratic.
    expect(finished - started).toBeLessThan(45_000);
  }, 90_000);
});
