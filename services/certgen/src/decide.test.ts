// The CA state machine, one found state per row: what certgen decides, without any store.
import { beforeAll, describe, expect, it } from 'vitest';
import { createKeyPool } from '../../../test/certgen/key-pool.js';
import { decideCa, decideLeaf, trustBundle, type CertificateAction, type Plan } from './decide.js';
import { createCa, envoyProfile, issueLeaf, type CertificatePair, type KeySource } from './issue.js';
import { resolveCertificateOptions } from './options.js';
import { pemCertificates } from './pem.js';
import type { FoundCa, FoundLeaf } from './store.js';

const NOW = new Date('2030-01-01T00:00:00Z');
const DAY_MS = 24 * 60 * 60 * 1000;

let keySource: KeySource;
let oldCa: CertificatePair;
let newCa: CertificatePair;
let expiring: CertificatePair;
let expired: CertificatePair;
let oldLeaf: FoundLeaf;
let newLeaf: FoundLeaf;

function plan(overrides: Partial<Omit<Plan, 'options'>> = {}): Plan {
  const options = resolveCertificateOptions({ now: NOW, keySource });
  if (!options.ok) throw new Error(options.errors.join('; '));
  return {
    options: options.value,
    overwrite: false,
    renewBeforeDays: 30,
    rotateCa: false,
    caOverlapMs: 0,
    ...overrides,
  };
}

function leaf(ca: CertificatePair): FoundLeaf {
  const issued = issueLeaf({ ca, profile: envoyProfile(), days: 365, keySize: 2048, now: NOW, keySource });
  return { caPem: ca.certPem, certPem: issued.certPem, keyPem: issued.keyPem };
}

beforeAll(async () => {
  keySource = await createKeyPool(8);
  const ca = (days: number, start = NOW): CertificatePair =>
    createCa({ days, keySize: 2048, now: start, keySource });
  [oldCa, newCa, expiring] = [ca(3650), ca(3650), ca(20)];
  expired = ca(10, new Date(NOW.getTime() - 20 * DAY_MS));
  [oldLeaf, newLeaf] = [leaf(oldCa), leaf(newCa)];
});

const none = { certPem: undefined, keyPem: undefined };

