import { X509Certificate } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, SesameError } from '@sesame/shared';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createKeyPool } from '../../../test/certgen/key-pool.js';
import {
  ensureCertificates,
  readCertificateBundle,
  type CertificateOutcome,
  type EnsureCertificatesOptions,
} from './ensure.js';
import type { KeySource } from './issue.js';
import { certificateLayout, type CertificateLayout } from './storage.js';

const NOW = new Date('2030-01-01T00:00:00Z');
const DAY_MS = 24 * 60 * 60 * 1000;
const later = (days: number): Date => new Date(NOW.getTime() + days * DAY_MS);

let dir: string;
let layout: CertificateLayout;
let keySource: KeySource;

beforeAll(async () => {
  keySource = await createKeyPool();
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sesame-ensure-'));
  layout = certificateLayout(dir);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs certgen on the test directory with pooled keys. */
const ensure = (options: Omit<EnsureCertificatesOptions, 'outDir'> = {}): Promise<CertificateOutcome[]> =>
  ensureCertificates({ outDir: dir, keySource, ...options });

const actions = (outcomes: readonly CertificateOutcome[]): Record<string, string> =>
  Object.fromEntries(outcomes.map((outcome) => [outcome.object, outcome.action]));

async function snapshot(): Promise<Record<string, string>> {
  const files = [
    layout.ca.cert,
    layout.ca.key,
    ...[layout.edge, layout.envoy].flatMap((tls) => [tls.ca, tls.cert, tls.key]),
  ];
  return Object.fromEntries(
    await Promise.all(files.map(async (file) => [file, await readFile(file, 'utf8')] as const)),
  );
}

async function chainsToCa(leafPath: string): Promise<boolean> {
  const ca = new X509Certificate(await readFile(layout.ca.cert));
  const leaf = new X509Certificate(await readFile(leafPath));
  return leaf.checkIssued(ca) && leaf.verify(ca.publicKey);
}

const mode = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;

describe('ensureCertificates', () => {
  it('creates the out-dir layout with private keys and directories closed to others', async () => {
    const outcomes = await ensure({ now: NOW });
    expect(outcomes).toEqual([
      { object: 'ca', action: 'created', location: layout.ca.dir, notAfter: later(3650) },
      { object: 'edge', action: 'created', location: layout.edge.dir, notAfter: later(365) },
      { object: 'envoy', action: 'created', location: layout.envoy.dir, notAfter: later(365) },
    ]);
    expect(await mode(layout.ca.key)).toBe(0o600);
    expect(await mode(layout.edge.key)).toBe(0o600);
    expect(await mode(layout.envoy.key)).toBe(0o600);
    expect(await mode(layout.edge.cert)).toBe(0o644);
    for (const sub of [layout.ca.dir, layout.edge.dir, layout.envoy.dir]) expect(await mode(sub)).toBe(0o700);
    const files = await snapshot();
    expect(files[layout.edge.ca]).toBe(files[layout.ca.cert]);
    expect(files[layout.envoy.ca]).toBe(files[layout.ca.cert]);
    expect(await chainsToCa(layout.edge.cert)).toBe(true);
    expect(await chainsToCa(layout.envoy.cert)).toBe(true);
    expect((await readdir(layout.edge.dir)).sort()).toEqual(['ca.crt', 'tls.crt', 'tls.key']);
    const bundle = await readCertificateBundle(dir);
    expect(bundle.edge.certPem).toBe(files[layout.edge.cert]);
  });

  it('keeps everything on a second run and touches no file', async () => {
    const options = { edgeDns: ['localhost'], edgeIps: ['127.0.0.1'], now: NOW };
    await ensure(options);
    const before = await snapshot();
    const outcomes = await ensure({ ...options, now: later(100) });
    expect(actions(outcomes)).toEqual({ ca: 'kept', edge: 'kept', envoy: 'kept' });
    expect(outcomes.map((outcome) => outcome.notAfter)).toEqual([later(3650), later(365), later(365)]);
    expect(await snapshot()).toEqual(before);
  });

  it('renews leaves that expire within renewBeforeDays, signed by the same CA', async () => {
    await ensure({ now: NOW });
    const before = await snapshot();
    const outcomes = await ensure({ now: later(340) });
    expect(actions(outcomes)).toEqual({ ca: 'kept', edge: 'renewed', envoy: 'renewed' });
    expect(outcomes[1]?.reason).toMatch(/within 30 days/);
    expect(outcomes[1]?.notAfter).toEqual(later(340 + 365));
    const after = await snapshot();
    expect(after[layout.ca.cert]).toBe(before[layout.ca.cert]);
    expect(after[layout.edge.cert]).not.toBe(before[layout.edge.cert]);
    expect(await chainsToCa(layout.edge.cert)).toBe(true);
    expect(await mode(layout.edge.key)).toBe(0o600);
    // A smaller window keeps them.
    const relaxed = await ensure({ now: later(340), renewBeforeDays: 0 });
    expect(actions(relaxed)).toEqual({ ca: 'kept', edge: 'kept', envoy: 'kept' });
  });

  it('renews only the edge when it must cover more names', async () => {
    await ensure({ now: NOW });
    const outcomes = await ensure({
      edgeDns: ['Edge.Example.com'],
      edgeIps: ['10.0.0.1'],
      now: NOW,
    });
    expect(actions(outcomes)).toEqual({ ca: 'kept', edge: 'renewed', envoy: 'kept' });
    expect(outcomes[1]?.reason).toBe('subject alternative names lack edge.example.com, 10.0.0.1');
    const edge = new X509Certificate(await readFile(layout.edge.cert));
    expect(edge.checkHost('edge.example.com')).toBe('edge.example.com');
    expect(edge.checkIP('10.0.0.1')).toBe('10.0.0.1');
    // Asking for fewer names later keeps the wider certificate.
    expect(actions(await ensure({ now: NOW }))).toEqual({
      ca: 'kept',
      edge: 'kept',
      envoy: 'kept',
    });
  });

  it('re-issues everything, CA included, on overwrite', async () => {
    await ensure({ now: NOW });
    const before = await snapshot();
    const outcomes = await ensure({ overwrite: true, now: NOW });
    expect(actions(outcomes)).toEqual({ ca: 'overwritten', edge: 'overwritten', envoy: 'overwritten' });
    const after = await snapshot();
    for (const file of Object.keys(before)) expect(after[file]).not.toBe(before[file]);
    expect(await chainsToCa(layout.edge.cert)).toBe(true);
    expect(after[layout.edge.ca]).toBe(after[layout.ca.cert]);
  });

  it('rotates the CA, and so moves every leaf, when it nears its end', async () => {
    await ensure({ caDays: 40, now: NOW });
    const outcomes = await ensure({ caDays: 40, now: later(20) });
    expect(actions(outcomes)).toEqual({ ca: 'rotated', edge: 'renewed', envoy: 'renewed' });
    expect(outcomes[0]?.reason).toMatch(/within 30 days/);
    expect(outcomes[1]?.reason).toBe('not signed by the current CA');
    expect(await chainsToCa(layout.envoy.cert)).toBe(true);
  });

  it('replaces an expired CA outright: nothing can trust it any more', async () => {
    await ensure({ caDays: 40, now: NOW });
    const outcomes = await ensure({ caDays: 40, now: later(41) });
    expect(outcomes[0]).toMatchObject({ action: 'renewed', reason: /^expired on/ });
    expect(actions(outcomes)).toEqual({ ca: 'renewed', edge: 'renewed', envoy: 'renewed' });
    expect(await readdir(layout.ca.dir)).toEqual(['ca.crt', 'ca.key']);
  });

  it('renews the CA when its key is gone', async () => {
    await ensure({ now: NOW });
    await rm(layout.ca.key);
    const outcomes = await ensure({ now: NOW });
    expect(outcomes[0]).toMatchObject({ action: 'renewed', reason: 'private key missing' });
    expect(actions(outcomes)).toEqual({ ca: 'renewed', edge: 'renewed', envoy: 'renewed' });
  });

  it('renews a leaf whose key is gone or does not match', async () => {
    await ensure({ now: NOW });
    await rm(layout.edge.key);
    await writeFile(layout.envoy.key, await readFile(layout.ca.key));
    const outcomes = await ensure({ now: NOW });
    expect(outcomes.map((outcome) => [outcome.action, outcome.reason])).toEqual([
      ['kept', undefined],
      ['renewed', 'private key missing'],
      ['renewed', 'private key does not match the certificate'],
    ]);
  });

  it('restores a TLS directory ca.crt without re-issuing the leaf', async () => {
    await ensure({ now: NOW });
    const before = await snapshot();
    await rm(layout.edge.ca);
    const outcomes = await ensure({ now: NOW });
    expect(actions(outcomes)).toEqual({ ca: 'kept', edge: 'updated', envoy: 'kept' });
    expect(outcomes[1]?.reason).toBe('trust bundle missing');
    expect(await snapshot()).toEqual(before);
  });

  it('replaces an unreadable certificate', async () => {
    await ensure({ now: NOW });
    await writeFile(layout.envoy.cert, 'not a certificate');
    const outcomes = await ensure({ now: NOW });
    expect(outcomes[2]).toMatchObject({ action: 'renewed', reason: 'certificate unreadable' });
  });

  it('throws a ConfigInvalid error listing every bad option, writing nothing', async () => {
    const attempt = ensure({ days: -1, edgeDns: ['bad name'], renewBeforeDays: -5 });
    await expect(attempt).rejects.toBeInstanceOf(SesameError);
    await expect(attempt).rejects.toMatchObject({
      code: ErrorCode.ConfigInvalid,
      message: /days.*bad name.*renewBeforeDays/,
    });
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses lifetimes inside the renewal window, which would re-issue on every run', async () => {
    await expect(ensure({ days: 20, caDays: 30 })).rejects.toMatchObject({
      code: ErrorCode.ConfigInvalid,
      message: /days \(20\) must exceed renewBeforeDays \(30\).*caDays \(30\)/,
    });
    expect(actions(await ensure({ days: 20, caDays: 30, renewBeforeDays: 7 }))).toMatchObject({
      ca: 'created',
    });
  });

  it('reports a missing file when reading a bundle', async () => {
    await expect(readCertificateBundle(dir)).rejects.toMatchObject({ code: ErrorCode.TlsMaterial });
  });
});
