// Certificates generated at test time with the openssl CLI, in the `ca.crt` / `tls.crt` / `tls.key` layout of a
// TLS directory, so every test can speak real mutual TLS without checked-in keys.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TlsMaterial } from '@sesame/shared';

const run = promisify(execFile);

/** A TLS directory on disk and the material it holds. */
export interface TlsDir extends TlsMaterial {
  readonly dir: string;
}

/** What `issue` should produce. */
export interface IssueOptions {
  /** Sub-directory of the PKI root (ignored when `dir` is given). */
  readonly name: string;
  readonly commonName: string;
  readonly usage: 'server' | 'client' | 'both';
  readonly dns?: readonly string[];
  readonly ips?: readonly string[];
  /** Which CA signs the certificate; 'other' is a second CA that the edge does not trust. */
  readonly signer?: 'main' | 'other';
  /** Which CA goes into `ca.crt` (what this party trusts); defaults to the main CA. */
  readonly trust?: 'main' | 'other';
  /** Issue a certificate whose validity ended in 2020. */
  readonly expired?: boolean;
  /** Write into this directory instead (e.g. to rotate a certificate in place). */
  readonly dir?: string;
}

/** A throw-away PKI: a main CA, a foreign CA and the usual leaf certificates. */
export interface TestPki {
  readonly root: string;
  /** The edge: SANs `sesame-xds`, `localhost` and IP 127.0.0.1, signed by the main CA. */
  readonly server: TlsDir;
  /** An Envoy-like client, signed by the main CA. */
  readonly client: TlsDir;
  /** A client signed by another CA (it still trusts the main CA, so only the server can refuse it). */
  readonly foreignClient: TlsDir;
  /** A client signed by the main CA whose certificate has expired. */
  readonly expiredClient: TlsDir;
  /** The main CA certificate (PEM). */
  readonly caCert: Buffer;
  issue(options: IssueOptions): Promise<TlsDir>;
  /** Removes every file. */
  cleanup(): Promise<void>;
}

/** The DNS name Envoys expect on the edge (INTERFACE.md). */
export const EDGE_SERVER_NAME = 'sesame-xds';

// A minimal configuration, so the host's openssl.cnf cannot change what is issued.
const OPENSSL_CONFIG = `
[req]
distinguished_name = dn
prompt = no
[dn]
[ca]
default_ca = ca_main
[ca_main]
database = index.txt
new_certs_dir = issued
serial = serial
default_md = sha256
policy = policy_any
unique_subject = no
[policy_any]
commonName = supplied
`;

interface Ca {
  readonly cert: string;
  readonly key: string;
}

