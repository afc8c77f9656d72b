// Conformance, incremental (delta) xDS over ADS: a scripted Envoy-like client against a real edge over mutual
// TLS. Each test is one rule of shared/reference/xds-protocol.md §1 (rules 20–28 for delta).
import { status } from '@grpc/grpc-js';
import { TypeUrl } from '@sesame/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type TestPki } from '../../../../test/tls/pki.js';
import { startEdgeHarness, type EdgeHarness } from '../../../../test/xds/edge-harness.js';
import { quietDelta, withProbes } from '../../../../test/xds/probes.js';
import { cluster, endpoints, listener, secret } from '../../../../test/xds/resources.js';

describe('conformance: delta (ADS)', () => {
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

  it('rule 28: the first wildcard request is answered even when there is nothing', async () => {
    await publish([cluster('only-a-cluster')]);
    const c = h.deltaClient();
    c.subscribe(TypeUrl.Listener);
    const r = await c.nextOf(TypeUrl.Listener);
    expect(r.resources).toEqual([]);
    expect(r.removed).toEqual([]);
    expect(r.nonce).not.toBe('');
  });

  it('rules 21, 27: a nonce on every response, unique; per-resource versions that follow content', async () => {
    const c1 = cluster('v1');
    await publish([c1, cluster('v2')]);
    const c = h.deltaClient();
    c.subscribe(TypeUrl.Cluster);
    const r1 = await c.nextOf(TypeUrl.Cluster);
    expect(r1.resources.find((r) => r.name === 'v1')?.version).toBe(c1.version);
    c.ack(r1);
    await publish([c1, cluster('v2', { connectTimeoutSeconds: 8 })]);
    const r2 = await c.nextOf(TypeUrl.Cluster);
    expect(r2.names).toEqual(['v2']);
    expect(r2.nonce).not.toBe(r1.nonce);
    expect(r2.resources[0]?.version).toBe(cluster('v2', { connectTimeoutSeconds: 8 }).version);
  });

  it('rule 22: subscribe and unsubscribe are deltas; empty lists and phantom unsubscribes change nothing', async () => {
    await publish([endpoints('a'), endpoints('b')]);
    const c = h.deltaClient();
    c.subscribe(TypeUrl.ClusterLoadAssignment, ['a']);
    c.ack(await c.nextOf(TypeUrl.ClusterLoadAssignment));
    c.subscribe(TypeUrl.ClusterLoadAssignment, ['b']);
    const added = await c.nextOf(TypeUrl.ClusterLoadAssignment);
    expect(added.names).toEqual(['b']);
    c.ack(added, { unsubscribe: ['a', 'never-subscribed'] });
    c.subscribe(TypeUrl.ClusterLoadAssignment, [], []);
    await publish([endpoints('a', { ports: [2] }), endpoints('b')]);
    await quietDelta(c);
    await publish([endpoints('a', { ports: [2] }), endpoints('b', { ports: [2] })]);
    expect((await c.nextOf(TypeUrl.ClusterLoadAssignment)).names).toEqual(['b']);
  });

  it('rule 20: removed_resources names a deleted resource the client knew, and never one it did not', async () => {
    await publish([endpoints('gone-soon'), endpoints('stays')]);
    const c = h.deltaClient();
    c.subscribe(TypeUrl.ClusterLoadAssignment, ['gone-soon', 'stays', 'never-existed']);
    const r1 = await c.nextOf(TypeUrl.ClusterLoadAssignment);
    expect([...r1.names].sort()).toEqual(['gone-soon', 'stays']);
    c.ack(r1);
    await publish([endpoints('stays')]);
    const r2 = await c.nextOf(TypeUrl.ClusterLoadAssignment);
    expect(r2.removed).toEqual(['gone-soon']);
    expect(r2.resources).toEqual([]);
    c.ack(r2);
    await quietDelta(c);
  });

  it('rule 23: every name in resource_names_subscribe is answered, even one the client holds', async () => {
    await publish([secret('again')]);
    const c = h.deltaClient();
    c.subscribe(TypeUrl.Secret, ['again']);
    c.ack(await c.nextOf(TypeUrl.Secret));
    // RemoveThenAdd: the client dropped it and wants it back before it could unsubscribe.
    c.subscribe(TypeUrl.Secret, ['again']);
    expect((await c.nextOf(TypeUrl.Secret)).names).toEqual(['again']);
  });

  it('rules 24, 25: wildcard plus X, then unsubscribing X says X again; unsubscribing * ends the wildcard', async () => {
    await publish([listener('x'), listener('y', { port: 1 })]);
    const c = h.deltaClient();
    c.subscribe(TypeUrl.Listener, ['*', 'x']);
    c.ack(await c.nextOf(TypeUrl.Listener));
    c.subscribe(TypeUrl.Listener, [], ['x']);
    const again = await c.nextOf(TypeUrl.Listener);
    expect(again.names).toEqual(['x']);
    c.ack(again, { unsubscribe: ['*'] });
    await publish([listener('x', { port: 5 }), listener('y', { port: 5 })]);
    await quietDelta(c);
  });

  it('rule 24: a legacy wildcard (first request without names) stays when names are added', async () => {
    await publish([cluster('lw1'), cluster('lw2')]);
    const c = h.deltaClient();
    c.subscribe(TypeUrl.Cluster);
    const first = await c.nextOf(TypeUrl.Cluster);
    expect([...first.names].sort()).toEqual(['lw1', 'lw2']);
    c.ack(first, { subscribe: ['lw1'] });
    c.ack(await c.nextOf(TypeUrl.Cluster));
    await publish([cluster('lw1'), cluster('lw2'), cluster('lw3')]);
    expect((await c.nextOf(TypeUrl.Cluster)).names).toEqual(['lw3']);
  });

  it('rule 26: initial_resource_versions on reconnect, to another replica: only what differs, and what is gone', async () => {
    const other = await startEdgeHarness({ pki });
    try {
      const v1 = withProbes([endpoints('same'), endpoints('changes'), endpoints('disappears')]);
      await h.publish(v1);
      const before = h.deltaClient();
      before.subscribe(TypeUrl.ClusterLoadAssignment, ['same', 'changes', 'disappears']);
      before.ack(await before.nextOf(TypeUrl.ClusterLoadAssignment));
      const held = Object.fromEntries(before.held.get(TypeUrl.ClusterLoadAssignment) ?? []);
      before.close();
      await other.publish(withProbes([endpoints('same'), endpoints('changes', { ports: [3] })]));
      const after = other.deltaClient();
      after.send({
        type_url: TypeUrl.ClusterLoadAssignment,
        resource_names_subscribe: ['same', 'changes', 'disappears'],
        initial_resource_versions: held,
      });
      const r = await after.nextOf(TypeUrl.ClusterLoadAssignment);
      expect(r.names).toEqual(['changes']);
      expect(r.removed).toEqual(['disappears']);
      after.ack(r);
      await quietDelta(after);
    } finally {
      await other.close();
    }
  });

  it('rule 21: a request with a stale nonce still changes the subscription', async () => {
    await publish([endpoints('s1'), endpoints('s2')]);
    const c = h.deltaClient();
    c.subscribe(TypeUrl.ClusterLoadAssignment, ['s1']);
    const r1 = await c.nextOf(TypeUrl.ClusterLoadAssignment);
    c.ack(r1);
    c.send({
      type_url: TypeUrl.ClusterLoadAssignment,
      response_nonce: r1.nonce,
      resource_names_subscribe: ['s2'],
    });
    expect((await c.nextOf(TypeUrl.ClusterLoadAssignment)).names).toEqual(['s2']);
  });

  it('rule 7 (delta): a NACKed resource version is not resent; its next version is', async () => {
    await publish([secret('n', { serial: 1 })]);
    const c = h.deltaClient();
    c.subscribe(TypeUrl.Secret, ['n']);
    c.ack(await c.nextOf(TypeUrl.Secret));
    await publish([secret('n', { serial: 2 })]);
    const rejected = await c.nextOf(TypeUrl.Secret);
    c.nack(rejected, 'bad certificate');
    await quietDelta(c);
    await publish([secret('n', { serial: 3 })]);
    const next = await c.nextOf(TypeUrl.Secret);
    expect(next.resources[0]?.version).not.toBe(rejected.resources[0]?.version);
    expect(next.resources[0]?.version).toBe(secret('n', { serial: 3 }).version);
  });

  it('rule 1: a v2 or unknown type URL ends only that delta stream, with INVALID_ARGUMENT', async () => {
    await publish([cluster('fine')]);
    const good = h.deltaClient();
    const bad = h.deltaClient();
    bad.subscribe('type.googleapis.com/envoy.api.v2.ClusterLoadAssignment', ['x']);
    const s = await bad.closed();
    expect(s.code).toBe(status.INVALID_ARGUMENT);
    expect(s.details).toMatch(/v2/);
    good.subscribe(TypeUrl.Cluster);
    expect((await good.nextOf(TypeUrl.Cluster)).names).toEqual(['fine']);
  });

  it('serves gRPC clients their view over delta too, never a Secret', async () => {
    await publish([listener('api', { audience: 'grpc' }), listener('ingress', { audience: 'envoy' })]);
    const c = h.deltaClient({ node: { id: 'app', user_agent_name: 'grpc-node-js' } });
    c.subscribe(TypeUrl.Listener, ['*']);
    const lds = await c.nextOf(TypeUrl.Listener);
    expect(lds.names).toEqual(['api']);
    c.ack(lds);
    c.subscribe(TypeUrl.Secret, ['*', 'probe/0']);
    const sds = await c.nextOf(TypeUrl.Secret);
    expect(sds.resources).toEqual([]);
  });
});
