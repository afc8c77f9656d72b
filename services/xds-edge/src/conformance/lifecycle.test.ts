// Conformance, the edge as a server: shutdown with GOAWAY, per-node state, NACK logging, limits, keepalive,
// TLS versions and refused handshakes, and an edge replaced under a connected Envoy. Real sockets on
// 127.0.0.1:0; a raw HTTP/2 client where grpc-js would hide what is checked (GOAWAY, PING).
import { connect as connectHttp2, constants, type ClientHttp2Session } from 'node:http2';
import { connect as connectTcp } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { status } from '@grpc/grpc-js';
import { encodeMessage, formatHostPort, TypeUrl, type HostPort } from '@sesame/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capturingLogger } from '../../../../test/logs/capturing-logger.js';
import { createTestPki, EDGE_SERVER_NAME, type TestPki, type TlsDir } from '../../../../test/tls/pki.js';
import { startEdgeHarness } from '../../../../test/xds/edge-harness.js';
import { quiet, withProbes } from '../../../../test/xds/probes.js';
import { cluster, endpoints } from '../../../../test/xds/resources.js';

const ADS_PATH = '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources';

/** One gRPC message as HTTP/2 DATA carries it: a 5-byte prefix (not compressed, length) and the bytes. */
function grpcFrame(message: Uint8Array): Buffer {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, message]);
}

function rawSession(address: HostPort, tls: TlsDir): ClientHttp2Session {
  const session = connectHttp2(`https://${formatHostPort(address)}`, {
    ca: tls.ca,
    cert: tls.cert,
    key: tls.key,
    servername: EDGE_SERVER_NAME,
  });
  session.on('error', () => undefined);
  return session;
}

describe('conformance: lifecycle and transport', () => {
  let pki: TestPki;
  beforeAll(async () => {
    pki = await createTestPki();
  });
  afterAll(async () => {
    await pki.cleanup();
  });

  it('SIGTERM: stops accepting, sends GOAWAY, ends streams with UNAVAILABLE, closes within the grace', async () => {
    const h = await startEdgeHarness({ pki });
    try {
      await h.publish([cluster('c')]);
      const session = rawSession(h.edge.address, pki.client);
      const goaway = new Promise<number>((resolve) =>
        session.once('goaway', (code: number) => resolve(code)),
      );
      const stream = session.request({
        ':method': 'POST',
        ':path': ADS_PATH,
        'content-type': 'application/grpc',
        te: 'trailers',
      });
      stream.on('error', () => undefined);
      // As a gRPC client does, the stream is closed on our side once the edge ended it.
      const trailers = new Promise<Record<string, unknown>>((resolve) =>
        stream.once('trailers', (headers: Record<string, unknown>) => {
          stream.close();
          resolve(headers);
        }),
      );
      const data = new Promise<void>((resolve) => stream.once('data', () => resolve()));
      stream.write(
        grpcFrame(
          encodeMessage('envoy.service.discovery.v3.DiscoveryRequest', {
            type_url: TypeUrl.Cluster,
            node: { id: 'raw' },
          }),
        ),
      );
      await data;
      const grpcClient = h.client();
      grpcClient.request(TypeUrl.Cluster);
      await grpcClient.nextOf(TypeUrl.Cluster);

      const started = Date.now();
      const closing = h.edge.close({ graceMs: 10_000 });
      expect(await goaway).toBe(constants.NGHTTP2_NO_ERROR);
      expect((await trailers)['grpc-status']).toBe(String(status.UNAVAILABLE));
      expect((await grpcClient.closed()).code).toBe(status.UNAVAILABLE);
      await closing;
      expect(Date.now() - started).toBeLessThan(5_000);
      // The port no longer accepts connections.
      const refused = await new Promise<string>((resolve) => {
        const socket = connectTcp(h.edge.address.port, h.edge.address.host);
        socket.once('connect', () => {
          socket.destroy();
          resolve('connected');
        });
        socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
      });
      expect(refused).toBe('ECONNREFUSED');
      session.destroy();
    } finally {
      await h.close();
    }
  });
});

