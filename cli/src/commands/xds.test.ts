// `sesame xds` as users run it (the built bin) against a real edge: delta, plaintext to the proxyless port,
// and the flag errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSesame } from '../../../test/cli/run-sesame.js';
import { startEdgeHarness, type EdgeHarness } from '../../../test/xds/edge-harness.js';
import { cluster, listener } from '../../../test/xds/resources.js';

describe('sesame xds', () => {
  let h: EdgeHarness;
  beforeAll(async () => {
    h = await startEdgeHarness({ proxyless: true });
    await h.publish([cluster('c1'), cluster('c2'), listener('api', { audience: 'grpc' })]);
  });
  afterAll(async () => {
    await h.close();
  });

  it('--delta prints each resource with its own version', async () => {
    const run = await runSesame([
      'xds',
      '--server',
      `127.0.0.1:${h.edge.address.port}`,
      '--tls-dir',
      h.pki.client.dir,
      '--type',
      'cds',
      '--delta',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as {
      cds: { resources: Array<{ name: string }>; resourceVersions: Record<string, string> };
    };
    expect(out.cds.resources.map((r) => r.name).sort()).toEqual(['c1', 'c2']);
    expect(out.cds.resourceVersions['c1']).toBe(cluster('c1').version);
  });

  it('--plaintext reaches the proxyless port, which shows the gRPC view', async () => {
    const run = await runSesame([
      'xds',
      '--server',
      `127.0.0.1:${h.edge.proxylessAddress?.port ?? 0}`,
      '--plaintext',
      '--type',
      'lds',
    ]);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as { lds: { resources: Array<{ name: string }> } };
    expect(out.lds.resources.map((r) => r.name)).toEqual(['api']);
  });

  it('wants --tls-dir unless --plaintext', async () => {
    const run = await runSesame(['xds', '--server', '127.0.0.1:1']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--tls-dir: is required .* unless --plaintext/);
  });
});
