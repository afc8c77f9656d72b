// State-of-the-world conformance over ADS, against a real edge on 127.0.0.1:0 over mutual TLS. "No response"
// is asserted without sleeping: a probe request that must be answered has to be the next response.
import { TypeUrl, type Resource } from '@sesame/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScriptedAdsClient } from '../../../../test/xds/ads-client.js';
import { startEdgeHarness, type EdgeHarness } from '../../../../test/xds/edge-harness.js';
import {
  basicResources,
  cluster,
  endpoints,
  listener,
  routeConfig,
  secret,
} from '../../../../test/xds/resources.js';

const PROBES = Array.from({ length: 8 }, (_, i) => secret(`probe/${i}`));
const probes = new WeakMap<ScriptedAdsClient, number>();

/** Asserts the edge owes this stream nothing: each call subscribes one more probe secret, which must come next. */
async function quiet(c: ScriptedAdsClient): Promise<void> {
  const n = (probes.get(c) ?? 0) + 1;
  probes.set(c, n);
  const names = PROBES.slice(0, n).map((p) => p.name);
  const r = await c.expectQuiet({ typeUrl: TypeUrl.Secret, names });
  expect(r.names).toEqual([`probe/${n - 1}`]);
  c.ack(r, names);
}

describe('state of the world over ADS', () => {
  let h: EdgeHarness;
  const publish = (resources: Resource[]) => h.publish([...resources, ...PROBES]);

  beforeAll(async () => {
    h = await startEdgeHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('sends every cluster and listener to initial wildcard requests', async () => {
    await publish([...basicResources(), listener('ingress_https', { port: 8443 })]);
    const c = h.client();
    c.request(TypeUrl.Cluster);
    c.request(TypeUrl.Listener);
    const cds = await c.nextOf(TypeUrl.Cluster);
    // Make before break: listeners follow once the clusters are ACKed.
    c.ack(cds);
    const lds = await c.nextOf(TypeUrl.Listener);
    expect(cds.names).toEqual(['default/echo/80/da39a3ee5e']);
    expect(cds.resources[0]?.decoded).toMatchObject({
      type: 'EDS',
      eds_cluster_config: { service_name: 'default/echo/http' },
    });
    expect([...lds.names].sort()).toEqual(['ingress_http', 'ingress_https']);
    expect(cds.versionInfo).not.toBe('');
    expect(cds.nonce).not.toBe(lds.nonce);
    expect(cds.controlPlane).toBe('sesame-xds-edge');
  });

  it('sends nothing more after an ACK', async () => {
    await publish([cluster('c1'), listener('l1')]);
    const c = h.client();
    c.request(TypeUrl.Cluster);
    c.ack(await c.nextOf(TypeUrl.Cluster));
    c.request(TypeUrl.Listener);
    c.ack(await c.nextOf(TypeUrl.Listener));
    await quiet(c);
    // The same content published again changes nothing either.
    await publish([cluster('c1'), listener('l1')]);
    await quiet(c);
  });

  it('never resends a NACKed version, and sends the next version', async () => {
    await publish([cluster('c1')]);
    const c = h.client();
    c.request(TypeUrl.Cluster);
    c.ack(await c.nextOf(TypeUrl.Cluster));
    await publish([cluster('c1', { connectTimeoutSeconds: 99 })]);
    const rejected = await c.nextOf(TypeUrl.Cluster);
    c.nack(rejected, 'connect_timeout too long');
    await quiet(c);
    await publish([cluster('c1', { connectTimeoutSeconds: 2 })]);
    const next = await c.nextOf(TypeUrl.Cluster);
    expect(next.versionInfo).not.toBe(rejected.versionInfo);
    expect(next.resources[0]?.decoded).toMatchObject({ connect_timeout: '2s' });
    c.ack(next);
    await quiet(c);
  });

  it('ignores a request that answers an older response (stale nonce)', async () => {
    await publish([endpoints('a'), endpoints('b')]);
    const c = h.client();
    c.request(TypeUrl.ClusterLoadAssignment, ['a']);
    const r1 = await c.nextOf(TypeUrl.ClusterLoadAssignment);
    c.ack(r1, ['a']);
    await publish([endpoints('a', { ports: [9001] }), endpoints('b')]);
    const r2 = await c.nextOf(TypeUrl.ClusterLoadAssignment);
    c.send({
      type_url: TypeUrl.ClusterLoadAssignment,
      resource_names: ['a', 'b'],
      version_info: r1.versionInfo,
      response_nonce: r1.nonce,
    });
    // Had the stale request changed the subscription, the response to the ACK would carry b first.
    c.ack(r2, ['a', 'b']);
    expect((await c.nextOf(TypeUrl.ClusterLoadAssignment)).names).toEqual(['b']);
  });

  it('sends a resource again after it was unsubscribed and subscribed again (A, ACK, {}, A)', async () => {
    await publish([endpoints('a')]);
    const c = h.client();
    c.request(TypeUrl.ClusterLoadAssignment, ['a']);
    c.ack(await c.nextOf(TypeUrl.ClusterLoadAssignment), ['a']);
    c.request(TypeUrl.ClusterLoadAssignment, []);
    await quiet(c);
    c.request(TypeUrl.ClusterLoadAssignment, ['a']);
    expect((await c.nextOf(TypeUrl.ClusterLoadAssignment)).names).toEqual(['a']);
  });

  it('remembers a requested name that does not exist yet and sends it when it appears', async () => {
    await publish([]);
    const c = h.client();
    c.request(TypeUrl.ClusterLoadAssignment, ['late']);
    await quiet(c);
    await publish([endpoints('late'), endpoints('unrelated')]);
    expect((await c.nextOf(TypeUrl.ClusterLoadAssignment)).names).toEqual(['late']);
  });

  it('sends only the changed route configurations and endpoints', async () => {
    await publish([routeConfig('r1'), routeConfig('r2'), endpoints('e1'), endpoints('e2')]);
    const c = h.client();
    c.request(TypeUrl.RouteConfiguration, ['r1', 'r2']);
    c.ack(await c.nextOf(TypeUrl.RouteConfiguration));
    c.request(TypeUrl.ClusterLoadAssignment, ['e1', 'e2']);
    c.ack(await c.nextOf(TypeUrl.ClusterLoadAssignment));
    await publish([
      routeConfig('r1'),
      routeConfig('r2', { prefix: '/v2' }),
      endpoints('e1', { ports: [1] }),
      endpoints('e2'),
    ]);
    const eds = await c.nextOf(TypeUrl.ClusterLoadAssignment);
    expect(eds.names).toEqual(['e1']);
    c.ack(eds);
    expect((await c.nextOf(TypeUrl.RouteConfiguration)).names).toEqual(['r2']);
  });

  it('sends the full listener state when the only change is a deletion', async () => {
    await publish([listener('l1'), listener('l2', { port: 8443 })]);
    const c = h.client();
    c.request(TypeUrl.Listener);
    c.ack(await c.nextOf(TypeUrl.Listener));
    await publish([listener('l1')]);
    const r = await c.nextOf(TypeUrl.Listener);
    expect(r.names).toEqual(['l1']);
    c.ack(r);
    await publish([]);
    expect((await c.nextOf(TypeUrl.Listener)).names).toEqual([]);
  });

  it('orders the responses to one change CDS, EDS, LDS, RDS (make before break)', async () => {
    const v1 = [cluster('c', { serviceName: 'svc' }), endpoints('svc'), listener('l'), routeConfig('l')];
    await publish(v1);
    const c = h.client();
    // Envoy's own order: clusters, their endpoints, listeners, their routes.
    for (const [type, names] of [
      [TypeUrl.Cluster, []],
      [TypeUrl.ClusterLoadAssignment, ['svc']],
      [TypeUrl.Listener, []],
      [TypeUrl.RouteConfiguration, ['l']],
    ] as const) {
      c.request(type, names);
      c.ack(await c.nextOf(type));
    }
    await quiet(c);
    await publish([
      cluster('c', { serviceName: 'svc', connectTimeoutSeconds: 3 }),
      endpoints('svc', { ports: [9100] }),
      listener('l', { port: 9090 }),
      routeConfig('l', { prefix: '/new' }),
    ]);
    const order: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await c.next();
      order.push(r.typeUrl);
      c.ack(r);
    }
    expect(order).toEqual([
      TypeUrl.Cluster,
      TypeUrl.ClusterLoadAssignment,
      TypeUrl.Listener,
      TypeUrl.RouteConfiguration,
    ]);
    await quiet(c);
  });

  it('re-sends unchanged endpoints right after their cluster changed, so the cluster leaves warming', async () => {
    await publish([
      cluster('c', { serviceName: 'svc' }),
      endpoints('svc'),
      cluster('other'),
      endpoints('other'),
    ]);
    const c = h.client();
    c.request(TypeUrl.Cluster);
    c.ack(await c.nextOf(TypeUrl.Cluster));
    c.request(TypeUrl.ClusterLoadAssignment, ['svc', 'other']);
    const e1 = await c.nextOf(TypeUrl.ClusterLoadAssignment);
    c.ack(e1);
    await publish([
      cluster('c', { serviceName: 'svc', connectTimeoutSeconds: 7 }),
      endpoints('svc'),
      cluster('other'),
      endpoints('other'),
    ]);
    c.ack(await c.nextOf(TypeUrl.Cluster));
    const e2 = await c.nextOf(TypeUrl.ClusterLoadAssignment);
    expect(e2.names).toEqual(['svc']);
    expect(e2.versionInfo).toBe(e1.versionInfo);
    c.ack(e2);
    await quiet(c);
  });
});