describe('conformance: nodes, NACK logs and limits', () => {
  let pki: TestPki;
  beforeAll(async () => {
    pki = await createTestPki();
  });
  afterAll(async () => {
    await pki.cleanup();
  });

  it('drops a node with its last stream, not before', async () => {
    const h = await startEdgeHarness({ pki });
    try {
      await h.publish([cluster('c')]);
      const node = { id: 'two-streams', user_agent_name: 'envoy' };
      const a = h.client({ node });
      const b = h.deltaClient({ node });
      a.request(TypeUrl.Cluster);
      b.subscribe(TypeUrl.Cluster);
      await a.nextOf(TypeUrl.Cluster);
      await b.nextOf(TypeUrl.Cluster);
      expect(await h.metric('sesame_xds_connected_nodes')).toBe(1);
      a.close();
      await waitForMetric(h, 'sesame_xds_open_streams', { protocol: 'sotw' }, 0);
      expect(await h.metric('sesame_xds_connected_nodes')).toBe(1);
      b.close();
      await waitForMetric(h, 'sesame_xds_connected_nodes', {}, 0);
    } finally {
      await h.close();
    }
  });

  it('counts a NACK and logs it with the node id, type, version and error text', async () => {
    const { logger, lines: logs } = capturingLogger('info');
    const h = await startEdgeHarness({ pki, logger });
    try {
      await h.publish(withProbes([endpoints('n')]));
      const c = h.deltaClient({ node: { id: 'nacking-envoy', user_agent_name: 'envoy' } });
      c.subscribe(TypeUrl.ClusterLoadAssignment, ['n']);
      const r = await c.nextOf(TypeUrl.ClusterLoadAssignment);
      c.nack(r, 'endpoint n: invalid port');
      c.subscribe(TypeUrl.Secret, ['probe/0']);
      await c.nextOf(TypeUrl.Secret);
      expect(await h.metric('sesame_xds_nacks_total', { type: 'eds' })).toBe(1);
      expect(logs.find((l) => l['msg'] === 'client rejected a response (NACK)')).toMatchObject({
        level: 'warn',
        node: 'nacking-envoy',
        type: 'eds',
        version: r.systemVersionInfo,
        error: 'endpoint n: invalid port',
      });
    } finally {
      await h.close();
    }
  });

  it('refuses streams beyond the cap with RESOURCE_EXHAUSTED, and requests beyond the size cap', async () => {
    const h = await startEdgeHarness({ pki, limits: { maxStreams: 2, maxReceiveMessageBytes: 2_048 } });
    try {
      await h.publish(withProbes([cluster('c')]));
      const first = h.client();
      first.request(TypeUrl.Cluster);
      first.ack(await first.nextOf(TypeUrl.Cluster));
      const big = h.client();
      big.request(
        TypeUrl.ClusterLoadAssignment,
        Array.from({ length: 200 }, (_, i) => `name-${i}-of-a-long-list`),
      );
      expect((await big.closed()).code).toBe(status.RESOURCE_EXHAUSTED);
      await waitForMetric(h, 'sesame_xds_open_streams', { protocol: 'sotw' }, 1);
      const second = h.client();
      second.request(TypeUrl.Cluster);
      await second.nextOf(TypeUrl.Cluster);
      const third = h.client();
      third.request(TypeUrl.Cluster);
      const refused = await third.closed();
      expect(refused.code).toBe(status.RESOURCE_EXHAUSTED);
      expect(refused.details).toMatch(/at most 2 streams/);
      await quiet(first);
    } finally {
      await h.close();
    }
  });

  it('pings idle connections (HTTP/2 keepalive)', async () => {
    const h = await startEdgeHarness({ pki, limits: { keepaliveTimeMs: 50, keepaliveTimeoutMs: 5_000 } });
    try {
      const session = rawSession(h.edge.address, pki.client);
      await new Promise<void>((resolve) => session.once('ping', () => resolve()));
      session.destroy();
    } finally {
      await h.close();
    }
  });

  it('speaks TLS 1.3 by default and refuses anything below TLS 1.2', async () => {
    const h = await startEdgeHarness({ pki });
    try {
      const handshake = (options: { maxVersion?: 'TLSv1.1' }): Promise<string> =>
        new Promise((resolve) => {
          const socket = connectTls({
            host: h.edge.address.host,
            port: h.edge.address.port,
            ca: pki.client.ca,
            cert: pki.client.cert,
            key: pki.client.key,
            servername: EDGE_SERVER_NAME,
            ALPNProtocols: ['h2'],
            ...(options.maxVersion === undefined
              ? {}
              : { minVersion: 'TLSv1', maxVersion: options.maxVersion }),
          });
          socket.once('secureConnect', () => {
            resolve(socket.getProtocol() ?? '');
            socket.destroy();
          });
          socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
        });
      expect(await handshake({})).toBe('TLSv1.3');
      expect(await handshake({ maxVersion: 'TLSv1.1' })).not.toMatch(/^TLSv/);
    } finally {
      await h.close();
    }
  });

  it('logs and counts a refused client certificate', async () => {
    const { logger, lines: logs } = capturingLogger('info');
    const h = await startEdgeHarness({ pki, logger });
    try {
      const c = h.client({ tls: pki.foreignClient });
      c.request(TypeUrl.Cluster);
      expect((await c.closed()).code).toBe(status.UNAVAILABLE);
      await waitForMetric(h, 'sesame_xds_tls_handshake_failures_total', { listener: 'xds' }, 1);
      expect(logs.some((l) => l['msg'] === 'TLS handshake refused' && l['listener'] === 'xds')).toBe(true);
    } finally {
      await h.close();
    }
  });

  it('an edge killed under an Envoy is replaced by a fresh one, and the Envoy converges', async () => {
    const first = await startEdgeHarness({ pki });
    const resources = withProbes([cluster('k1'), cluster('k2')]);
    await first.publish(resources);
    const c = first.client();
    c.request(TypeUrl.Cluster);
    const held = await c.nextOf(TypeUrl.Cluster);
    c.ack(held);
    await first.edge.close({ graceMs: 1_000 });
    expect((await c.closed()).code).toBe(status.UNAVAILABLE);
    await first.close();
    const second = await startEdgeHarness({ pki });
    try {
      await second.publish([...resources, cluster('k3')]);
      const again = second.client();
      again.send({ type_url: TypeUrl.Cluster, version_info: held.versionInfo });
      const r = await again.nextOf(TypeUrl.Cluster);
      expect([...r.names].sort()).toEqual(['k1', 'k2', 'k3']);
    } finally {
      await second.close();
    }
  });
});

async function waitForMetric(
  h: { metric(name: string, labels?: Record<string, string>): Promise<number> },
  name: string,
  labels: Record<string, string>,
  value: number,
): Promise<void> {
  const deadline = Date.now() + 5_000;
  while ((await h.metric(name, labels)) !== value) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${name} to be ${value}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
