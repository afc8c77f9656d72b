import { encodeResource, lookupMessage, TypeUrl, type Resource } from '@sesame/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type TestPki } from '../tls/pki.js';
import { startEdgeHarness, type EdgeHarness } from '../xds/edge-harness.js';
import { cluster, endpoints, listener, routeConfig } from '../xds/resources.js';
import { createDerivations } from './derive.js';
import { inProcessFleet, startFleetProcess, waitForFleet, type FleetHandle } from './fleet-handle.js';
import { openStalledEnvoy } from './stalled-envoy.js';
import { parseResponse } from './wire.js';

const MARKER = {
  key: 'port',
  typeUrl: TypeUrl.ClusterLoadAssignment,
  name: 'svc-a',
  pattern: '"port_value":(\\d+)',
};

/** A small, complete Envoy configuration whose endpoint port is the marker. */
function config(port: number, extraClusters = 0): Resource[] {
  const extra = Array.from({ length: extraClusters }, (_, i) =>
    cluster(`extra-${i}`, { serviceName: `extra-${i}` }),
  );
  return [
    listener('ingress_http', { routeConfig: 'ingress_http' }),
    routeConfig('ingress_http', { cluster: 'a' }),
    cluster('a', { serviceName: 'svc-a' }),
    endpoints('svc-a', { ports: [port] }),
    ...extra,
    ...extra.map((_, i) => endpoints(`extra-${i}`)),
  ];
}

describe('simulated Envoy fleet against two real edges', () => {
  let pki: TestPki;
  let edges: EdgeHarness[];
  const fleets: FleetHandle[] = [];
  const publishAll = (resources: Resource[]) => Promise.all(edges.map((e) => e.publish(resources)));
  const addresses = () => edges.map((e) => `127.0.0.1:${e.edge.address.port}`);

  beforeAll(async () => {
    pki = await createTestPki();
    edges = [await startEdgeHarness({ pki }), await startEdgeHarness({ pki })];
    await publishAll(config(9001));
  });

  afterAll(async () => {
    for (const f of fleets) await f.close();
    for (const e of edges) await e.close();
    await pki.cleanup();
  });

  const fleet = (options: { count: number; nack?: boolean; idPrefix?: string }): FleetHandle => {
    const f = inProcessFleet({
      servers: addresses(),
      tlsDir: pki.client.dir,
      markers: [MARKER],
      history: true,
      backoff: { initialMs: 20, maxMs: 200 },
      ...options,
    });
    fleets.push(f);
    return f;
  };

  it('subscribes like Envoy on ADS, ACKs every response and follows changes', async () => {
    const f = fleet({ count: 4, idPrefix: 'follow' });
    await f.start();
    const first = await f.summary();
    expect(first.initialized).toBe(4);
    expect(first.servers).toEqual({ [addresses()[0]!]: 2, [addresses()[1]!]: 2 });
    expect(first.markers['port']?.held).toEqual({ '9001': 4 });
    const [state] = await f.states();
    expect(state?.types.eds?.names).toBe(1);
    expect(state?.types.rds?.names).toBe(1);
    expect(state?.types.cds?.acked).toBe(1);

    await publishAll(config(9002));
    const after = await waitForFleet(f, (s) => s.markers['port']?.held['9002'] === 4, {
      timeoutMs: 5_000,
      what: 'every Envoy on port 9002',
    });
    expect(after.violations).toBe(0);
    // The same content has the same version on every edge.
    expect(Object.keys(after.accepted.eds ?? {})).toHaveLength(1);
    const history = (await f.states())[0]?.history ?? [];
    expect(history.filter((h) => h.type === 'eds').map((h) => h.markers['port'])).toEqual([9001, 9002]);
  });

  it('times a change to the last ACK', async () => {
    const f = fleet({ count: 3, idPrefix: 'timed' });
    await f.start();
    const { done } = await f.arm({ typeUrl: TypeUrl.ClusterLoadAssignment, name: 'svc-a' }, 5_000);
    const before = process.hrtime.bigint();
    await publishAll(config(9003));
    const result = await done;
    expect(result.missing).toEqual([]);
    expect(result.ackedAtUs).toHaveLength(3);
    expect(Math.min(...result.ackedAtUs)).toBeGreaterThan(Number(before / 1000n));
    expect(result.bytes).toBeGreaterThan(0);
  });

  it('a NACKing Envoy is answered once per version, never in a loop', async () => {
    const nacker = fleet({ count: 1, nack: true, idPrefix: 'nack' });
    const witness = fleet({ count: 1, idPrefix: 'witness' });
    await nacker.start();
    await witness.start();
    const [first] = await nacker.states();
    expect(first?.types.cds).toMatchObject({ received: 1, nacked: 1, acked: 0, accepted: '' });
    // A new cluster is a new CDS version: exactly one more CDS response, rejected again.
    await publishAll(config(9003, 1));
    await waitForFleet(nacker, (s) => s.received.cds === 2 && s.nacked.cds === 2, {
      timeoutMs: 5_000,
      what: 'the second CDS version, rejected',
    });
    // An endpoint-only change reaches the witness; the NACKing Envoy subscribed to no endpoints, and its
    // rejected CDS version must not come back.
    await publishAll(config(9005, 1));
    await waitForFleet(witness, (s) => s.markers['port']?.held['9005'] === 1, {
      timeoutMs: 5_000,
      what: 'the witness on port 9005',
    });
    const [after] = await nacker.states();
    expect(after?.types.cds?.received).toBe(2);
    expect(after?.types.lds?.received).toBe(1);
    expect(after?.types.eds).toBeUndefined();
  });

  it('reconnects to the other edge when its edge goes away, and converges there', async () => {
    const spare = await startEdgeHarness({ pki });
    await spare.publish(config(9005, 1));
    const f = fleet({ count: 4, idPrefix: 'move' });
    await f.setServers([`127.0.0.1:${spare.edge.address.port}`, addresses()[0]!]);
    await f.start();
    expect((await f.summary()).servers[`127.0.0.1:${spare.edge.address.port}`]).toBe(2);
    await spare.close();
    const moved = await waitForFleet(f, (s) => s.connected === 4 && s.servers[addresses()[0]!] === 4, {
      timeoutMs: 10_000,
      what: 'every Envoy on the remaining edge',
    });
    expect(moved.failures).toBeGreaterThanOrEqual(2);
    await publishAll(config(9006, 1));
    const converged = await waitForFleet(f, (s) => s.markers['port']?.held['9006'] === 4, {
      timeoutMs: 5_000,
      what: 'every Envoy on port 9006',
    });
    expect(converged.violations).toBe(0);
  });

  it('runs in a child process of its own', async () => {
    const f = await startFleetProcess({
      servers: addresses(),
      tlsDir: pki.client.dir,
      count: 3,
      idPrefix: 'child',
      markers: [MARKER],
    });
    fleets.push(f);
    expect(f.pid).not.toBe(process.pid);
    await f.start();
    const summary = await f.summary();
    expect(summary.initialized).toBe(3);
    expect(summary.markers['port']?.max).toBe(9006);
  });

  it('a stalled Envoy is served headers but can take no data', async () => {
    const stalled = await openStalledEnvoy({
      address: addresses()[0]!,
      tlsDir: pki.client.dir,
      nodeId: 'stalled',
      edsNames: ['svc-a'],
    });
    await stalled.accepted;
    stalled.close();
  });
});