/** Creates a PKI under a fresh temporary directory (or `options.dir`). */
export async function createTestPki(options: { dir?: string } = {}): Promise<TestPki> {
  const root = options.dir ?? (await mkdtemp(join(tmpdir(), 'sesame-pki-')));
  const work = join(root, '.openssl');
  await mkdir(join(work, 'issued'), { recursive: true });
  const config = join(work, 'openssl.cnf');
  await writeFile(config, OPENSSL_CONFIG);
  await writeFile(join(work, 'index.txt'), '');
  await writeFile(join(work, 'serial'), `${randomBytes(8).toString('hex').replace(/^0/, '1')}\n`);
  const openssl = async (...args: string[]): Promise<void> => {
    await run('openssl', args, { cwd: work, env: { ...process.env, OPENSSL_CONF: config } });
  };

  const makeCa = async (name: string, commonName: string): Promise<Ca> => {
    const key = join(work, `${name}.key`);
    const cert = join(work, `${name}.crt`);
    await openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key);
    await openssl(
      'req',
      '-config',
      config,
      '-x509',
      '-new',
      '-key',
      key,
      '-subj',
      `/CN=${commonName}`,
      '-days',
      '2',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-out',
      cert,
    );
    return { cert, key };
  };
  const [main, other] = await Promise.all([
    makeCa('ca', 'sesame test CA'),
    makeCa('other-ca', 'foreign test CA'),
  ]);
  // The main CA also gets the `ca/` layout certgen uses, for tests that want to sign more.
  await mkdir(join(root, 'ca'), { recursive: true });
  await Promise.all([
    writeFile(join(root, 'ca', 'ca.crt'), await readFile(main.cert)),
    writeFile(join(root, 'ca', 'ca.key'), await readFile(main.key)),
  ]);

  const issue = async (o: IssueOptions): Promise<TlsDir> => {
    const id = `${o.name}-${randomBytes(4).toString('hex')}`;
    const signer = o.signer === 'other' ? other : main;
    const key = join(work, `${id}.key`);
    const csr = join(work, `${id}.csr`);
    const cert = join(work, `${id}.crt`);
    const ext = join(work, `${id}.ext`);
    await writeFile(ext, leafExtensions(o));
    await openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key);
    await openssl('req', '-config', config, '-new', '-key', key, '-subj', `/CN=${o.commonName}`, '-out', csr);
    if (o.expired === true) {
      // Only `openssl ca` can put the validity window in the past.
      await openssl(
        'ca',
        '-batch',
        '-config',
        config,
        '-cert',
        signer.cert,
        '-keyfile',
        signer.key,
        '-in',
        csr,
        '-out',
        cert,
        '-startdate',
        '20200101000000Z',
        '-enddate',
        '20200102000000Z',
        '-extfile',
        ext,
        '-extensions',
        'leaf',
        '-notext',
      );
    } else {
      await openssl(
        'x509',
        '-req',
        '-in',
        csr,
        '-CA',
        signer.cert,
        '-CAkey',
        signer.key,
        '-set_serial',
        `0x${randomBytes(8).toString('hex')}`,
        '-days',
        '2',
        '-sha256',
        '-extfile',
        ext,
        '-extensions',
        'leaf',
        '-out',
        cert,
      );
    }
    const material: TlsMaterial = {
      ca: await readFile(o.trust === 'other' ? other.cert : main.cert),
      cert: await readFile(cert),
      key: await readFile(key),
    };
    const dir = o.dir ?? join(root, o.name);
    await writeTlsDir(dir, material);
    return { dir, ...material };
  };

  const [server, client, foreignClient, expiredClient] = await Promise.all([
    issue({
      name: 'server',
      commonName: EDGE_SERVER_NAME,
      usage: 'server',
      dns: [EDGE_SERVER_NAME, 'localhost'],
      ips: ['127.0.0.1'],
    }),
    issue({ name: 'client', commonName: 'envoy', usage: 'client' }),
    issue({ name: 'foreign-client', commonName: 'envoy', usage: 'client', signer: 'other' }),
    issue({ name: 'expired-client', commonName: 'envoy', usage: 'client', expired: true }),
  ]);
  return {
    root,
    server,
    client,
    foreignClient,
    expiredClient,
    caCert: await readFile(main.cert),
    issue,
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

/**
 * Writes `ca.crt`, `tls.crt` and `tls.key` into `dir`. Each file is replaced by a rename, so a watcher never
 * reads half a file (the key is written last: a reader seeing the new key also sees the new certificate).
 */
export async function writeTlsDir(dir: string, material: TlsMaterial): Promise<void> {
  await mkdir(dir, { recursive: true });
  const files: Array<[string, Buffer]> = [
    ['ca.crt', material.ca],
    ['tls.crt', material.cert],
    ['tls.key', material.key],
  ];
  for (const [name, data] of files) {
    const temp = join(dir, `.${name}.${randomBytes(4).toString('hex')}`);
    await writeFile(temp, data, { mode: 0o600 });
    await rename(temp, join(dir, name));
  }
}

function leafExtensions(o: IssueOptions): string {
  const usage = { server: 'serverAuth', client: 'clientAuth', both: 'serverAuth,clientAuth' }[o.usage];
  const sans = [...(o.dns ?? []).map((d) => `DNS:${d}`), ...(o.ips ?? []).map((ip) => `IP:${ip}`)];
  return [
    '[leaf]',
    'basicConstraints = critical,CA:FALSE',
    'keyUsage = critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage = ${usage}`,
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid',
    ...(sans.length > 0 ? [`subjectAltName = ${sans.join(',')}`] : []),
    '',
  ].join('\n');
}
