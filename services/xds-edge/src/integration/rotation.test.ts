// The edge with certgen's own certificates: who gets in, and certificate renewal and CA rotation written by
// certgen into the TLS directory the edge is serving from, while Envoy-like clients stay connected.
// (transport.test.ts covers clients from another CA, expired and absent client certificates.)
import { X509Certificate } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { TypeUrl, type TlsMaterial } from '@sesame/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyPool } from '../../../../test/certgen/key-pool.js';
import { createTestCertificates, type TestCertificates } from '../../../../test/certgen/test-certificates.js';
import { createTestPki, type TestPki } from '../../../../test/tls/pki.js';
import { probeTls, probeUntil, refusedByServer } from '../../../../test/tls/tls-probe.js';
import type { ScriptedAdsClient } from '../../../../test/xds/ads-client.js';
import { startEdgeHarness, type EdgeHarness } from '../../../../test/xds/edge-harness.js';
import { endpoints } from '../../../../test/xds/resources.js';
import type { KeySource } from '@sesame/certgen';

let keySource: KeySource;
let base: TestPki;

beforeAll(async () => {
  [keySource, base] = await Promise.all([createKeyPool(10), createTestPki()]);
});
afterAll(async () => {
  await base.cleanup();
});

/** certgen output and an edge serving its `edge/` directory, re-reading it every 20 ms. */
async function startCertgenEdge(): Promise<{ certs: TestCertificates; h: EdgeHarness }> {
  const certs = await createTestCertificates({ keySource });
  const [server, client] = await Promise.all([certs.read('edge'), certs.read('envoy')]);
  // The harness takes a PKI; certgen's directories stand in for the openssl-made server and client.
  const h = await startEdgeHarness({ pki: { ...base, server, client }, tlsRefreshMs: 20 });
  await h.publish([endpoints('a'), endpoints('b'), endpoints('c')]);
  return { certs, h };
}

async function stop(setup: { certs: TestCertificates; h: EdgeHarness }): Promise<void> {
  await setup.h.close();
  await setup.certs.cleanup();
}

/** Opens an EDS stream for `name` and ACKs the first response. */
async function subscribe(h: EdgeHarness, tls: TlsMaterial, name: string): Promise<ScriptedAdsClient> {
  const c = h.client({ tls: { dir: '', ...tls } });
  c.request(TypeUrl.ClusterLoadAssignment, [name]);
  const r = await c.nextOf(TypeUrl.ClusterLoadAssignment);
  expect(r.names).toEqual([name]);
  c.ack(r);
  return c;
}

/** Widens an open stream's subscription by `name` and checks the answer: the stream is still alive. */
async function stillServes(c: ScriptedAdsClient, names: readonly string[]): Promise<void> {
  c.request(TypeUrl.ClusterLoadAssignment, names);
  const r = await c.nextOf(TypeUrl.ClusterLoadAssignment);
  expect(r.names).toEqual([names[names.length - 1]]);
  c.ack(r);
}

const fingerprint = (pem: Buffer): string => new X509Certificate(pem).fingerprint256;

describe('mTLS with certgen certificates', () => {
  it('accepts the Envoy certificate and refuses the edge certificate (server auth only) as a client', async () => {
    const setup = await startCertgenEdge();
    try {
      const { certs, h } = setup;
      const [edge, envoy] = await Promise.all([certs.read('edge'), certs.read('envoy')]);
      await subscribe(h, envoy, 'a');
      const accepted = await probeTls({ address: h.edge.address, tls: envoy });
      expect(accepted).toMatchObject({ accepted: true, served: fingerprint(edge.cert) });
      // The client accepted the edge (it saw its certificate); the edge then refused the client's at the
      // handshake, before any HTTP/2 byte.
      const refused = await probeTls({ address: h.edge.address, tls: edge });
      expect(refused.served).toBe(fingerprint(edge.cert));
      expect(refusedByServer(refused)).toBe(true);
      const c = h.client({ tls: edge });
      c.request(TypeUrl.ClusterLoadAssignment, ['a']);
      expect((await c.closed()).code).toBe(status.UNAVAILABLE);
    } finally {
      await stop(setup);
    }
  });
});

describe('certificate renewal and CA rotation under a running edge', () => {
  it('keeps an open stream across a leaf renewal and serves the renewed certificate to new connections', async () => {
    const setup = await startCertgenEdge();
    try {
      const { certs, h } = setup;
      const before = await certs.read('envoy');
      const open = await subscribe(h, before, 'a');
      // 365-day leaves are inside a 400-day window: both are re-issued by the same CA.
      const outcomes = await certs.ensure({ days: 500, renewBeforeDays: 400 });
      expect(outcomes.map((o) => o.action)).toEqual(['kept', 'renewed', 'renewed']);
      const [edge, envoy] = await Promise.all([certs.read('edge'), certs.read('envoy')]);
      await probeUntil(
        { address: h.edge.address, tls: envoy },
        (p) => p.accepted && p.served === fingerprint(edge.cert),
        'the edge to serve its renewed certificate',
      );
      await stillServes(open, ['a', 'b']);
      await subscribe(h, envoy, 'c');
      // The CA did not change, so a client still holding the old certificate gets in as well.
      expect((await probeTls({ address: h.edge.address, tls: before })).accepted).toBe(true);
    } finally {
      await stop(setup);
    }
  });

  it('rotates the CA in two runs without refusing a client that has yet to pick up the new files', async () => {
    const setup = await startCertgenEdge();
    try {
      const { certs, h } = setup;
      const old = await certs.read('envoy');
      const open = await subscribe(h, old, 'a');

      // Phase 1: a new CA signs new leaves; every ca.crt trusts both CAs.
      const phase1 = await certs.ensure({ rotateCa: true });
      expect(phase1.map((o) => o.action)).toEqual(['rotated', 'renewed', 'renewed']);
      const [edge1, envoy1] = await Promise.all([certs.read('edge'), certs.read('envoy')]);
      await probeUntil(
        { address: h.edge.address, tls: envoy1 },
        (p) => p.accepted && p.served === fingerprint(edge1.cert),
        'the edge to serve its certificate from the new CA',
      );
      await subscribe(h, envoy1, 'b');
      // An Envoy still on the old files: the edge trusts its old CA, and it trusts the edge's new
      // certificate through the cross-signed CA in the edge's chain.
      expect(await probeTls({ address: h.edge.address, tls: old })).toMatchObject({ accepted: true });
      await subscribe(h, old, 'c');
      await stillServes(open, ['a', 'b']);

      // Phase 2, a later run: every leaf is on the new CA, so the old one is retired.
      const phase2 = await certs.ensure({ caOverlapHours: 0 });
      expect(phase2.map((o) => o.action)).toEqual(['updated', 'updated', 'updated']);
      const envoy2 = await certs.read('envoy');
      expect(envoy2.cert).not.toEqual(envoy1.cert);
      // A client holding a leaf of the retired CA is now refused by the edge (and, trusting only that CA,
      // would refuse the edge too).
      await probeUntil(
        { address: h.edge.address, tls: { ...envoy2, cert: old.cert, key: old.key } },
        refusedByServer,
        'the edge to stop trusting the retired CA',
      );
      expect((await probeTls({ address: h.edge.address, tls: old })).accepted).toBe(false);
      await subscribe(h, envoy2, 'c');
      await subscribe(h, envoy1, 'a');
      // Established connections are not re-checked: the first stream lives on.
      await stillServes(open, ['a', 'b', 'c']);
    } finally {
      await stop(setup);
    }
  });
});
