import { createLogger } from '@sesame/shared';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../../../test/watcher-kube/manual-clock.js';
import { desiredStatuses, statusKey, type CurrentState, type DesiredStatus } from './render.js';
import type { StatusClient, StatusTarget } from './status-client.js';
import { metricValue } from '../../../../test/metrics/metric-value.js';
import { createStatusWriter } from './status-writer.js';
import type { ProxyVerdict, StatusVerdicts } from './verdicts.js';

const logger = createLogger({ level: 'silent' });

const VALID: ProxyVerdict = {
  currentStatus: 'valid',
  description: 'Valid HTTPProxy',
  conditions: [
    { type: 'Valid', status: 'True', reason: 'Valid', message: 'Valid HTTPProxy', errors: [], warnings: [] },
  ],
};
const INVALID: ProxyVerdict = {
  currentStatus: 'invalid',
  description: 'At least one error present, see Errors for details',
  conditions: [
    {
      type: 'Valid',
      status: 'False',
      reason: 'ErrorPresent',
      message: 'At least one error present, see Errors for details',
      errors: [{ type: 'ServiceError', reason: 'ServiceUnresolvedReference', message: 'no such service' }],
      warnings: [],
    },
  ],
};

/** An API server in memory: objects with resourceVersions, and writes that can fail or conflict. */
function fakeApi() {
  const objects = new Map<string, CurrentState>();
  let revision = 10;
  const writes: string[] = [];
  const faults: { code: number | string; times: number }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const key = (t: StatusTarget): string => statusKey(t.kind, t.namespace, t.name);
  const client: StatusClient = {
    async replaceStatus(target, resourceVersion, status) {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setImmediate(r));
      inFlight--;
      const fault = faults[0];
      if (fault !== undefined) {
        if (--fault.times === 0) faults.shift();
        throw Object.assign(new Error(`HTTP ${fault.code}`), { code: fault.code });
      }
      const current = objects.get(key(target));
      if (current === undefined) throw Object.assign(new Error('not found'), { code: 404 });
      if (current.resourceVersion !== resourceVersion) {
        throw Object.assign(new Error('conflict'), { code: 409 });
      }
      writes.push(key(target));
      const version = String(++revision);
      objects.set(key(target), { ...current, resourceVersion: version, status });
      return version;
    },
    read: (target) => Promise.resolve(objects.get(key(target))),
  };
  return {
    client,
    objects,
    writes,
    faults,
    maxInFlight: () => maxInFlight,
    /** Another writer changes the object (bumping its resourceVersion) behind the cache's back. */
    touch(k: string, status?: unknown) {
      const current = objects.get(k)!;
      objects.set(k, { ...current, resourceVersion: String(++revision), ...(status ? { status } : {}) });
    },
  };
}

function proxies(verdicts: Record<string, ProxyVerdict>): StatusVerdicts {
  return { httpProxies: new Map(Object.entries(verdicts)), ingresses: new Map() };
}

function setup(options: { concurrency?: number; cache?: 'live' | 'frozen' } = {}) {
  const api = fakeApi();
  const frozen = new Map<string, CurrentState>();
  const registry = new Registry();
  const clock = createManualClock();
  const writer = createStatusWriter({
    client: api.client,
    // 'frozen': the cache lags behind the server (the informer has not caught up yet).
    current: (t) => {
      const k = statusKey(t.kind, t.namespace, t.name);
      return options.cache === 'frozen' ? (frozen.get(k) ?? api.objects.get(k)) : api.objects.get(k);
    },
    logger,
    registry,
    clock,
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
  });
  const add = (name: string, generation = 1): void => {
    const state = { resourceVersion: '1', generation };
    api.objects.set(statusKey('HTTPProxy', 'default', name), state);
    frozen.set(statusKey('HTTPProxy', 'default', name), state);
  };
  const metric = (name: string): Promise<number> => metricValue(registry, name);
  return { api, writer, add, metric, clock };
}

const desired = (v: StatusVerdicts): Map<string, DesiredStatus> => desiredStatuses(v, [{ ip: '192.0.2.1' }]);

