// The proxyless port: gRPC clients that cannot do mutual TLS get the gRPC view only (never a Secret), over
// plaintext or server-only TLS. The end-to-end case runs a real @grpc/grpc-js-xds client (in a child process,
// so its bootstrap and global registration do not leak) against two real gRPC backends: weighted routes and
// a header-matched route must land as configured, and the client must never NACK.
import { status } from '@grpc/grpc-js';
import { createLogger, createMemoryBus, TypeUrl } from '@sesame/shared';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type TestPki } from '../../../../test/tls/pki.js';
import { ScriptedAdsClient } from '../../../../test/xds/ads-client.js';
import { startEdgeHarness, type EdgeHarness } from '../../../../test/xds/edge-harness.js';
import { apiListener, grpcBackend, grpcRouteConfig } from '../../../../test/xds/grpc-view.js';
import { runXdsClient, startWhoBackend } from '../../../../test/xds/grpc-xds-client.js';
import { listener, secret, snapshotOf } from '../../../../test/xds/resources.js';
import { createEdge } from '../index.js';

const ENVOY_NODE = { id: 'pretends-to-be-envoy', user_agent_name: 'envoy' };

describe('proxyless port', () => {
  let h: EdgeHarness;
  beforeAll(async () => {
    h = await startEdgeHarness({ proxyless: true });
  });
  afterAll(async () => {
    await h.close();
  });

  it('serves only the gRPC view, whatever the node says, and never a Secret', async () => {
    await h.publish([
      listener('shared'),
      listener('envoy-only', { audience: 'envoy' }),
      listener('grpc-only', { audience: 'grpc' }),
      secret('default/tls/abc'),
    ]);
    const c = h.client({ proxyless: true, node: ENVOY_NODE });
    c.request(TypeUrl.Listener, ['*']);
    const lds = await c.nextOf(TypeUrl.Listener);
    expect([...lds.names].sort()).toEqual(['grpc-only', 'shared']);
    c.ack(lds);
    c.request(TypeUrl.Secret, ['*', 'default/tls/abc']);
    expect((await c.nextOf(TypeUrl.Secret)).resources).toEqual([]);
    const d = h.deltaClient({ proxyless: true, node: ENVOY_NODE });
    d.subscribe(TypeUrl.Secret, ['default/tls/abc']);
    d.subscribe(TypeUrl.Listener, ['envoy-only', 'grpc-only']);
    expect((await d.nextOf(TypeUrl.Listener)).names).toEqual(['grpc-only']);
  });

  it('has no SDS service at all', async () => {
    const c = h.client({ proxyless: true, service: TypeUrl.Secret });
    c.request(TypeUrl.Secret, ['default/tls/abc']);
    expect((await c.closed()).code).toBe(status.UNIMPLEMENTED);
  });

  it('leaves the main port on mutual TLS', async () => {
    const c = h.client({ noClientCert: true });
    c.request(TypeUrl.Listener);
    expect((await c.closed()).code).toBe(status.UNAVAILABLE);
  });

  it('routes a real grpc-js-xds client by weight and by header, and the client never NACKs', async () => {
    const [a, b] = await Promise.all([startWhoBackend('backend-a'), startWhoBackend('backend-b')]);
    try {
      await h.publish([
        apiListener('echo.test', 'echo-routes'),
        grpcRouteConfig('echo-routes', 'echo.test', [
          { header: { name: 'x-variant', exact: 'canary' }, to: 'backend-b' },
          {
            to: [
              { cluster: 'backend-a', weight: 80 },
              { cluster: 'backend-b', weight: 20 },
            ],
          },
        ]),
        ...grpcBackend('backend-a', [a.address]),
        ...grpcBackend('backend-b', [b.address]),
        // Envoy's share of the snapshot, which this client must never see.
        listener('ingress_http', { audience: 'envoy' }),
        secret('default/tls/abc'),
      ]);
      const responsesBefore = await h.metric('sesame_xds_responses_total', { type: 'lds' });
      const {
        steps: [weighted, canary],
      } = await runXdsClient(h.edge.proxylessAddress!, 'xds:///echo.test', [
        { calls: 200 },
        { calls: 50, metadata: { 'x-variant': 'canary' } },
      ]);
      // 200 draws at 20%: 40 expected, 5.7 standard deviation; the bounds are about ±3.5 of them.
      expect((weighted?.['backend-a'] ?? 0) + (weighted?.['backend-b'] ?? 0)).toBe(200);
      expect(weighted?.['backend-b'] ?? 0).toBeGreaterThanOrEqual(20);
      expect(weighted?.['backend-b'] ?? 0).toBeLessThanOrEqual(60);
      expect(canary).toEqual({ 'backend-b': 50 });
      expect(await h.metric('sesame_xds_responses_total', { type: 'lds' })).toBeGreaterThan(responsesBefore);
      for (const type of ['lds', 'rds', 'cds', 'eds', 'sds']) {
        expect(await h.metric('sesame_xds_nacks_total', { type })).toBe(0);
      }
    } finally {
      a.close();
      b.close();
    }
  }, 60_000);
});

describe('proxyless port with server-only TLS', () => {
  let pki: TestPki;
  beforeAll(async () => {
    pki = await createTestPki();
  });
  afterAll(async () => {
    await pki.cleanup();
  });

  it('authenticates itself with the certificate it is given and asks clients for none', async () => {
    const bus = createMemoryBus();
    const edge = await createEdge({
      bus,
      tlsDir: pki.server.dir,
      address: { host: '127.0.0.1', port: 0 },
      logger: createLogger({ level: 'silent' }),
      registry: new Registry(),
      proxyless: { address: { host: '127.0.0.1', port: 0 }, tlsDir: pki.server.dir },
    });
    const c = new ScriptedAdsClient({
      address: edge.proxylessAddress!,
      tls: pki.client,
      noClientCert: true,
      node: ENVOY_NODE,
    });
    try {
      await bus.publish(
        snapshotOf([listener('api', { audience: 'grpc' }), listener('envoy', { audience: 'envoy' })]),
      );
      c.request(TypeUrl.Listener, ['*']);
      expect((await c.nextOf(TypeUrl.Listener)).names).toEqual(['api']);
    } finally {
      c.close();
      await edge.close({ graceMs: 1_000 });
      await bus.close();
    }
  });
});
