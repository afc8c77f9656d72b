// Issue #4 end to end, through the real pipeline: Kubernetes manifests in a folder → `sesame local` (the
// watcher's folder source and translation, the in-process bus, the edge and its plaintext proxyless port) →
// a real @grpc/grpc-js-xds client dialling `xds:///<fqdn>` → two real gRPC backends. The HTTPProxy sends a
// header-matched route to B only and splits everything else 80/20 between A and B; the calls must land as
// the routes say, and neither the client (CSDS) nor the edge (its NACK counter) may see a rejected update.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseHostPort, readTlsDir, TypeUrl, type HostPort, type TlsMaterial } from '@sesame/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startSesame, type SesameProcess } from '../cli/run-sesame.js';
import { scrapeMetric } from '../faults/processes.js';
import { selfSignedPair } from '../watcher/tls-pair.js';
import { ScriptedAdsClient } from '../xds/ads-client.js';
import { runXdsClient, startWhoBackend } from '../xds/grpc-xds-client.js';
import { binomialBounds } from './binomial.js';

const FQDN = 'echo.proxyless.test';
const NAMESPACE = 'proxyless';
const CANARY = { 'x-variant': 'canary' };
/** Calls of the weighted step: enough that 80/20 is told apart from 70/30 or 90/10 at the bound below. */
const WEIGHTED_CALLS = 400;
/** A correct 80/20 split falls outside the bounds with probability below this. */
const FALSE_FAILURE = 1e-6;

