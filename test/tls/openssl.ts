// The openssl CLI as an independent judge of certificates made in process: it shares no code with node-forge or
// with Node's X509Certificate, so a bug in either cannot pass its own check.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Whether the openssl CLI can be run (tests that need it are skipped without it). */
export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** What `openssl verify` concluded, with its output for failure messages. */
export interface VerifyResult {
  readonly ok: boolean;
  readonly output: string;
}

/** openssl on PEM strings; certificates are written to a private temporary directory. */
export interface OpensslChecker {
  /**
   * `openssl verify` of the first certificate in `cert` against the `trusted` bundle, with `untrusted`
   * intermediates (e.g. a cross-signed CA) and optionally a purpose (`sslserver`, `sslclient`).
   * Dates are checked against the real clock.
   */
  verify(options: {
    trusted: string;
    cert: string;
    untrusted?: string;
    purpose?: 'sslserver' | 'sslclient';
  }): VerifyResult;
  /** `openssl x509 -noout -text` of the first certificate in `pem`. */
  text(pem: string): string;
  /** Removes the temporary directory. */
  cleanup(): void;
}

/** A checker with its own temporary directory (call `cleanup` when done). */
export function createOpensslChecker(): OpensslChecker {
  const dir = mkdtempSync(join(tmpdir(), 'sesame-openssl-'));
  const file = (contents: string): string => {
    const path = join(dir, `${randomBytes(6).toString('hex')}.pem`);
    writeFileSync(path, contents);
    return path;
  };
  return {
    verify(options) {
      const args = ['verify', '-CAfile', file(options.trusted)];
      if (options.untrusted !== undefined) args.push('-untrusted', file(options.untrusted));
      if (options.purpose !== undefined) args.push('-purpose', options.purpose);
      args.push(file(options.cert));
      try {
        const output = execFileSync('openssl', args, { encoding: 'utf8', stdio: 'pipe' });
        return { ok: output.includes(': OK'), output };
      } catch (err) {
        const { stdout, stderr } = err as { stdout?: string; stderr?: string };
        return { ok: false, output: `${stdout ?? ''}${stderr ?? ''}` };
      }
    },
    text: (pem) =>
      execFileSync('openssl', ['x509', '-noout', '-text', '-in', file(pem)], { encoding: 'utf8' }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