describe('fleet decoding', () => {
  it('derives RDS and SDS names from listeners and EDS names from clusters', () => {
    const derive = createDerivations();
    const https = encodeResource({
      typeUrl: TypeUrl.Listener,
      name: 'ingress_https',
      message: {
        name: 'ingress_https',
        address: { socket_address: { address: '0.0.0.0', port_value: 8443 } },
        filter_chains: [
          {
            filter_chain_match: { server_names: ['a.example.com'] },
            transport_socket: {
              name: 'envoy.transport_sockets.tls',
              typed_config: {
                '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
                common_tls_context: {
                  tls_certificate_sds_secret_configs: [
                    { name: 'ns/cert/abc', sds_config: { ads: {}, resource_api_version: 'V3' } },
                  ],
                },
              },
            },
            filters: [
              {
                name: 'envoy.filters.network.http_connection_manager',
                typed_config: {
                  '@type':
                    'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
                  stat_prefix: 'https',
                  rds: {
                    config_source: { ads: {}, resource_api_version: 'V3' },
                    route_config_name: 'https/a.example.com',
                  },
                },
              },
            ],
          },
        ],
      },
    });
    const wire = (r: Resource) => ({ name: r.name, body: Buffer.from(r.body) });
    const names = derive.listenerNames('v1', [wire(https), wire(listener('ingress_http'))]);
    expect(names).toEqual({ rds: ['https/a.example.com', 'ingress_http'], sds: ['ns/cert/abc'] });
    const eds = derive.edsNames('v1', [wire(cluster('b', { serviceName: 'svc-b' })), wire(cluster('a'))]);
    expect(eds).toEqual(['a', 'svc-b']);
    // The same version gives the same array, so its encoding is shared.
    expect(derive.edsNames('v1', [wire(cluster('b', { serviceName: 'svc-b' })), wire(cluster('a'))])).toBe(
      eds,
    );
  });

  it('reads names from responses without decoding resources', () => {
    const r = endpoints('svc-z', { ports: [1] });
    const response = Buffer.from(
      encodeResponse([{ type_url: TypeUrl.ClusterLoadAssignment, value: r.body }], 'v7', 'n1'),
    );
    const parsed = parseResponse(response);
    expect(parsed).toMatchObject({ versionInfo: 'v7', nonce: 'n1', bytes: response.length });
    expect(parsed.resources.map((x) => x.name)).toEqual(['svc-z']);
  });
});

function encodeResponse(
  resources: Array<{ type_url: string; value: Uint8Array }>,
  version: string,
  nonce: string,
): Uint8Array {
  const type = lookupMessage('envoy.service.discovery.v3.DiscoveryResponse');
  const message = { version_info: version, nonce, type_url: TypeUrl.ClusterLoadAssignment, resources };
  return type.encode(type.fromObject(message)).finish();
}
