import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHostPort, readTlsDir, TypeUrl, type HostPort, type TlsMaterial } from '@sesame/shared';
import { createXdsClient, type XdsResponse } from '@sesame/xds-edge';
import { runSesame, startSesame, type SesameProcess } from '../../test/cli/run-sesame.js';
import {
  startNatsServer,
  startRedisServer,
  type NatsTestServer,
  type RedisTestServer,
} from '../../test/servers/index.js';

const EXAMPLES = fileURLToPath(new URL('../../examples/manifests', import.meta.url));
const ECHO_EDS = 'default/echo/http';

/** The split deployment as processes: one watcher, a real bus, three edges. */
describe.each([
  ['nats', () => startNatsServer()],
  ['redis', () => startRedisServer()],
] as const)('watcher + %s + three edges', (_name, startBus) => {
  let dir: string;
  let manifests: string;
  let bus: NatsTestServer | RedisTestServer;
  let envoyTls: TlsMaterial;
  let watcher: SesameProcess;
  const edges: Array<{ process: SesameProcess; xds: HostPort }> = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sesame-split-'));
    manifests = join(dir, 'manifests');
    await cp(EXAMPLES, manifests, { recursive: true });
    await writeFile(join(dir, 'bus.key'), 'a shared secret for the snapshot bus\n');
    const certgen = await runSesame(['certgen', '--out-dir', join(dir, 'certs')]);
    expect(certgen.code).toBe(0);
    envoyTls = await readTlsDir(join(dir, 'certs', 'envoy'));
    bus = await startBus();
    const busFlags = ['--bus', bus.url, '--bus-key-file', join(dir, 'bus.key')];
    watcher = startSesame(['watcher', '--source', manifests, ...busFlags, '--admin', '127.0.0.1:0']);
    await watcher.waitForLog((l) => l['msg'] === 'published snapshot');
    for (let i = 0; i < 3; i++) {
      const edge = startSesame([
        'edge',
        ...busFlags,
        ...[
          '--tls-dir',
          join(dir, 'certs', 'edge'),
          '--xds-address',
          '127.0.0.1:0',
          '--admin',
          '127.0.0.1:0',
        ],
      ]);
      const listening = await edge.waitForLog((l) => String(l['msg']).startsWith('xDS edge listening'));
      edges.push({ process: edge, xds: address(listening['address']) });
    }
    await Promise.all(
      edges.map((e) => e.process.waitForLog((l) => l['msg'] === 'first snapshot received; serving')),
    );
  });

  afterAll(async () => {
    const codes = await Promise.all([...edges.map((e) => e.process.stop()), watcher?.stop()]);
    expect(codes.every((c) => c === 0)).toBe(true);
    await bus?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('every edge serves the same version of the same content', async () => {
    const responses = await Promise.all(edges.map((e) => fetchEndpoints(e.xds, envoyTls)));
    const versions = new Set(responses.map((r) => r.version));
    expect(versions.size).toBe(1);
    expect(JSON.stringify(responses[0]?.resources)).toContain('10.0.1.10');
  });

  it('a change in the source reaches all three edges', async () => {
    const sessions = edges.map((e) => {
      const client = createXdsClient({ server: e.xds, tls: envoyTls, node: { id: `split-${e.xds.port}` } });
      const session = client.ads();
      session.subscribe(TypeUrl.ClusterLoadAssignment, [ECHO_EDS]);
      return { client, session };
    });
    try {
      const first = await Promise.all(sessions.map((s) => s.session.next({ timeoutMs: 10_000 })));
      const file = join(manifests, 'services.yaml');
      await writeFile(file, (await readFile(file, 'utf8')).replace("'10.0.1.11'", "'10.0.1.77'"));
      const next = await Promise.all(sessions.map((s) => s.session.next({ timeoutMs: 15_000 })));
      for (const [i, response] of next.entries()) {
        expect(response.version).not.toBe(first[i]?.version);
        expect(JSON.stringify(response.resources)).toContain('10.0.1.77');
      }
      expect(new Set(next.map((r) => r.version)).size).toBe(1);
    } finally {
      for (const s of sessions) {
        s.session.close();
        s.client.close();
      }
    }
  });

  it('a restarted watcher publishes nothing new for unchanged content', async () => {
    const before = await fetchEndpoints(edges[0]!.xds, envoyTls);
    expect(await watcher.stop()).toBe(0);
    watcher = startSesame([
      'watcher',
      ...['--source', manifests, '--bus', bus.url, '--bus-key-file', join(dir, 'bus.key')],
      ...['--admin', '127.0.0.1:0'],
    ]);
    const outcome = await watcher.waitForLog(
      (l) => l['msg'] === 'published snapshot' || l['msg'] === 'snapshot unchanged on the bus',
    );
    expect(outcome['msg']).toBe('snapshot unchanged on the bus');
    const after = await fetchEndpoints(edges[0]!.xds, envoyTls);
    expect(after.version).toBe(before.version);
  });
});

async function fetchEndpoints(server: HostPort, tls: TlsMaterial): Promise<XdsResponse> {
  const client = createXdsClient({ server, tls, node: { id: `probe-${server.port}` } });
  try {
    const [response] = await client.fetchResources([
      { typeUrl: TypeUrl.ClusterLoadAssignment, names: [ECHO_EDS] },
    ]);
    if (response === undefined) throw new Error('no response');
    return response;
  } finally {
    client.close();
  }
}

function address(value: unknown): HostPort {
  const parsed = parseHostPort(String(value));
  if (!parsed.ok) throw new Error(parsed.errors);
  return parsed.value;
}