describe('decideCa', () => {
  const rows: Array<{
    name: string;
    found: () => FoundCa;
    leaves?: () => FoundLeaf[];
    plan?: Partial<Omit<Plan, 'options'>>;
    action: CertificateAction;
    reason?: RegExp;
    keeps?: 'current' | 'none';
    previous?: () => string | undefined;
  }> = [
    { name: 'nothing there', found: () => ({ current: none, previous: undefined }), action: 'created' },
    {
      name: 'a good CA',
      found: () => ({ current: oldCa, previous: undefined }),
      action: 'kept',
      keeps: 'current',
    },
    {
      name: 'a good CA, overwrite',
      found: () => ({ current: oldCa, previous: undefined }),
      plan: { overwrite: true },
      action: 'overwritten',
    },
    {
      name: 'a good CA, rotation asked for',
      found: () => ({ current: oldCa, previous: undefined }),
      plan: { rotateCa: true },
      action: 'rotated',
      reason: /^rotation requested$/,
      previous: () => oldCa.certPem,
    },
    {
      name: 'a CA within the renewal window',
      found: () => ({ current: expiring, previous: undefined }),
      action: 'rotated',
      reason: /within 30 days/,
      previous: () => expiring.certPem,
    },
    {
      name: 'an expired CA',
      found: () => ({ current: expired, previous: undefined }),
      action: 'renewed',
      reason: /^expired on/,
    },
    {
      name: 'a CA without its key',
      found: () => ({ current: { certPem: oldCa.certPem, keyPem: undefined }, previous: undefined }),
      action: 'renewed',
      reason: /^private key missing$/,
    },
    {
      name: 'rotation saved the previous CA, then stopped',
      found: () => ({ current: oldCa, previous: oldCa }),
      action: 'rotated',
      reason: /^continuing an interrupted rotation$/,
      previous: () => oldCa.certPem,
    },
    {
      name: 'rotation wrote the new key, then stopped',
      found: () => ({ current: { certPem: oldCa.certPem, keyPem: newCa.keyPem }, previous: oldCa }),
      action: 'rotated',
      reason: /^continuing an interrupted rotation \(current CA: private key does not match/,
      previous: () => oldCa.certPem,
    },
    {
      name: 'rotation under way, a leaf still on the old CA',
      found: () => ({ current: newCa, previous: oldCa }),
      leaves: () => [newLeaf, oldLeaf],
      action: 'kept',
      reason: /^rotation under way/,
      keeps: 'current',
      previous: () => oldCa.certPem,
    },
    {
      name: 'rotation under way, a leaf missing',
      found: () => ({ current: newCa, previous: oldCa }),
      leaves: () => [newLeaf, { caPem: undefined, ...none }],
      action: 'kept',
      keeps: 'current',
      previous: () => oldCa.certPem,
    },
    {
      name: 'rotation under way, every leaf on the new CA',
      found: () => ({ current: newCa, previous: oldCa }),
      leaves: () => [newLeaf, newLeaf],
      action: 'updated',
      reason: /^previous CA retired/,
      keeps: 'current',
    },
    {
      name: 'rotation under way, rotation asked for again',
      found: () => ({ current: newCa, previous: oldCa }),
      leaves: () => [newLeaf, newLeaf],
      plan: { rotateCa: true },
      action: 'updated',
      keeps: 'current',
    },
    {
      name: 'an unreadable previous CA',
      found: () => ({ current: oldCa, previous: { certPem: 'junk', keyPem: undefined } }),
      action: 'updated',
      reason: /^unreadable previous CA dropped$/,
      keeps: 'current',
    },
  ];

  it.each(rows)('$name → $action', (row) => {
    const decision = decideCa(row.found(), row.leaves?.() ?? [oldLeaf, oldLeaf], plan(row.plan));
    expect(decision.action).toBe(row.action);
    expect(decision.write).toBe(row.action !== 'kept');
    if (row.reason !== undefined) expect(decision.reason).toMatch(row.reason);
    if (row.keeps === 'current') expect(decision.next.current).toEqual(row.found().current);
    else expect(decision.next.current.certPem).not.toBe(row.found().current.certPem);
    expect(decision.next.previous?.certPem).toBe(row.previous?.());
  });
});

describe('decideLeaf', () => {
  const cross = (): string => 'CROSS\n';

  it('re-issues a leaf of the old CA during a rotation, with the cross-signed CA after it', () => {
    const ca = { current: newCa, previous: oldCa };
    const decision = decideLeaf(oldLeaf, {
      ca,
      profile: envoyProfile(),
      plan: plan(),
      crossCertificate: cross,
    });
    expect(decision).toMatchObject({
      action: 'renewed',
      reason: 'not signed by the current CA',
      write: true,
    });
    expect(decision.next.caPem).toBe(trustBundle(ca));
    expect(decision.next.certPem.endsWith('CROSS\n')).toBe(true);
  });

  it('keeps a leaf of the current CA and its chain while the rotation is under way', () => {
    const ca = { current: newCa, previous: oldCa };
    const found = { ...newLeaf, caPem: trustBundle(ca), certPem: `${newLeaf.certPem ?? ''}CROSS\n` };
    const decision = decideLeaf(found, {
      ca,
      profile: envoyProfile(),
      plan: plan(),
      crossCertificate: cross,
    });
    expect(decision).toMatchObject({ action: 'kept', write: false });
  });

  it('narrows the trust bundle and drops the cross-signed CA once the rotation is over', () => {
    const chain = `${newLeaf.certPem ?? ''}${oldCa.certPem}`;
    const found = { ...newLeaf, caPem: trustBundle({ current: newCa, previous: oldCa }), certPem: chain };
    const decision = decideLeaf(found, {
      ca: { current: newCa },
      profile: envoyProfile(),
      plan: plan(),
      crossCertificate: cross,
    });
    expect(decision.action).toBe('updated');
    expect(decision.next.caPem).toBe(newCa.certPem);
    expect(pemCertificates(decision.next.certPem)).toEqual(pemCertificates(newLeaf.certPem ?? ''));
    expect(decision.next.keyPem).toBe(newLeaf.keyPem);
  });
});
