// The edge as a gRPC server: mutual TLS, services, errors, views, versions across replicas, metrics, shutdown
// and certificate rotation. Real sockets on 127.0.0.1:0.
import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import { status } from '@grpc/grpc-js';
import { TypeUrl, type HostPort } from '@sesame/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, EDGE_SERVER_NAME, type TestPki, type TlsDir } from '../../../../test/tls/pki.js';
import type { ScriptedAdsClient } from '../../../../test/xds/ads-client.js';
import { startEdgeHarness, type EdgeHarness } from '../../../../test/xds/edge-harness.js';
import { basicResources, cluster, endpoints, listener, secret } from '../../../../test/xds/resources.js';

const GRPC_NODE = { id: 'proxyless-1', cluster: 'apps', user_agent_name: 'grpc-node-js' };

/** Waits for a stream's end and checks its status. */
async function expectEnded(c: ScriptedAdsClient, code: status, details?: RegExp): Promise<void> {
  const s = await c.closed();
  expect(s.code).toBe(code);
  if (details !== undefined) expect(s.details).toMatch(details);
}

describe('edge transport', () => {
  let pki: TestPki;
  let h: EdgeHarness;
  beforeAll(async () => {
    pki = await createTestPki();
    h = await startEdgeHarness({ pki });
  });
  afterAll(async () => {
    await h.close();
    await pki.cleanup();
  });

  it('is not ready, and answers nothing, until a complete snapshot arrives', async () => {
    const fresh = await startEdgeHarness({ pki });
    try {
      expect(fresh.edge.ready()).toBe(false);
      expect(fresh.edge.snapshotVersion()).toBeUndefined();
      const c = fresh.client();
      c.request(TypeUrl.Cluster);
      const snapshot = await fresh.publish([cluster('c1')]);
      // Had the edge answered before the snapshot, this first response would be an empty CDS (deleting
      // every cluster of a reconnecting Envoy).
      expect((await c.nextOf(TypeUrl.Cluster)).names).toEqual(['c1']);
      expect(fresh.edge.ready()).toBe(true);
      expect(fresh.edge.snapshotVersion()).toBe(snapshot.version);
    } finally {
      await fresh.close();
    }
  });

  it('serves the per-type services, where an empty type_url means the service type', async () => {
    await h.publish(basicResources());
    const cds = h.client({ service: TypeUrl.Cluster });
    cds.send({ resource_names: [] });
    const r = await cds.nextOf(TypeUrl.Cluster);
    expect(r.names).toEqual(['default/echo/80/da39a3ee5e']);
    cds.send({ response_nonce: r.nonce, version_info: r.versionInfo });
    const eds = h.client({ service: TypeUrl.ClusterLoadAssignment });
    eds.request(TypeUrl.ClusterLoadAssignment, ['default/echo/http']);
    expect((await eds.nextOf(TypeUrl.ClusterLoadAssignment)).names).toEqual(['default/echo/http']);
    const lds = h.client({ service: TypeUrl.Listener });
    lds.request(TypeUrl.Cluster);
    await expectEnded(lds, status.INVALID_ARGUMENT, /LDS/);
  });

  it('ends only the offending stream on a v2 or unknown type URL, or an ADS request without one', async () => {
    await h.publish(basicResources());
    const good = h.client();
    const v2 = h.client();
    const unknown = h.client();
    const untyped = h.client();
    v2.request('type.googleapis.com/envoy.api.v2.Cluster');
    unknown.request('type.googleapis.com/example.Thing');
    untyped.send({ resource_names: [] });
    await expectEnded(v2, status.INVALID_ARGUMENT, /v2/);
    await expectEnded(unknown, status.INVALID_ARGUMENT, /unknown resource type/);
    await expectEnded(untyped, status.INVALID_ARGUMENT, /type_url/);
    good.request(TypeUrl.Cluster);
    expect((await good.nextOf(TypeUrl.Cluster)).names).toEqual(['default/echo/80/da39a3ee5e']);
  });

  it.each<[string, (p: TestPki) => TlsDir, boolean]>([
    ['signed by another CA', (p) => p.foreignClient, false],
    ['expired', (p) => p.expiredClient, false],
    ['absent', (p) => p.client, true],
  ])('refuses a client whose certificate is %s', async (_what, tls, noClientCert) => {
    await h.publish(basicResources());
    const c = h.client({ tls: tls(pki), noClientCert });
    c.request(TypeUrl.Cluster);
    expect((await c.closed()).code).toBe(status.UNAVAILABLE);
  });

  it('shows gRPC clients only their view, never a Secret, and hides their listeners from Envoy', async () => {
    await h.publish([
      listener('shared'),
      listener('envoy-only', { audience: 'envoy' }),
      listener('grpc-only', { audience: 'grpc' }),
      secret('default/tls/abc'),
    ]);
    const app = h.client({ node: GRPC_NODE });
    app.request(TypeUrl.Listener, ['*']);
    const appLds = await app.nextOf(TypeUrl.Listener);
    expect([...appLds.names].sort()).toEqual(['grpc-only', 'shared']);
    app.ack(appLds);
    app.request(TypeUrl.Secret, ['*', 'default/tls/abc']);
    expect((await app.nextOf(TypeUrl.Secret)).resources).toEqual([]);
    const envoy = h.client();
    envoy.request(TypeUrl.Listener);
    envoy.request(TypeUrl.Secret, ['default/tls/abc']);
    const envoyLds = await envoy.nextOf(TypeUrl.Listener);
    expect([...envoyLds.names].sort()).toEqual(['envoy-only', 'shared']);
    envoy.ack(envoyLds);
    expect((await envoy.nextOf(TypeUrl.Secret)).names).toEqual(['default/tls/abc']);
  });

  it('gives the same content the same version on another replica, so a reconnect needs no resend', async () => {
    const other = await startEdgeHarness({ pki });
    try {
      const resources = [...basicResources(), secret('probe')];
      await h.publish(resources);
      await other.publish(resources);
      const first = h.client();
      first.request(TypeUrl.Cluster);
      first.request(TypeUrl.Listener);
      const cds = await first.nextOf(TypeUrl.Cluster);
      first.ack(cds);
      const lds = await first.nextOf(TypeUrl.Listener);
      const second = other.client();
      second.request(TypeUrl.Cluster);
      expect((await second.nextOf(TypeUrl.Cluster)).versionInfo).toBe(cds.versionInfo);
      // An Envoy moving to the other replica presents what it holds and gets nothing it already has.
      const moved = other.client();
      moved.send({ type_url: TypeUrl.Cluster, version_info: cds.versionInfo });
      moved.send({ type_url: TypeUrl.Listener, version_info: lds.versionInfo });
      await moved.expectQuiet({ typeUrl: TypeUrl.Secret, names: ['probe'] });
    } finally {
      await other.close();
    }
  });

  it('reports nodes, streams, responses, ACKs, NACKs, latency and the snapshot version', async () => {
    const snapshot = await h.publish([cluster('m1')]);
    const c = h.client({ node: { id: 'metrics-node', user_agent_name: 'envoy' } });
    c.request(TypeUrl.Cluster);
    c.nack(await c.nextOf(TypeUrl.Cluster), 'no thanks');
    await h.publish([cluster('m1'), cluster('m2')]);
    c.ack(await c.nextOf(TypeUrl.Cluster));
    expect(await h.metric('sesame_xds_nacks_total', { type: 'cds' })).toBeGreaterThanOrEqual(1);
    expect(await h.metric('sesame_xds_responses_total', { type: 'cds' })).toBeGreaterThanOrEqual(2);
    expect(await h.metric('sesame_xds_connected_nodes')).toBeGreaterThanOrEqual(1);
    expect(await h.metric('sesame_xds_open_streams', { service: 'ads' })).toBeGreaterThanOrEqual(1);
    expect(await h.metric('sesame_xds_snapshot_info', { version: snapshot.version })).toBe(0);
    expect(await h.metric('sesame_xds_snapshot_info', { version: h.edge.snapshotVersion() ?? '' })).toBe(1);
    const text = await h.registry.getSingleMetricAsString('sesame_xds_push_latency_seconds');
    expect(text).toMatch(/sesame_xds_push_latency_seconds_count\{type="cds"\} [1-9]/);
  });
});

