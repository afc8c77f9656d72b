import { createServer, type AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSesame } from '../../test/cli/run-sesame.js';

const COMMANDS = ['local', 'watcher', 'edge', 'certgen', 'bootstrap', 'xds'];

describe('sesame', () => {
  it('lists every command in --help', async () => {
    const run = await runSesame(['--help']);
    expect(run.code).toBe(0);
    for (const command of COMMANDS) expect(run.stdout).toContain(command);
  });

  it.each(COMMANDS)('%s has --help naming its flags and their environment variables', async (command) => {
    const run = await runSesame([command, '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Usage: sesame ${command}`);
    const help = run.stdout.replace(/\s+/g, ' ');
    expect(help).toContain('--log-level');
    expect(help).toContain('env: SESAME_LOG_LEVEL');
  });

  it('rejects an unknown flag with one line on stderr', async () => {
    const run = await runSesame(['local', '--bogus']);
    expect(run.code).not.toBe(0);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('--bogus');
  });

  it('reads flags from SESAME_* variables and reports every bad value at once', async () => {
    const run = await runSesame(['local'], {
      env: { SESAME_XDS_ADDRESS: 'nowhere', SESAME_ADMIN: '127.0.0.1:99999', SESAME_HOLDOFF_MS: '-5' },
    });
    expect(run.code).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('--xds-address');
    expect(lines[0]).toContain('--admin');
    expect(lines[0]).toContain('--holdoff-ms');
  });

  it('refuses a missing manifests folder by name', async () => {
    const run = await runSesame(['local', '--manifests', '/nonexistent/manifests']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--manifests: folder "/nonexistent/manifests" does not exist');
  });

  it('requires the edge flags, naming each', async () => {
    const run = await runSesame(['edge']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--bus');
    expect(run.stderr).toContain('--tls-dir');
  });

  it('exits with one line, closing what it started, when a later step fails', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    const dir = await mkdtemp(join(tmpdir(), 'sesame-cli-'));
    try {
      // The edge binds first; the admin port is taken, so start fails after the edge and watcher are up.
      const run = await runSesame([
        'local',
        ...['--certs', join(dir, 'certs'), '--xds-address', '127.0.0.1:0', '--admin', `127.0.0.1:${port}`],
      ]);
      expect(run.code).toBe(1);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toContain('EADDRINUSE');
    } finally {
      taken.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
