// Conformance, per-type services (rules 1, 15, 30): every type has its own state-of-the-world and delta
// service on the edge's one port; an empty type_url means the service's type; Envoy without ADS opens one
// EDS stream per cluster, and a changed cluster must reach the node's EDS streams as its endpoints again.
import { status } from '@grpc/grpc-js';
import { TypeUrl, type Resource } from '@sesame/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEdgeHarness, type EdgeHarness } from '../../../../test/xds/edge-harness.js';
import { cluster, endpoints, listener, routeConfig, secret } from '../../../../test/xds/resources.js';

const ONE_OF_EACH: ReadonlyArray<[string, TypeUrl, Resource]> = [
  ['LDS', TypeUrl.Listener, listener('pt-listener')],
  ['RDS', TypeUrl.RouteConfiguration, routeConfig('pt-route')],
  ['CDS', TypeUrl.Cluster, cluster('pt-cluster')],
  ['EDS', TypeUrl.ClusterLoadAssignment, endpoints('pt-endpoints')],
  ['SDS', TypeUrl.Secret, secret('pt-secret')],
];

describe('conformance: per-type services', () => {
  let h: EdgeHarness;
  beforeAll(async () => {
    h = await startEdgeHarness();
    await h.publish([...ONE_OF_EACH.map(([, , r]) => r), endpoints('e1'), endpoints('e2'), endpoints('e3')]);
  });
  afterAll(async () => {
    await h.close();
  });

  it.each(ONE_OF_EACH)(
    'rule 1: the %s state-of-the-world service serves its type (empty type_url)',
    async (_l, type, r) => {
      const c = h.client({ service: type });
      c.send({ resource_names: [r.name] });
      const response = await c.nextOf(type);
      expect(response.names).toEqual([r.name]);
      c.send({
        resource_names: [r.name],
        response_nonce: response.nonce,
        version_info: response.versionInfo,
      });
    },
  );

  it.each(ONE_OF_EACH)(
    'rule 1: the %s delta service serves its type (empty type_url)',
    async (_l, type, r) => {
      const c = h.deltaClient({ service: type });
      c.send({ resource_names_subscribe: [r.name] });
      const response = await c.nextOf(type);
      expect(response.names).toEqual([r.name]);
      expect(response.resources[0]?.version).toBe(r.version);
    },
  );

  it('rule 1: a type other than the service type ends that delta stream with INVALID_ARGUMENT', async () => {
    const c = h.deltaClient({ service: TypeUrl.Listener });
    c.subscribe(TypeUrl.Cluster);
    const s = await c.closed();
    expect(s.code).toBe(status.INVALID_ARGUMENT);
    expect(s.details).toMatch(/LDS service/);
  });

  it('rule 15: one EDS stream per cluster; a change reaches only the stream of that name', async () => {
    const streams = ['e1', 'e2', 'e3'].map((name) => {
      const c = h.client({ service: TypeUrl.ClusterLoadAssignment, node: { id: 'one-stream-per-cluster' } });
      c.request(TypeUrl.ClusterLoadAssignment, [name]);
      return { c, name };
    });
    for (const { c } of streams) c.ack(await c.nextOf(TypeUrl.ClusterLoadAssignment));
    await h.publish([
      ...ONE_OF_EACH.map(([, , r]) => r),
      endpoints('e1'),
      endpoints('e2', { ports: [2] }),
      endpoints('e3'),
    ]);
    const [s1, s2, s3] = streams;
    expect((await s2!.c.nextOf(TypeUrl.ClusterLoadAssignment)).names).toEqual(['e2']);
    // The others owe nothing: asked for one more name, they answer with exactly that name.
    for (const s of [s1!, s3!]) {
      s.c.request(TypeUrl.ClusterLoadAssignment, [s.name, 'pt-endpoints']);
      expect((await s.c.nextOf(TypeUrl.ClusterLoadAssignment)).names).toEqual(['pt-endpoints']);
    }
  });

  it('rule 30: a cluster changed on the CDS stream re-sends its endpoints on the same node’s EDS stream', async () => {
    const node = { id: 'no-ads', user_agent_name: 'envoy' };
    const base = ONE_OF_EACH.map(([, , r]) => r);
    await h.publish([...base, cluster('nc', { serviceName: 'nc-svc' }), endpoints('nc-svc')]);
    const cds = h.client({ service: TypeUrl.Cluster, node });
    const eds = h.client({ service: TypeUrl.ClusterLoadAssignment, node });
    cds.request(TypeUrl.Cluster, []);
    cds.ack(await cds.nextOf(TypeUrl.Cluster));
    eds.request(TypeUrl.ClusterLoadAssignment, ['nc-svc']);
    const e1 = await eds.nextOf(TypeUrl.ClusterLoadAssignment);
    eds.ack(e1);
    await h.publish([
      ...base,
      cluster('nc', { serviceName: 'nc-svc', connectTimeoutSeconds: 6 }),
      endpoints('nc-svc'),
    ]);
    cds.ack(await cds.nextOf(TypeUrl.Cluster));
    const e2 = await eds.nextOf(TypeUrl.ClusterLoadAssignment);
    expect(e2.names).toEqual(['nc-svc']);
    expect(e2.versionInfo).toBe(e1.versionInfo);
  });
});