describe('edge lifecycle', () => {
  it('ends open streams with UNAVAILABLE on close, so clients reconnect elsewhere', async () => {
    const h = await startEdgeHarness();
    try {
      await h.publish(basicResources());
      const c = h.client();
      c.request(TypeUrl.Cluster);
      await c.nextOf(TypeUrl.Cluster);
      await h.edge.close({ graceMs: 2_000 });
      expect((await c.closed()).code).toBe(status.UNAVAILABLE);
    } finally {
      await h.close();
    }
  });

  it('serves a rotated certificate to new connections without dropping open streams', async () => {
    const pki = await createTestPki();
    const h = await startEdgeHarness({ pki, tlsRefreshMs: 20 });
    try {
      await h.publish([endpoints('a'), endpoints('b')]);
      const c = h.client();
      c.request(TypeUrl.ClusterLoadAssignment, ['a']);
      c.ack(await c.nextOf(TypeUrl.ClusterLoadAssignment));
      const before = await servedCertificate(h.edge.address, pki.client);
      expect(before).toBe(new X509Certificate(pki.server.cert).fingerprint256);
      const rotated = await pki.issue({
        name: 'server',
        commonName: EDGE_SERVER_NAME,
        usage: 'server',
        dns: [EDGE_SERVER_NAME, 'localhost'],
        ips: ['127.0.0.1'],
        dir: pki.server.dir,
      });
      const after = new X509Certificate(rotated.cert).fingerprint256;
      const deadline = Date.now() + 5_000;
      // The files are replaced one by one: a read between two renames sees a new certificate with the old key,
      // which the edge cannot serve until its next read. New connections may fail meanwhile, so retry them.
      while ((await servedCertificate(h.edge.address, pki.client).catch(() => '')) !== after) {
        if (Date.now() > deadline) throw new Error('the edge never served the rotated certificate');
      }
      c.request(TypeUrl.ClusterLoadAssignment, ['a', 'b']);
      expect((await c.nextOf(TypeUrl.ClusterLoadAssignment)).names).toEqual(['b']);
    } finally {
      await h.close();
      await pki.cleanup();
    }
  });
});

/** The SHA-256 fingerprint of the certificate the edge presents to a new connection. */
function servedCertificate(address: HostPort, client: TlsDir): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: address.host,
      port: address.port,
      ca: client.ca,
      cert: client.cert,
      key: client.key,
      servername: EDGE_SERVER_NAME,
      ALPNProtocols: ['h2'],
    });
    socket.once('secureConnect', () => {
      const fingerprint = socket.getPeerX509Certificate()?.fingerprint256 ?? '';
      socket.destroy();
      resolve(fingerprint);
    });
    socket.once('error', reject);
  });
}
