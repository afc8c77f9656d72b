// Conformance, state of the world over ADS: a scripted Envoy-like client against a real edge over mutual TLS.
// Each test is one rule of the xDS protocol (shared/reference/xds-protocol.md §1, numbered there); the
// basics already covered by integration/sotw-ads.test.ts are not repeated. "No response" is asserted without
// sleeping, with a probe that must be answered next (test/xds/probes.ts).
import { TypeUrl } from '@sesame/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type TestPki } from '../../../../test/tls/pki.js';
import { startEdgeHarness, type EdgeHarness } from '../../../../test/xds/edge-harness.js';
import { quiet, withProbes } from '../../../../test/xds/probes.js';
import { cluster, endpoints, listener, routeConfig } from '../../../../test/xds/resources.js';

describe('conformance: state of the world (ADS)', () => {
  let pki: TestPki;
  let h: EdgeHarness;
  const publish = (...resources: Parameters<typeof withProbes>) => h.publish(withProbes(...resources));

  beforeAll(async () => {
    pki = await createTestPki();
    h = await startEdgeHarness({ pki });
  });
  afterAll(async () => {
    await h.close();
    await pki.cleanup();
  });

  it('rules 3–6: versions per type, nonces unique on the stream, every Any of the response type', async () => {
    await publish([cluster('c1'), listener('l1')]);
    const c = h.client();
    c.request(TypeUrl.Cluster);
    c.request(TypeUrl.Listener);
    const cds = await c.nextOf(TypeUrl.Cluster);
    c.ack(cds);
    const lds = await c.nextOf(TypeUrl.Listener);
    c.ack(lds);
    expect(cds.versionInfo).not.toBe(lds.versionInfo);
    expect(cds.nonce).not.toBe(lds.nonce);
    for (const r of [cds, lds]) expect(r.resources.every((x) => x.typeUrl === r.typeUrl)).toBe(true);
    await publish([cluster('c1'), cluster('c2'), listener('l1')]);
    const cds2 = await c.nextOf(TypeUrl.Cluster);
    expect([cds.nonce, lds.nonce]).not.toContain(cds2.nonce);
    // Only CDS changed: the listener version did not move.
    c.ack(cds2);
    await quiet(c);
  });

  it('rule 7: tells a NACK from an ACK by error_detail alone, not by version or nonce', async () => {
    await publish([cluster('n1')]);
    const c = h.client({ node: { id: 'ack-nack', user_agent_name: 'envoy' } });
    const acks = await h.metric('sesame_xds_acks_total', { type: 'cds' });
    const nacks = await h.metric('sesame_xds_nacks_total', { type: 'cds' });
    c.request(TypeUrl.Cluster);
    const r1 = await c.nextOf(TypeUrl.Cluster);
    // The right nonce but an old version and no error_detail (envoy#14841): an ACK.
    c.send({ type_url: TypeUrl.Cluster, response_nonce: r1.nonce, version_info: '' });
    await publish([cluster('n1'), cluster('n2')]);
    const r2 = await c.nextOf(TypeUrl.Cluster);
    // error_detail with the version just received: still a NACK.
    c.send({
      type_url: TypeUrl.Cluster,
      response_nonce: r2.nonce,
      version_info: r2.versionInfo,
      error_detail: { code: 3, message: 'no' },
    });
    await quiet(c);
    expect(await h.metric('sesame_xds_acks_total', { type: 'cds' })).toBe(acks + 1);
    expect(await h.metric('sesame_xds_nacks_total', { type: 'cds' })).toBe(nacks + 1);
  });

  it('rule 8: a request that repeats the accepted version and names gets no response', async () => {
    await publish([endpoints('e1')]);
    const c = h.client();
    c.request(TypeUrl.ClusterLoadAssignment, ['e1']);
    const r = await c.nextOf(TypeUrl.ClusterLoadAssignment);
    c.ack(r);
    c.send({
      type_url: TypeUrl.ClusterLoadAssignment,
      resource_names: ['e1'],
      version_info: r.versionInfo,
      response_nonce: r.nonce,
    });
    await quiet(c);
  });

  it('rule 12: a name added to the list is sent although unchanged; a dropped name is no longer tracked', async () => {
    await publish([endpoints('a'), endpoints('b')]);
    const c = h.client();
    c.request(TypeUrl.ClusterLoadAssignment, ['a']);
    c.ack(await c.nextOf(TypeUrl.ClusterLoadAssignment));
    c.request(TypeUrl.ClusterLoadAssignment, ['a', 'b']);
    const added = await c.nextOf(TypeUrl.ClusterLoadAssignment);
    expect(added.names).toEqual(['b']);
    c.ack(added, ['b']);
    await publish([endpoints('a', { ports: [7] }), endpoints('b')]);
    await quiet(c);
    await publish([endpoints('a', { ports: [7] }), endpoints('b', { ports: [7] })]);
    expect((await c.nextOf(TypeUrl.ClusterLoadAssignment)).names).toEqual(['b']);
  });

  it('rule 13: legacy wildcard ends with the first name; explicit * and names; empty then means nothing', async () => {
    await publish([cluster('w1'), cluster('w2')]);
    const c = h.client();
    c.request(TypeUrl.Cluster, []);
    const all = await c.nextOf(TypeUrl.Cluster);
    expect([...all.names].sort()).toEqual(['w1', 'w2']);
    c.ack(all, ['w1']);
    // Names only: the wildcard is dropped; the client stops tracking w2 itself, and hears no more of it.
    await publish([cluster('w1'), cluster('w2', { connectTimeoutSeconds: 3 })]);
    await quiet(c);
    c.request(TypeUrl.Cluster, ['*', 'w1']);
    const again = await c.nextOf(TypeUrl.Cluster);
    expect([...again.names].sort()).toEqual(['w1', 'w2']);
    c.ack(again, []);
    // After legacy mode, an empty list unsubscribes from everything: changes are no longer sent.
    await publish([cluster('w1', { connectTimeoutSeconds: 9 }), cluster('w2', { connectTimeoutSeconds: 3 })]);
    await quiet(c);
  });

  it('rules 11, 17: a reconnect claiming a version of other content gets the full state', async () => {
    await publish([listener('r1'), listener('r2', { port: 1 })]);
    const c = h.client();
    c.send({ type_url: TypeUrl.Listener, version_info: 'a-version-from-elsewhere' });
    expect([...(await c.nextOf(TypeUrl.Listener)).names].sort()).toEqual(['r1', 'r2']);
  });

  it('rule 16: never sends a resource the client unsubscribed from', async () => {
    await publish([routeConfig('u1'), routeConfig('u2')]);
    const c = h.client();
    c.request(TypeUrl.RouteConfiguration, ['u1', 'u2']);
    const r = await c.nextOf(TypeUrl.RouteConfiguration);
    c.ack(r, ['u1']);
    await publish([routeConfig('u1'), routeConfig('u2', { prefix: '/x' })]);
    await quiet(c);
  });

  it('rule 17: the full listener state goes out when a listener is added, with the unchanged ones', async () => {
    await publish([listener('f1'), cluster('unrelated')]);
    const c = h.client();
    c.request(TypeUrl.Listener);
    c.ack(await c.nextOf(TypeUrl.Listener));
    await publish([listener('f1'), listener('f2', { port: 2 }), cluster('unrelated')]);
    expect([...(await c.nextOf(TypeUrl.Listener)).names].sort()).toEqual(['f1', 'f2']);
  });

  it('rule 18: an empty change of routes sends nothing, and a deleted route is not announced', async () => {
    await publish([routeConfig('d1'), routeConfig('d2')]);
    const c = h.client();
    c.request(TypeUrl.RouteConfiguration, ['d1', 'd2']);
    c.ack(await c.nextOf(TypeUrl.RouteConfiguration));
    await publish([routeConfig('d1')]);
    await quiet(c);
    // It comes back: sent again, because the client may have dropped it.
    await publish([routeConfig('d1'), routeConfig('d2')]);
    expect((await c.nextOf(TypeUrl.RouteConfiguration)).names).toEqual(['d2']);
  });

  it('rule 19: never puts the same name twice in one response', async () => {
    await publish([routeConfig('dup')]);
    const c = h.client();
    c.request(TypeUrl.RouteConfiguration, ['dup', 'dup', 'dup']);
    expect((await c.nextOf(TypeUrl.RouteConfiguration)).names).toEqual(['dup']);
  });
});
