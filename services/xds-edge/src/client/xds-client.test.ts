import { TypeUrl } from '@sesame/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEdgeHarness, type EdgeHarness } from '../../../../test/xds/edge-harness.js';
import { basicResources, cluster, listener } from '../../../../test/xds/resources.js';
import { createXdsClient, type XdsClient } from './xds-client.js';

describe('createXdsClient', () => {
  let h: EdgeHarness;
  const clients: XdsClient[] = [];
  const client = (node: { id: string; user_agent_name?: string } = { id: 'debug' }): XdsClient => {
    const c = createXdsClient({ server: h.edge.address, tls: h.pki.client, node });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    h = await startEdgeHarness({ proxyless: true });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await h.close();
  });

  it('fetches the first response of every type, decoded, with names first', async () => {
    await h.publish(basicResources());
    const responses = await client().fetchResources([
      TypeUrl.Listener,
      TypeUrl.RouteConfiguration,
      TypeUrl.Cluster,
      TypeUrl.ClusterLoadAssignment,
      TypeUrl.Secret,
    ]);
    expect(responses.map((r) => r.resources.map((x) => x.name))).toEqual([
      ['ingress_http'],
      ['ingress_http'],
      ['default/echo/80/da39a3ee5e'],
      ['default/echo/http'],
      ['default/tls/0123456789'],
    ]);
    const cds = responses[2];
    expect(Object.keys(cds?.resources[0] ?? {})[0]).toBe('name');
    expect(cds?.resources[0]).toMatchObject({ type: 'EDS', connect_timeout: '5s' });
    expect(cds?.version).not.toBe('');
    expect(cds?.controlPlane).toBe('sesame-xds-edge');
  });

  it('fetches named resources, and says which types never answered', async () => {
    await h.publish(basicResources());
    const [eds] = await client().fetchResources([
      { typeUrl: TypeUrl.ClusterLoadAssignment, names: ['default/echo/http'] },
    ]);
    expect(eds?.resources.map((r) => r.name)).toEqual(['default/echo/http']);
    await expect(
      client().fetchResources([{ typeUrl: TypeUrl.ClusterLoadAssignment, names: ['missing'] }], {
        timeoutMs: 200,
      }),
    ).rejects.toThrow(/no response for eds/);
  });

  it('watches: ACKs and yields each new version, or NACKs on request', async () => {
    await h.publish([cluster('w1')]);
    const session = client().ads();
    session.subscribe(TypeUrl.Cluster);
    const seen: string[][] = [];
    for await (const response of session) {
      seen.push(response.resources.map((r) => r.name));
      if (seen.length === 1) await h.publish([cluster('w1'), cluster('w2')]);
      else break;
    }
    expect(seen).toEqual([['w1'], ['w1', 'w2']]);

    const nacking = client({ id: 'nacker' }).ads({ nack: true });
    nacking.subscribe(TypeUrl.Cluster);
    const rejected = await nacking.next({ timeoutMs: 5_000 });
    // The edge does not resend what was rejected; only a new version comes through.
    await h.publish([cluster('w3')]);
    const next = await nacking.next({ timeoutMs: 5_000 });
    expect(next.version).not.toBe(rejected.version);
    expect(next.resources.map((r) => r.name)).toEqual(['w3']);
    nacking.close();
    await expect(nacking.next()).rejects.toThrow(/ended/);
  });

  it('gets the gRPC view when it names a gRPC user agent', async () => {
    await h.publish([listener('api', { audience: 'grpc' }), listener('ingress_http', { audience: 'envoy' })]);
    const [lds] = await client({ id: 'app', user_agent_name: 'grpc-node-js' }).fetchResources([
      { typeUrl: TypeUrl.Listener, names: ['*'] },
    ]);
    expect(lds?.resources.map((r) => r.name)).toEqual(['api']);
  });

  it('speaks delta: first responses with per-resource versions, then removals as it watches', async () => {
    const c1 = cluster('d1');
    await h.publish([c1, cluster('d2')]);
    const [cds] = await client().fetchResources([TypeUrl.Cluster], { delta: true });
    expect(cds?.resources.map((r) => r.name).sort()).toEqual(['d1', 'd2']);
    expect(cds?.resourceVersions?.['d1']).toBe(c1.version);
    const session = client({ id: 'delta-watcher' }).deltaAds();
    session.subscribe(TypeUrl.Cluster);
    await session.next({ timeoutMs: 5_000 });
    await h.publish([c1]);
    const next = await session.next({ timeoutMs: 5_000 });
    expect(next.removed).toEqual(['d2']);
    session.close();
  });

  it('reaches the proxyless port in plaintext and sees the gRPC view there', async () => {
    await h.publish([listener('api', { audience: 'grpc' }), listener('ingress_http', { audience: 'envoy' })]);
    const plain = createXdsClient({
      server: h.edge.proxylessAddress ?? h.edge.address,
      plaintext: true,
      node: { id: 'plain' },
    });
    clients.push(plain);
    const [lds] = await plain.fetchResources([TypeUrl.Listener]);
    expect(lds?.resources.map((r) => r.name)).toEqual(['api']);
  });
});
