// Conformance, aggregated streams (rules 29–30): make before break. One change that adds a cluster, points a
// route at it and drops the cluster the route used must reach Envoy as clusters (keeping the old one), the
// new endpoints, the route, and only then the removals; a changed cluster gets its endpoints again so it
// leaves warming. The scripted client behaves like Envoy: it asks for a new cluster's endpoints before it
// ACKs the clusters, and ACKs everything.
import { TypeUrl, type Resource } from '@sesame/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScriptedAdsClient } from '../../../../test/xds/ads-client.js';
import type { ScriptedDeltaClient } from '../../../../test/xds/delta-client.js';
import { startEdgeHarness, type EdgeHarness } from '../../../../test/xds/edge-harness.js';
import { quiet, quietDelta, withProbes } from '../../../../test/xds/probes.js';
import { cluster, endpoints, listener, routeConfig } from '../../../../test/xds/resources.js';

/** Before: route `l` → cluster `old`. */
const BEFORE: Resource[] = [
  cluster('old', { serviceName: 'old-svc' }),
  endpoints('old-svc'),
  listener('l'),
  routeConfig('l', { cluster: 'old' }),
];
/** After: route `l` → cluster `new`; `old` and its endpoints are gone. */
const AFTER: Resource[] = [
  cluster('new', { serviceName: 'new-svc' }),
  endpoints('new-svc'),
  listener('l'),
  routeConfig('l', { cluster: 'new' }),
];

describe('conformance: make before break on aggregated streams', () => {
  let h: EdgeHarness;
  const publish = (resources: Resource[]) => h.publish(withProbes(resources));

  beforeAll(async () => {
    h = await startEdgeHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  /** Subscribes like Envoy: clusters, their endpoints, listeners, their routes; ACKs each. */
  async function sotwClient(): Promise<ScriptedAdsClient> {
    const c = h.client();
    for (const [type, names] of [
      [TypeUrl.Cluster, []],
      [TypeUrl.ClusterLoadAssignment, ['old-svc']],
      [TypeUrl.Listener, []],
      [TypeUrl.RouteConfiguration, ['l']],
    ] as const) {
      c.request(type, names);
      c.ack(await c.nextOf(type));
    }
    return c;
  }

  it('rule 29 (SotW): clusters keeping the old one, new endpoints, the route, then the removal', async () => {
    await publish(BEFORE);
    const c = await sotwClient();
    await publish(AFTER);
    const cds = await c.nextOf(TypeUrl.Cluster);
    expect([...cds.names].sort()).toEqual(['new', 'old']);
    // Envoy asks for the new cluster's endpoints, then ACKs the clusters.
    c.request(TypeUrl.ClusterLoadAssignment, ['old-svc', 'new-svc']);
    c.ack(cds);
    const eds = await c.nextOf(TypeUrl.ClusterLoadAssignment);
    expect(eds.names).toEqual(['new-svc']);
    c.ack(eds);
    const rds = await c.nextOf(TypeUrl.RouteConfiguration);
    expect(rds.resources[0]?.decoded).toMatchObject({
      virtual_hosts: [{ routes: [{ route: { cluster: 'new' } }] }],
    });
    c.ack(rds);
    const removal = await c.nextOf(TypeUrl.Cluster);
    expect(removal.names).toEqual(['new']);
    expect(removal.versionInfo).not.toBe(cds.versionInfo);
    c.ack(removal);
    await quiet(c);
  });

  it('rule 29 (SotW): a removal with nothing else pending goes out at once', async () => {
    await publish([...BEFORE, cluster('spare')]);
    const c = await sotwClient();
    await publish(BEFORE);
    expect((await c.nextOf(TypeUrl.Cluster)).names).toEqual(['old']);
  });

  it('rule 29 (delta): the same order, removals last, each type after the ACK of the one before', async () => {
    await publish(BEFORE);
    const c = h.deltaClient();
    for (const [type, names] of [
      [TypeUrl.Cluster, []],
      [TypeUrl.ClusterLoadAssignment, ['old-svc']],
      [TypeUrl.Listener, []],
      [TypeUrl.RouteConfiguration, ['l']],
    ] as const) {
      c.subscribe(type, names);
      c.ack(await c.nextOf(type));
    }
    await publish(AFTER);
    const cds = await c.nextOf(TypeUrl.Cluster);
    expect(cds.names).toEqual(['new']);
    expect(cds.removed).toEqual([]);
    c.subscribe(TypeUrl.ClusterLoadAssignment, ['new-svc']);
    c.ack(cds);
    const eds = await c.nextOf(TypeUrl.ClusterLoadAssignment);
    expect([eds.names, eds.removed]).toEqual([['new-svc'], []]);
    c.ack(eds);
    c.ack(await c.nextOf(TypeUrl.RouteConfiguration));
    const cdsRemoval = await c.nextOf(TypeUrl.Cluster);
    expect([cdsRemoval.names, cdsRemoval.removed]).toEqual([[], ['old']]);
    c.ack(cdsRemoval);
    const edsRemoval = await c.nextOf(TypeUrl.ClusterLoadAssignment);
    expect([edsRemoval.names, edsRemoval.removed]).toEqual([[], ['old-svc']]);
    c.ack(edsRemoval);
    await quietDelta(c);
  });

  it('rule 30 (delta): a changed cluster gets its unchanged endpoints again, so it leaves warming', async () => {
    await publish([cluster('warm', { serviceName: 'warm-svc' }), endpoints('warm-svc')]);
    const c: ScriptedDeltaClient = h.deltaClient();
    c.subscribe(TypeUrl.Cluster);
    c.ack(await c.nextOf(TypeUrl.Cluster));
    c.subscribe(TypeUrl.ClusterLoadAssignment, ['warm-svc']);
    const e1 = await c.nextOf(TypeUrl.ClusterLoadAssignment);
    c.ack(e1);
    await publish([
      cluster('warm', { serviceName: 'warm-svc', connectTimeoutSeconds: 4 }),
      endpoints('warm-svc'),
    ]);
    c.ack(await c.nextOf(TypeUrl.Cluster));
    const e2 = await c.nextOf(TypeUrl.ClusterLoadAssignment);
    expect(e2.names).toEqual(['warm-svc']);
    expect(e2.resources[0]?.version).toBe(e1.resources[0]?.version);
    c.ack(e2);
    await quietDelta(c);
  });

  it('rule 29: a listener change waits for the ACK of the clusters it may need', async () => {
    await publish([cluster('a'), listener('l')]);
    const c = h.client();
    c.request(TypeUrl.Cluster);
    c.ack(await c.nextOf(TypeUrl.Cluster));
    c.request(TypeUrl.Listener);
    c.ack(await c.nextOf(TypeUrl.Listener));
    await publish([cluster('a'), cluster('b'), listener('l', { port: 9 })]);
    const cds = await c.nextOf(TypeUrl.Cluster);
    // Nothing else is written until the clusters are ACKed.
    expect(c.pending()).toBe(0);
    c.ack(cds);
    expect((await c.nextOf(TypeUrl.Listener)).names).toEqual(['l']);
  });
});