/** A Service named `name` with one port, and its EndpointSlice: one endpoint, 127.0.0.1 at `backend`'s port. */
function backendObjects(name: string, backend: HostPort): object[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: NAMESPACE },
      spec: { ports: [{ name: 'grpc', port: 80, targetPort: backend.port }] },
    },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-1`, namespace: NAMESPACE, labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      ports: [{ name: 'grpc', port: backend.port, protocol: 'TCP' }],
      endpoints: [{ addresses: [backend.host], conditions: { ready: true } }],
    },
  ];
}

/** The manifests: two backends, a TLS Secret (so Envoy's view holds one), and the HTTPProxy. */
function manifests(a: HostPort, b: HostPort): string {
  const { cert, key } = selfSignedPair(FQDN);
  const objects = [
    ...backendObjects('echo-a', a),
    ...backendObjects('echo-b', b),
    {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: { name: 'echo-tls', namespace: NAMESPACE },
      data: {
        'tls.crt': Buffer.from(cert).toString('base64'),
        'tls.key': Buffer.from(key).toString('base64'),
      },
    },
    {
      apiVersion: 'projectsesame.io/v1',
      kind: 'HTTPProxy',
      metadata: { name: 'echo', namespace: NAMESPACE },
      spec: {
        virtualhost: { fqdn: FQDN, tls: { secretName: 'echo-tls' } },
        routes: [
          {
            conditions: [{ header: { name: 'x-variant', exact: 'canary' } }],
            services: [{ name: 'echo-b', port: 80, protocol: 'h2c' }],
          },
          {
            services: [
              { name: 'echo-a', port: 80, weight: 80, protocol: 'h2c' },
              { name: 'echo-b', port: 80, weight: 20, protocol: 'h2c' },
            ],
          },
        ],
      },
    },
  ];
  return objects.map((o) => stringify(o)).join('---\n');
}

function address(value: unknown): HostPort {
  const parsed = parseHostPort(String(value));
  if (!parsed.ok) throw new Error(`not an address: ${String(value)}`);
  return parsed.value;
}

describe('translated HTTPProxy → `sesame local` proxyless port → grpc-js-xds client', () => {
  let dir: string;
  let backends: Array<{ address: HostPort; close(): void }> = [];
  let local: SesameProcess | undefined;
  let xds: HostPort;
  let proxyless: HostPort;
  let admin: string;
  let envoyTls: TlsMaterial;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sesame-proxyless-'));
    backends = await Promise.all([startWhoBackend('echo-a'), startWhoBackend('echo-b')]);
    const [a, b] = backends;
    await mkdir(join(dir, 'manifests'));
    await writeFile(join(dir, 'manifests', 'echo.yaml'), manifests(a!.address, b!.address));
    local = startSesame([
      'local',
      ...['--manifests', join(dir, 'manifests'), '--certs', join(dir, 'certs')],
      ...['--xds-address', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--proxyless-address', '127.0.0.1:0'],
    ]);
    const serving = await local.waitForLog((l) => l['msg'] === 'sesame local is serving', 60_000);
    xds = address(serving['xds']);
    proxyless = address(serving['proxyless']);
    admin = String(serving['admin']);
    envoyTls = await readTlsDir(join(dir, 'certs', 'envoy'));
  }, 90_000);

  afterAll(async () => {
    const code = await local?.stop();
    for (const backend of backends) backend.close();
    await rm(dir, { recursive: true, force: true });
    expect(code).toBe(0);
  }, 30_000);

  it('translates without a diagnostic', () => {
    const warnings = local?.lines.filter((l) => Number(l['level']) >= 40) ?? [];
    expect(warnings).toEqual([]);
  });

  it('routes by header and by weight as the HTTPProxy says, and nobody rejects an update', async () => {
    const run = await runXdsClient(proxyless, `xds:///${FQDN}`, [
      { calls: WEIGHTED_CALLS },
      { calls: 50, metadata: CANARY },
    ]);
    const [weighted, canary] = run.steps;
    expect(canary).toEqual({ 'echo-b': 50 });
    const a = weighted?.['echo-a'] ?? 0;
    const b = weighted?.['echo-b'] ?? 0;
    const { lo, hi } = binomialBounds(WEIGHTED_CALLS, 0.2, FALSE_FAILURE);
    console.log(`weighted split: echo-a ${a}, echo-b ${b}; echo-b must fall in [${lo}, ${hi}]`);
    expect(a + b).toBe(WEIGHTED_CALLS);
    expect(b).toBeGreaterThanOrEqual(lo);
    expect(b).toBeLessThanOrEqual(hi);

    // The client's own account (CSDS): it holds the whole chain, listener to endpoints, and accepted all.
    const held = (typeUrl: string): string[] =>
      run.resources
        .filter((r) => r.typeUrl === typeUrl)
        .map((r) => r.name)
        .sort();
    expect(held(TypeUrl.Listener)).toEqual([FQDN]);
    expect(held(TypeUrl.RouteConfiguration)).toEqual([`grpc/${FQDN}`]);
    expect(held(TypeUrl.Cluster)).toHaveLength(2);
    expect(held(TypeUrl.ClusterLoadAssignment)).toEqual([
      `${NAMESPACE}/echo-a/grpc`,
      `${NAMESPACE}/echo-b/grpc`,
    ]);
    expect(run.resources.filter((r) => r.status !== 'ACKED')).toEqual([]);

    // The edge's account: it counted the client's ACKs, and not one NACK of any type.
    expect(await scrapeMetric(admin, 'sesame_xds_acks_total', { type: 'lds' })).toBeGreaterThan(0);
    expect(await scrapeMetric(admin, 'sesame_xds_nacks_total')).toBe(0);
  }, 120_000);

  it('keeps the views apart: Envoy never gets the API listener, the gRPC client no socket listener nor Secret', async () => {
    const envoy = new ScriptedAdsClient({ address: xds, tls: envoyTls });
    const grpc = new ScriptedAdsClient({
      address: proxyless,
      tls: envoyTls,
      insecure: true,
      node: { id: 'view-check', user_agent_name: 'grpc-node-js' },
    });
    try {
      envoy.request(TypeUrl.Listener);
      const envoyListeners = await envoy.nextOf(TypeUrl.Listener, 15_000);
      envoy.ack(envoyListeners);
      expect([...envoyListeners.names].sort()).toEqual(['ingress_http', 'ingress_https']);
      expect(envoyListeners.resources.filter((r) => 'api_listener' in r.decoded)).toEqual([]);
      // The Secret Envoy's HTTPS listener refers to, which Envoy may fetch and a gRPC client may not.
      const secretName = /"(proxyless\/echo-tls\/[0-9a-f]+)"/.exec(
        JSON.stringify(envoyListeners.resources),
      )?.[1];
      expect(secretName).toBeDefined();
      envoy.request(TypeUrl.Secret, [secretName!]);
      expect((await envoy.nextOf(TypeUrl.Secret, 15_000)).names).toEqual([secretName]);

      grpc.request(TypeUrl.Listener, ['*']);
      const grpcListeners = await grpc.nextOf(TypeUrl.Listener, 15_000);
      grpc.ack(grpcListeners);
      expect(grpcListeners.names).toEqual([FQDN]);
      for (const r of grpcListeners.resources) {
        expect(r.decoded).toHaveProperty('api_listener');
        expect(r.decoded).not.toHaveProperty('address');
      }
      grpc.request(TypeUrl.Secret, ['*', secretName!]);
      expect((await grpc.nextOf(TypeUrl.Secret, 15_000)).resources).toEqual([]);
    } finally {
      envoy.close();
      grpc.close();
    }
  }, 60_000);
});
