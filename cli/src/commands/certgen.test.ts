// `sesame certgen` as users run it: flags and their SESAME_* variables, the one-line-per-object report, and
// --kube against the Kubernetes API fixture. In process (runCli), so the sources are what is tested.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createKubeApiServer, type KubeApiServer } from '../../../test/kube-api/index.js';
import { runCli } from '../main.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `sesame ARGS` in this process with `env` set, capturing what it writes. */
async function sesame(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  let stdout = '';
  let stderr = '';
  const capture = (sink: (text: string) => void) => (chunk: string | Uint8Array) => {
    sink(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture((t) => (stdout += t)));
  vi.spyOn(process.stderr, 'write').mockImplementation(capture((t) => (stderr += t)));
  try {
    return { code: await runCli(args), stdout, stderr };
  } finally {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  }
}

const LINE = /^(ca|edge|envoy): (\w+) (.+), valid until \d{4}-\d\d-\d\dT[\d:.]+Z( \(.+\))?$/;

/** The report as [object, action, location] per line; every line must have the documented shape. */
function report(text: string): string[][] {
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const match = LINE.exec(line);
      if (match === null) throw new Error(`not a report line: ${line}`);
      return [match[1]!, match[2]!, match[3]!];
    });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sesame-cli-certgen-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('sesame certgen', () => {
  it('documents every flag with its environment variable', async () => {
    const run = await sesame(['certgen', '--help']);
    expect(run.code).toBe(0);
    const help = run.stdout.replace(/\s+/g, ' ');
    for (const [option, env] of [
      ['--out-dir', 'SESAME_OUT_DIR'],
      ['--kube', 'SESAME_KUBE'],
      ['--kubeconfig', 'SESAME_KUBECONFIG'],
      ['--yaml', 'SESAME_YAML'],
      ['--namespace', 'SESAME_NAMESPACE'],
      ['--overwrite', 'SESAME_OVERWRITE'],
      ['--rotate-ca', 'SESAME_ROTATE_CA'],
      ['--days', 'SESAME_DAYS'],
      ['--ca-days', 'SESAME_CA_DAYS'],
      ['--key-size', 'SESAME_KEY_SIZE'],
      ['--renew-before', 'SESAME_RENEW_BEFORE'],
      ['--ca-overlap', 'SESAME_CA_OVERLAP'],
      ['--edge-dns', 'SESAME_EDGE_DNS'],
      ['--edge-ip', 'SESAME_EDGE_IP'],
    ]) {
      expect(help).toContain(option);
      expect(help).toContain(`env: ${env}`);
    }
    expect(help).toContain('CA rotation takes two runs');
  });

  it.each([
    [[], '--out-dir: one of --out-dir DIR, --kube or --yaml is required'],
    [['--kube', '--out-dir', 'x'], '--kube: cannot be combined with --out-dir'],
    [['--kube', '--yaml'], '--yaml: cannot be combined with --kube'],
    [['--out-dir', 'x', '--kubeconfig', 'k'], '--kubeconfig: only applies with --kube'],
    [['--yaml', '--rotate-ca'], '--rotate-ca: needs --out-dir or --kube'],
    [['--out-dir', 'x', '--days', '20'], '--days: must exceed --renew-before (30)'],
    [['--out-dir', 'x', '--ca-overlap', 'soon'], '--ca-overlap:'],
  ])('refuses %j in one line', async (args, message) => {
    const run = await sesame(['certgen', ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(message);
  });

  it('writes an out-dir, reports one line per object, and rotates the CA in two runs', async () => {
    const out = join(dir, 'out');
    const first = await sesame(['certgen', '--out-dir', out, '--edge-ip', '127.0.0.1']);
    expect(first.code).toBe(0);
    expect(report(first.stdout)).toEqual([
      ['ca', 'created', join(out, 'ca')],
      ['edge', 'created', join(out, 'edge')],
      ['envoy', 'created', join(out, 'envoy')],
    ]);
    const rotate = await sesame(['certgen'], { SESAME_OUT_DIR: out, SESAME_ROTATE_CA: 'true' });
    expect(report(rotate.stdout).map((line) => line[1])).toEqual(['rotated', 'renewed', 'renewed']);
    expect((await readdir(join(out, 'ca'))).sort()).toEqual([
      'ca.crt',
      'ca.key',
      'previous.crt',
      'previous.key',
    ]);
    const early = await sesame(['certgen', '--out-dir', out]);
    expect(report(early.stdout).map((line) => line[1])).toEqual(['kept', 'kept', 'kept']);
    expect(early.stdout).toContain('the previous CA stays trusted until');
    const retire = await sesame(['certgen', '--out-dir', out, '--ca-overlap', '0']);
    expect(report(retire.stdout).map((line) => line[1])).toEqual(['updated', 'updated', 'updated']);
    expect(retire.stdout).toContain('previous CA retired');
  });
});

describe('sesame certgen --kube', () => {
  let server: KubeApiServer;
  let kubeconfig: string;
  beforeAll(async () => {
    server = await createKubeApiServer();
    kubeconfig = await server.writeKubeconfig(join(dir, 'kube'));
  });
  afterAll(async () => {
    await server.close();
  });
  afterEach(() => server.reset());

  it('creates the Secrets, then keeps them, one line per Secret, configured from SESAME_* alone', async () => {
    const env = { SESAME_KUBE: 'true', SESAME_KUBECONFIG: kubeconfig, SESAME_NAMESPACE: 'ingress' };
    const first = await sesame(['certgen'], env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(report(first.stdout)).toEqual([
      ['ca', 'created', 'secret ingress/sesame-ca'],
      ['edge', 'created', 'secret ingress/sesame-edge-cert'],
      ['envoy', 'created', 'secret ingress/sesame-envoy-cert'],
    ]);
    const again = await sesame(['certgen', '--kube', '--kubeconfig', kubeconfig, '--namespace', 'ingress']);
    expect(report(again.stdout).map((line) => line[1])).toEqual(['kept', 'kept', 'kept']);
    const overwrite = await sesame(['certgen', '--overwrite'], env);
    expect(report(overwrite.stdout).map((line) => line[1])).toEqual([
      'overwritten',
      'overwritten',
      'overwritten',
    ]);
  });

  it('ends with one line and exit code 1 when the API server refuses', async () => {
    server.failNext(1, { code: 403, message: 'forbidden by the test' }, { verb: 'get' });
    const run = await sesame(['certgen', '--kube', '--kubeconfig', kubeconfig]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'sesame certgen: cannot read Secret projectsesame/sesame-ca: 403 forbidden by the test\n',
    );
  });
});
