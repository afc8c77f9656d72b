// `sesame bootstrap` as users run it: flags (and SESAME_* variables) reach the bootstrap, which passes the strict
// check against Envoy's Bootstrap proto, in state-of-the-world and delta form.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkMessageJson } from '@sesame/shared';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../main.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sesame-cli-bootstrap-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs `sesame ARGS` in process with `env`, returning the exit code, stdout and stderr. */
async function sesame(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<[number, string, string]> {
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  const out = { stdout: '', stderr: '' };
  for (const stream of ['stdout', 'stderr'] as const) {
    vi.spyOn(process[stream], 'write').mockImplementation((chunk: string | Uint8Array) => {
      out[stream] += String(chunk);
      return true;
    });
  }
  try {
    return [await runCli(args), out.stdout, out.stderr];
  } finally {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  }
}

const TLS = ['--cafile', '/certs/ca.crt', '--cert-file', '/certs/tls.crt', '--key-file', '/certs/tls.key'];

async function bootstrap(path: string): Promise<Record<string, unknown>> {
  const parsed = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  expect(checkMessageJson('envoy.config.bootstrap.v3.Bootstrap', parsed)).toEqual([]);
  return parsed;
}

describe('sesame bootstrap', () => {
  it('writes a state-of-the-world ADS bootstrap by default', async () => {
    const out = join(dir, 'sotw.json');
    const [code, stdout] = await sesame(['bootstrap', out, ...TLS, '--node-id', 'envoy-0']);
    expect(code).toBe(0);
    expect(stdout).toBe(`wrote ${out}\n`);
    expect(await bootstrap(out)).toMatchObject({
      node: { id: 'envoy-0', cluster: 'sesame' },
      dynamic_resources: { ads_config: { api_type: 'GRPC', transport_api_version: 'V3' } },
      admin: { address: { socket_address: { address: '127.0.0.1', port_value: 9001 } } },
    });
  });

  it('switches to delta ADS with --delta (or SESAME_DELTA) and writes the SDS files first', async () => {
    const out = join(dir, 'delta.json');
    const resources = join(dir, 'resources');
    const [code, stdout] = await sesame(['bootstrap', out, ...TLS, '--resources-dir', resources], {
      SESAME_DELTA: 'true',
      SESAME_XDS_ADDRESS: 'sesame-xds.ingress',
    });
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toEqual([
      `wrote ${join(resources, 'sds', 'xds-tls-certificate.json')}`,
      `wrote ${join(resources, 'sds', 'xds-validation-context.json')}`,
      `wrote ${out}`,
    ]);
    const written = await bootstrap(out);
    expect(written).toMatchObject({
      dynamic_resources: {
        ads_config: { api_type: 'DELTA_GRPC' },
        lds_config: { ads: {}, resource_api_version: 'V3' },
        cds_config: { ads: {}, resource_api_version: 'V3' },
      },
    });
    expect(JSON.stringify(written)).toContain('"address":"sesame-xds.ingress","port_value":8001');
  });

  it('names every missing TLS file at once', async () => {
    const [code, , stderr] = await sesame(['bootstrap', join(dir, 'never.json')]);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    for (const name of ['--cafile', '--cert-file', '--key-file'])
      expect(stderr).toContain(`${name}: is required`);
  });
});
