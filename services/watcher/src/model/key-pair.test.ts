import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { selfSignedPair } from '../../../../test/watcher/tls-pair.js';
import { caBundleProblem, keyPairProblem } from './key-pair.js';
import { createPrivateKey } from 'node:crypto';

const pair = selfSignedPair('a.example.com');
const other = selfSignedPair('b.example.com');
const buf = (s: string) => Buffer.from(s);

function openssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('keyPairProblem', () => {
  it('accepts a matching RSA pair, in PKCS#1 and PKCS#8, with a chain', () => {
    expect(keyPairProblem(buf(pair.cert), buf(pair.key))).toBeUndefined();
    const pkcs8 = createPrivateKey(pair.key).export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(keyPairProblem(buf(pair.cert + other.cert), buf(pkcs8))).toBeUndefined();
  });

  it.each([
    [
      'a key of another certificate',
      pair.cert,
      other.key,
      'tls.key does not match the certificate in tls.crt',
    ],
    ['no certificate', 'hello', pair.key, 'tls.crt is not a PEM certificate'],
    ['no key', pair.cert, 'hello', 'tls.key is not a PEM private key'],
    [
      'a truncated certificate',
      pair.cert
        .split('\n')
        .filter((_, i) => i !== 5)
        .join('\n'),
      pair.key,
      'tls.crt does not parse (certificate 1 is malformed)',
    ],
    [
      'a corrupted key',
      pair.cert,
      pair.key.replace(/\n[A-Za-z0-9+/]{8}/, '\nAAAAAAAA'),
      'tls.key does not parse',
    ],
    [
      'an encrypted key',
      pair.cert,
      '-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n',
      'tls.key is encrypted; Envoy needs an unencrypted key',
    ],
  ])('refuses %s', (_name, cert, key, problem) => {
    expect(keyPairProblem(buf(cert), buf(key))).toBe(problem);
  });

  it.skipIf(!openssl())('checks EC pairs, and Ed25519 ones through OpenSSL', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sesame-keys-'));
    try {
      const make = (name: string, args: string[]) => {
        execFileSync(
          'openssl',
          [
            'req',
            '-x509',
            '-nodes',
            '-days',
            '1',
            '-subj',
            '/CN=x',
            ...args,
            '-keyout',
            join(dir, `${name}.key`),
            '-out',
            join(dir, `${name}.crt`),
          ],
          { stdio: 'ignore' },
        );
        return { cert: readFileSync(join(dir, `${name}.crt`)), key: readFileSync(join(dir, `${name}.key`)) };
      };
      const ec = make('ec', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']);
      const ec2 = make('ec2', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']);
      const ed = make('ed', ['-newkey', 'ed25519']);
      expect(keyPairProblem(ec.cert, ec.key)).toBeUndefined();
      expect(keyPairProblem(ec.cert, ec2.key)).toBe('tls.key does not match the certificate in tls.crt');
      expect(keyPairProblem(ed.cert, ed.key)).toBeUndefined();
      expect(keyPairProblem(ed.cert, ec.key)).toBe('tls.key does not match the certificate in tls.crt');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('caBundleProblem', () => {
  it('accepts a bundle of certificates and refuses anything else', () => {
    expect(caBundleProblem(buf(pair.cert + other.cert))).toBeUndefined();
    expect(caBundleProblem(buf('nothing'))).toBe('is not a PEM certificate bundle');
    expect(caBundleProblem(buf('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'))).toBe(
      'does not parse (certificate 1 is malformed)',
    );
  });
});