describe('status writer', () => {
  it('writes each status once, as Contour shapes it, and nothing when it is already there', async () => {
    const { api, writer, add, metric } = setup();
    add('a', 3);
    add('b');
    writer.setActive(true);
    writer.setDesired(desired(proxies({ 'default/a': VALID, 'default/b': INVALID })));
    await writer.idle();
    expect(api.writes.sort()).toEqual(['HTTPProxy default/a', 'HTTPProxy default/b']);
    expect(api.objects.get('HTTPProxy default/a')?.status).toEqual({
      currentStatus: 'valid',
      description: 'Valid HTTPProxy',
      loadBalancer: { ingress: [{ ip: '192.0.2.1' }] },
      conditions: [
        {
          type: 'Valid',
          status: 'True',
          reason: 'Valid',
          message: 'Valid HTTPProxy',
          observedGeneration: 3,
          lastTransitionTime: '2030-01-01T00:00:00Z',
        },
      ],
    });
    expect(api.objects.get('HTTPProxy default/b')?.status).toMatchObject({
      currentStatus: 'invalid',
      conditions: [
        {
          status: 'False',
          errors: [
            {
              type: 'ServiceError',
              status: 'True',
              reason: 'ServiceUnresolvedReference',
              message: 'no such service',
            },
          ],
        },
      ],
    });

    // The same verdicts again (a rebuild that changed nothing), and the echo of each write: no write.
    writer.setDesired(desired(proxies({ 'default/a': VALID, 'default/b': INVALID })));
    writer.recheck('HTTPProxy default/a');
    writer.recheck('HTTPProxy default/b');
    await writer.idle();
    expect(api.writes).toHaveLength(2);
    // Another controller touches both objects without changing their status: compared, not written.
    api.touch('HTTPProxy default/a');
    api.touch('HTTPProxy default/b');
    writer.recheck('HTTPProxy default/a');
    writer.recheck('HTTPProxy default/b');
    await writer.idle();
    expect(api.writes).toHaveLength(2);
    expect(await metric('sesame_status_update_success_total')).toBe(2);
    expect(await metric('sesame_status_update_noop_total')).toBe(2);
    await writer.close();
  });

  it('keeps lastTransitionTime unless the condition flips', async () => {
    const { api, writer, add, clock } = setup();
    add('a');
    writer.setActive(true);
    writer.setDesired(desired(proxies({ 'default/a': VALID })));
    await writer.idle();
    const first = JSON.stringify(api.objects.get('HTTPProxy default/a')?.status);
    await clock.advance(60_000);
    // Another controller bumps the object: the status is still right, so nothing is written.
    api.touch('HTTPProxy default/a');
    writer.recheck('HTTPProxy default/a');
    await writer.idle();
    expect(api.writes).toHaveLength(1);
    writer.setDesired(desired(proxies({ 'default/a': INVALID })));
    await writer.idle();
    const flipped = api.objects.get('HTTPProxy default/a')?.status as { conditions: unknown[] };
    expect(JSON.stringify(flipped)).not.toBe(first);
    expect(flipped.conditions[0]).toMatchObject({ lastTransitionTime: '2030-01-01T00:01:00Z' });
    await writer.close();
  });

  it('re-reads and retries on conflict, and does not rewrite while the cache catches up', async () => {
    const { api, writer, add, metric } = setup({ cache: 'frozen' });
    add('a');
    writer.setActive(true);
    api.touch('HTTPProxy default/a');
    writer.setDesired(desired(proxies({ 'default/a': VALID })));
    await writer.idle();
    expect(api.writes).toEqual(['HTTPProxy default/a']);
    expect(await metric('sesame_status_update_conflict_total')).toBe(1);
    // The cache still shows the old version: a re-check must not write again.
    writer.recheck('HTTPProxy default/a');
    await writer.idle();
    expect(api.writes).toHaveLength(1);
    await writer.close();
  });

  it('retries failed writes with backoff, and gives up on objects that are gone', async () => {
    const { api, writer, add, clock, metric } = setup();
    add('a');
    writer.setActive(true);
    api.faults.push({ code: 500, times: 2 });
    writer.setDesired(desired(proxies({ 'default/a': VALID, 'default/gone': VALID })));
    const settled = writer.idle();
    await clock.settle();
    expect(api.writes).toEqual([]);
    await clock.advance(200);
    await clock.advance(400);
    await settled;
    expect(api.writes).toEqual(['HTTPProxy default/a']);
    expect(await metric('sesame_status_update_failed_total')).toBe(2);
    await writer.close();
  });

  it('resends at once, without counting a failure, when a kept-alive connection was reset', async () => {
    const { api, writer, add, metric } = setup();
    add('a');
    writer.setActive(true);
    api.faults.push({ code: 'ECONNRESET', times: 1 });
    writer.setDesired(desired(proxies({ 'default/a': VALID })));
    await writer.idle();
    expect(api.writes).toEqual(['HTTPProxy default/a']);
    expect(await metric('sesame_status_update_failed_total')).toBe(0);
    await writer.close();
  });

  it('writes only while active, keeps at most `concurrency` writes in flight, and coalesces', async () => {
    const { api, writer, add } = setup({ concurrency: 4 });
    for (let i = 0; i < 50; i++) add(`p${i}`);
    const all = (v: ProxyVerdict) =>
      proxies(Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`default/p${i}`, v])));
    writer.setDesired(desired(all(INVALID)));
    writer.setDesired(desired(all(VALID)));
    await writer.idle();
    expect(api.writes).toEqual([]);
    writer.setActive(true);
    await writer.idle();
    // Only the latest wish per object was written, once.
    expect(api.writes).toHaveLength(50);
    expect(new Set(api.writes).size).toBe(50);
    expect(api.maxInFlight()).toBe(4);
    expect(
      [...api.objects.values()].every(
        (o) => (o.status as { currentStatus?: string }).currentStatus === 'valid',
      ),
    ).toBe(true);
    await writer.close();
  });

  it('puts the load balancer address on accepted Ingresses only once it is known', () => {
    const verdicts: StatusVerdicts = {
      httpProxies: new Map(),
      ingresses: new Map([
        ['default/a', { accepted: true }],
        ['default/b', { accepted: false }],
      ]),
    };
    expect([...desiredStatuses(verdicts, undefined).keys()]).toEqual([]);
    expect(desiredStatuses(verdicts, [{ hostname: 'lb.example.com' }])).toEqual(
      new Map([
        [
          'Ingress default/a',
          {
            kind: 'Ingress',
            namespace: 'default',
            name: 'a',
            status: { loadBalancer: { ingress: [{ hostname: 'lb.example.com' }] } },
          },
        ],
      ]),
    );
  });
});
