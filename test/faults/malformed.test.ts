import { randomBytes } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { parseHostPort, readTlsDir, TypeUrl, type HostPort, type TlsMaterial } from '@sesame/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScriptedAdsClient } from '../xds/ads-client.js';
import { adminGet, pollUntil, scrapeMetric } from './processes.js';
import { handshakeWithoutCertificate, sendRawBytes, sendRawFrames } from './raw-grpc.js';
import { startScenario, type ChangeStream, type Scenario } from './scenario.js';
import { running, type EdgeChild } from './topology.js';

/**
 * Malformed input at the edge's gRPC port, under a steady stream of changes: each gets a clear refusal, the
 * edge keeps serving, and the fleet still converges on the latest. (Invalid manifests are in
 * folder-source.test.ts, tampered bus payloads in bus.test.ts.)
 */
describe('fault: malformed input at the xDS port', () => {
  let s: Scenario;
  let edge: EdgeChild;
  let envoyTls: TlsMaterial;
  let stream: ChangeStream;

  beforeAll(async () => {
    s = await startScenario({ bus: 'nats', size: { services: 20, dynamic: 4 }, envoys: 60 });
    edge = s.topology.edges[0]!;
    envoyTls = await readTlsDir(s.topology.certs.envoy);
    stream = s.changeStream(100);
  }, 120_000);

  afterAll(async () => {
    await s?.close();
  }, 60_000);

  const scripted = (options: { noClientCert?: boolean } = {}): ScriptedAdsClient =>
    new ScriptedAdsClient({ address: hostPort(edge.xds), tls: envoyTls, ...options });

  it('garbage bytes instead of TLS: the connection is closed', async () => {
    await sendRawBytes(
      edge.xds,
      Buffer.concat([Buffer.from('GET / HTTP/1.1\r\n\r\n'), randomBytes(64 * 1024)]),
    );
    await sendRawBytes(edge.xds, randomBytes(1024));
  });

  it('TLS without a client certificate: refused in the handshake, logged and counted', async () => {
    const before = await scrapeMetric(edge.admin, 'sesame_xds_tls_handshake_failures_total');
    await handshakeWithoutCertificate(edge.xds, s.topology.certs.envoy);
    const client = scripted({ noClientCert: true });
    client.request(TypeUrl.Cluster);
    expect((await client.closed()).code).toBe(status.UNAVAILABLE);
    client.close();
    await pollUntil(
      async () => (await scrapeMetric(edge.admin, 'sesame_xds_tls_handshake_failures_total')) >= before + 2,
      { timeoutMs: 5_000, what: 'both refusals counted' },
    );
    await edge.process.waitForLog((l) => l['msg'] === 'TLS handshake refused', 5_000);
  });

  it('a DiscoveryRequest over the 4 MiB receive limit: RESOURCE_EXHAUSTED for that stream only', async () => {
    const client = scripted();
    client.send({ type_url: TypeUrl.ClusterLoadAssignment, resource_names: ['x'.repeat(5 * 1024 * 1024)] });
    const closed = await client.closed();
    client.close();
    expect(closed.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(closed.details).toMatch(/larger than max/i);
  });

  it.each([
    [
      'an unknown type URL',
      'type.googleapis.com/envoy.config.cluster.v3.NoSuchThing',
      /unknown resource type/,
    ],
    ['a v2 type URL', 'type.googleapis.com/envoy.api.v2.Cluster', /v2 .* not served; use the v3 API/],
    ['no type URL on ADS', '', /type_url is required/],
  ])('%s on ADS: INVALID_ARGUMENT naming the problem', async (_label, typeUrl, message) => {
    const client = scripted();
    client.send({ type_url: typeUrl });
    const closed = await client.closed();
    client.close();
    expect(closed.code).toBe(status.INVALID_ARGUMENT);
    expect(closed.details).toMatch(message);
  });

  it('a gRPC frame that is not a DiscoveryRequest: INVALID_ARGUMENT saying so', async () => {
    const { status: code, message } = await sendRawFrames(edge.xds, s.topology.certs.envoy, [
      Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x0a]),
      randomBytes(512),
    ]);
    expect(code).toBe(status.INVALID_ARGUMENT);
    expect(decodeURIComponent(message)).toMatch(/not a valid xDS message/);
  });

  it('after all of it: every process is up, ready, and every Envoy converges on the latest', async () => {
    await pollUntil(() => stream.written() >= 10, { timeoutMs: 10_000, what: 'changes meanwhile' });
    const last = await stream.stop();
    await s.expectConverged(last);
    for (const child of [...s.topology.watchers, ...s.topology.edges]) {
      expect(running(child)).toBe(true);
      expect((await adminGet(child.admin, '/readyz')).status).toBe(200);
    }
    expect(await scrapeMetric(edge.admin, 'sesame_xds_stream_errors_total')).toBeGreaterThanOrEqual(4);
  }, 60_000);
});

function hostPort(address: string): HostPort {
  const parsed = parseHostPort(address);
  if (!parsed.ok) throw new Error(parsed.errors);
  return parsed.value;
}
