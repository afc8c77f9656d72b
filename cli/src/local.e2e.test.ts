import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHostPort, readTlsDir, TypeUrl, type HostPort } from '@sesame/shared';
import { createXdsClient, type XdsClient, type XdsResponse } from '@sesame/xds-edge';
import { runSesame, startSesame, type SesameProcess } from '../../test/cli/run-sesame.js';

const EXAMPLES = fileURLToPath(new URL('../../examples/manifests', import.meta.url));

/** `sesame local` as users run it: a child process, read through a real mTLS xDS client. */
describe('sesame local, end to end', () => {
  let dir: string;
  let manifests: string;
  let sesame: SesameProcess;
  let xds: HostPort;
  let admin: HostPort;
  let client: XdsClient;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sesame-local-'));
    manifests = join(dir, 'manifests');
    await cp(EXAMPLES, manifests, { recursive: true });
    sesame = startSesame([
      'local',
      ...['--manifests', manifests, '--certs', join(dir, 'certs')],
      ...['--xds-address', '127.0.0.1:0', '--admin', '127.0.0.1:0'],
    ]);
    const serving = await sesame.waitForLog((l) => l['msg'] === 'sesame local is serving');
    xds = address(serving['xds']);
    admin = address(serving['admin']);
    client = createXdsClient({
      server: xds,
      tls: await readTlsDir(join(dir, 'certs', 'envoy')),
      node: { id: 'e2e-envoy' },
    });
  });

  afterAll(async () => {
    client?.close();
    const code = await sesame?.stop();
    expect(code).toBe(0);
    await rm(dir, { recursive: true, force: true });
  });

  it('serves every type of the example manifests over mTLS', async () => {
    const [cds, eds, lds, rds, sds] = await client.fetchResources([
      TypeUrl.Cluster,
      TypeUrl.ClusterLoadAssignment,
      TypeUrl.Listener,
      TypeUrl.RouteConfiguration,
      TypeUrl.Secret,
    ]);
    expect(names(lds)).toEqual(['ingress_http', 'ingress_https']);
    expect(names(rds)).toEqual(['https/api.example.com', 'ingress_http']);
    expect(names(cds)).toEqual(['default/api/8080/da39a3ee5e', 'default/echo/80/da39a3ee5e']);
    expect(names(eds)).toEqual(['default/api/8080', 'default/echo/http']);
    expect(names(sds)).toHaveLength(1);
    expect(names(sds)[0]).toMatch(/^default\/api-tls\/[0-9a-f]{10}$/);
    // Ready endpoints only: 10.0.1.12 is not ready in the manifest.
    expect(JSON.stringify(eds?.resources)).toContain('10.0.1.10');
    expect(JSON.stringify(eds?.resources)).not.toContain('10.0.1.12');
    // Private keys only travel by SDS, never inside listeners.
    expect(JSON.stringify(lds?.resources)).not.toContain('PRIVATE KEY');
  });

  it('answers /readyz and /metrics on the admin port', async () => {
    const base = `http://${admin.host}:${admin.port}`;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('sesame_xds_connected_nodes');
  });

  it('pushes an edited manifest to a watching client', async () => {
    const session = client.ads();
    try {
      session.subscribe(TypeUrl.ClusterLoadAssignment, ['default/echo/http']);
      const first = await session.next({ timeoutMs: 10_000 });
      expect(JSON.stringify(first.resources)).toContain('10.0.1.10');
      const file = join(manifests, 'services.yaml');
      await writeFile(file, (await readFile(file, 'utf8')).replace("'10.0.1.10'", "'10.0.1.99'"));
      const next = await session.next({ timeoutMs: 10_000 });
      expect(next.version).not.toBe(first.version);
      expect(JSON.stringify(next.resources)).toContain('10.0.1.99');
      expect(JSON.stringify(next.resources)).not.toContain('10.0.1.10"');
    } finally {
      session.close();
    }
  });

  it('logs a bad manifest by file name and reason and keeps serving the rest', async () => {
    const before = await client.fetchResources([TypeUrl.Cluster, TypeUrl.Listener]);
    await writeFile(join(manifests, 'broken.yaml'), 'apiVersion: v1\nkind: Service\nmetadata: [unclosed\n');
    await writeFile(
      join(manifests, 'unknown.yaml'),
      'apiVersion: example.com/v1\nkind: Gizmo\nmetadata:\n  name: g\n  namespace: default\n',
    );
    await writeFile(
      join(manifests, 'dangling.yaml'),
      [
        'apiVersion: networking.k8s.io/v1',
        'kind: Ingress',
        'metadata: { name: dangling, namespace: default }',
        'spec:',
        '  ingressClassName: sesame',
        '  rules:',
        '    - host: dangling.example.com',
        '      http:',
        '        paths:',
        '          - { path: /, pathType: Prefix, backend: { service: { name: nowhere, port: { number: 80 } } } }',
        '',
      ].join('\n'),
    );
    const warned = (file: string) =>
      sesame.waitForLog((l) => l['level'] === 'warn' && String(l['msg']).includes(file));
    const broken = await warned('broken.yaml');
    const unknown = await warned('unknown.yaml');
    const dangling = await warned('dangling.yaml');
    expect(String(broken['msg'])).toMatch(/broken\.yaml:\d+/);
    expect(String(unknown['msg'])).toContain('Gizmo');
    expect(String(dangling['msg'])).toContain('nowhere');
    const after = await client.fetchResources([TypeUrl.Cluster, TypeUrl.Listener]);
    expect(after.map(names)).toEqual(before.map(names));
  });
});

describe('sesame xds', () => {
  it('fails with one line when it cannot read its TLS directory', async () => {
    const run = await runSesame(['xds', '--server', '127.0.0.1:1', '--tls-dir', '/nonexistent']);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('--tls-dir');
  });
});

function address(value: unknown): HostPort {
  const parsed = parseHostPort(String(value));
  if (!parsed.ok) throw new Error(parsed.errors);
  return parsed.value;
}

function names(response: XdsResponse | undefined): string[] {
  return (response?.resources ?? []).map((r) => r.name).sort();
}
