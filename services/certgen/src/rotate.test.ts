import { X509Certificate } from 'node:crypto';
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createKeyPool } from '../../../test/certgen/key-pool.js';
import { createOpensslChecker, hasOpenssl } from '../../../test/tls/openssl.js';
import { ensureCertificates, type CertificateOutcome, type ReconcileOptions } from './ensure.js';
import type { KeySource } from './issue.js';
import { pemCertificates } from './pem.js';
import { certificateLayout, type CertificateLayout } from './storage.js';

let dir: string;
let layout: CertificateLayout;
let keySource: KeySource;

beforeAll(async () => {
  keySource = await createKeyPool();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sesame-rotate-'));
  layout = certificateLayout(dir);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ensure = (options: ReconcileOptions = {}): Promise<CertificateOutcome[]> =>
  ensureCertificates({ outDir: dir, keySource, ...options });

/** A run after the overlap (default 1 hour) has passed. */
const later = (): Date => new Date(Date.now() + 2 * 60 * 60 * 1000);

const actions = (outcomes: readonly CertificateOutcome[]): string[] => outcomes.map((o) => o.action);
const read = (path: string): Promise<string> => readFile(path, 'utf8');
const x509 = (pem: string): X509Certificate => new X509Certificate(pem);

/** Whether the first certificate in `leafPem` is signed by the CA in `caPem`. */
function signedBy(leafPem: string, caPem: string): boolean {
  const leaf = x509(leafPem);
  const ca = x509(caPem);
  return leaf.checkIssued(ca) && leaf.verify(ca.publicKey);
}

/** Every file of the layout that exists, by path. */
async function files(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const sub of [layout.ca.dir, layout.edge.dir, layout.envoy.dir]) {
    for (const name of await readdir(sub)) out[join(sub, name)] = await read(join(sub, name));
  }
  return out;
}

describe('CA rotation in an out-dir', () => {
  it('phase 1 trusts both CAs and moves the leaves; phase 2, a later run, retires the old CA', async () => {
    await ensure();
    const oldCa = await read(layout.ca.cert);
    const oldKey = await read(layout.ca.key);

    const phase1 = await ensure({ rotateCa: true });
    expect(actions(phase1)).toEqual(['rotated', 'renewed', 'renewed']);
    expect(phase1[0]?.reason).toBe('rotation requested');
    const newCa = await read(layout.ca.cert);
    expect(newCa).not.toBe(oldCa);
    expect(await read(layout.ca.previousCert)).toBe(oldCa);
    expect(await read(layout.ca.previousKey)).toBe(oldKey);
    for (const tls of [layout.edge, layout.envoy]) {
      expect(pemCertificates(await read(tls.ca))).toEqual(pemCertificates(newCa + oldCa));
      const [leaf, cross, ...rest] = pemCertificates(await read(tls.cert));
      expect(rest).toEqual([]);
      expect(signedBy(leaf!, newCa)).toBe(true);
      // The cross-signed CA: the new CA's name and key, vouched for by the old CA.
      expect(x509(cross!).subject).toBe(x509(newCa).subject);
      expect(x509(cross!).publicKey.export({ format: 'jwk' })).toEqual(
        x509(newCa).publicKey.export({ format: 'jwk' }),
      );
      expect(signedBy(cross!, oldCa)).toBe(true);
    }

    // A run right after phase 1 (a retried Job, say) keeps trusting the old CA: peers may not have the new
    // files yet.
    const early = await ensure({ rotateCa: true });
    expect(actions(early)).toEqual(['kept', 'kept', 'kept']);
    expect(early[0]?.reason).toMatch(
      /^rotation under way: the previous CA stays trusted until .* \(--ca-overlap\)$/,
    );
    expect(await read(layout.ca.previousCert)).toBe(oldCa);

    // Asking again once the overlap passed does not start another rotation: it finishes this one.
    const phase2 = await ensure({ rotateCa: true, now: later() });
    expect(actions(phase2)).toEqual(['updated', 'updated', 'updated']);
    expect(phase2[0]?.reason).toBe('previous CA retired: every leaf is signed by this one');
    expect(phase2[1]?.reason).toBe(
      'trust bundle: the current CA only; cross-signed CA dropped from the chain',
    );
    expect(await read(layout.ca.cert)).toBe(newCa);
    expect((await readdir(layout.ca.dir)).sort()).toEqual(['ca.crt', 'ca.key']);
    for (const tls of [layout.edge, layout.envoy]) {
      expect(await read(tls.ca)).toBe(newCa);
      expect(pemCertificates(await read(tls.cert))).toHaveLength(1);
    }

    const before = await files();
    expect(actions(await ensure({ now: later() }))).toEqual(['kept', 'kept', 'kept']);
    expect(await files()).toEqual(before);
  });

  it('retires the old CA only after --ca-overlap from the last leaf issued', async () => {
    await ensure();
    await ensure({ rotateCa: true });
    const inHours = (h: number): Date => new Date(Date.now() + h * 60 * 60 * 1000);
    expect(actions(await ensure({ caOverlapHours: 6, now: inHours(5) }))).toEqual(['kept', 'kept', 'kept']);
    expect(actions(await ensure({ caOverlapHours: 6, now: inHours(7) }))).toEqual([
      'updated',
      'updated',
      'updated',
    ]);
  });

  it('keeps the rotation going while a leaf is still on the old CA', async () => {
    await ensure();
    const leavesBefore = { edge: await read(layout.edge.cert), envoy: await read(layout.envoy.cert) };
    await ensure({ rotateCa: true });
    // As if the run had stopped after writing the CA: the Envoy directory still has its old leaf.
    await writeFile(layout.envoy.cert, leavesBefore.envoy);
    const outcomes = await ensure();
    expect(actions(outcomes)).toEqual(['kept', 'kept', 'renewed']);
    expect(outcomes[0]?.reason).toMatch(/^rotation under way/);
    expect(pemCertificates(await read(layout.envoy.cert))).toHaveLength(2);
    expect(actions(await ensure({ now: later() }))).toEqual(['updated', 'updated', 'updated']);
  });

  it('finishes a rotation that stopped after saving the previous CA', async () => {
    await ensure();
    const oldCa = await read(layout.ca.cert);
    await copyFile(layout.ca.key, layout.ca.previousKey);
    await copyFile(layout.ca.cert, layout.ca.previousCert);
    const outcomes = await ensure();
    expect(actions(outcomes)).toEqual(['rotated', 'renewed', 'renewed']);
    expect(outcomes[0]?.reason).toBe('continuing an interrupted rotation');
    expect(await read(layout.ca.previousCert)).toBe(oldCa);
    expect(await read(layout.ca.cert)).not.toBe(oldCa);
  });

  it('finishes a rotation that stopped between the new CA key and its certificate', async () => {
    await ensure();
    const oldCa = await read(layout.ca.cert);
    await copyFile(layout.ca.key, layout.ca.previousKey);
    await copyFile(layout.ca.cert, layout.ca.previousCert);
    // A key that matches no certificate on disk: the new CA's, whose certificate never got written.
    await copyFile(layout.envoy.key, layout.ca.key);
    const outcomes = await ensure();
    expect(actions(outcomes)).toEqual(['rotated', 'renewed', 'renewed']);
    expect(outcomes[0]?.reason).toMatch(/^continuing an interrupted rotation/);
    expect(await read(layout.ca.previousCert)).toBe(oldCa);
    const newCa = await read(layout.ca.cert);
    expect(signedBy(await read(layout.edge.cert), newCa)).toBe(true);
  });

  it('finishes retiring when it stopped after removing the previous key', async () => {
    await ensure();
    await ensure({ rotateCa: true });
    await rm(layout.ca.previousKey);
    expect(actions(await ensure({ now: later() }))).toEqual(['updated', 'updated', 'updated']);
    expect((await readdir(layout.ca.dir)).sort()).toEqual(['ca.crt', 'ca.key']);
  });

  it('keeps the cross-signed chain on a leaf renewed while the rotation is under way', async () => {
    await ensure();
    const oldEnvoy = await read(layout.envoy.cert);
    await ensure({ rotateCa: true });
    await writeFile(layout.envoy.cert, oldEnvoy);
    const outcomes = await ensure({ edgeDns: ['edge.example.com'] });
    expect(actions(outcomes)).toEqual(['kept', 'renewed', 'renewed']);
    expect(outcomes[1]?.reason).toBe('subject alternative names lack edge.example.com');
    expect(pemCertificates(await read(layout.edge.cert))).toHaveLength(2);
  });

  it('drops a rotation under way on overwrite', async () => {
    await ensure();
    await ensure({ rotateCa: true });
    expect(actions(await ensure({ overwrite: true }))).toEqual(['overwritten', 'overwritten', 'overwritten']);
    expect((await readdir(layout.ca.dir)).sort()).toEqual(['ca.crt', 'ca.key']);
    expect(await read(layout.edge.ca)).toBe(await read(layout.ca.cert));
  });

  it('drops an unreadable previous CA', async () => {
    await ensure();
    await writeFile(layout.ca.previousCert, 'garbage');
    const outcomes = await ensure();
    expect(outcomes[0]).toMatchObject({ action: 'updated', reason: 'unreadable previous CA dropped' });
    expect((await readdir(layout.ca.dir)).sort()).toEqual(['ca.crt', 'ca.key']);
  });
});

describe.skipIf(!hasOpenssl())('CA rotation (openssl)', () => {
  const openssl = createOpensslChecker();
  afterAll(() => openssl.cleanup());

  it('verifies every phase the way each peer would', async () => {
    await ensure();
    const oldCa = await read(layout.ca.cert);
    await ensure({ rotateCa: true });
    const [bundle, chain] = [await read(layout.envoy.ca), await read(layout.envoy.cert)];
    const [leaf, cross] = pemCertificates(chain);
    const verify = (trusted: string, untrusted?: string): boolean =>
      openssl.verify({ trusted, cert: leaf!, purpose: 'sslclient', ...(untrusted ? { untrusted } : {}) }).ok;
    expect(verify(bundle)).toBe(true);
    // A peer that has not picked up the bundle yet, given the chain the leaf is sent with.
    expect(verify(oldCa, cross)).toBe(true);
    expect(verify(oldCa)).toBe(false);
    await ensure({ caOverlapHours: 0 });
    const newCa = await read(layout.ca.cert);
    expect(await read(layout.envoy.ca)).toBe(newCa);
    expect(
      openssl.verify({ trusted: newCa, cert: await read(layout.edge.cert), purpose: 'sslserver' }).ok,
    ).toBe(true);
    expect(openssl.verify({ trusted: oldCa, cert: await read(layout.edge.cert) }).ok).toBe(false);
  });
});
