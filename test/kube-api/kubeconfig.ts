// A kubeconfig that points the real client library at the fixture.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** Where the fixture listens and how a client proves who it is. */
export interface KubeconfigOptions {
  readonly server: string;
  /** Bearer token of the user; the fixture checks it when it was given one. */
  readonly token: string;
  /** PEM CA to trust for an https fixture; without it the cluster is plain http (which needs skip-TLS-verify). */
  readonly ca?: Buffer;
  readonly namespace?: string;
}

const NAME = 'sesame-fixture';

/** The kubeconfig YAML, loadable with `KubeConfig.loadFromString` or (written out) `loadFromFile`. */
export function kubeconfigYaml(options: KubeconfigOptions): string {
  // client-node refuses an http:// server unless insecure-skip-tls-verify is set.
  const cluster =
    options.ca === undefined
      ? { server: options.server, 'insecure-skip-tls-verify': true }
      : { server: options.server, 'certificate-authority-data': options.ca.toString('base64') };
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: NAME, cluster }],
    users: [{ name: NAME, user: { token: options.token } }],
    contexts: [
      { name: NAME, context: { cluster: NAME, user: NAME, namespace: options.namespace ?? 'default' } },
    ],
    'current-context': NAME,
  });
}

/** Writes `dir/kubeconfig` (creating `dir`) and returns its path. */
export async function writeKubeconfigFile(dir: string, options: KubeconfigOptions): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'kubeconfig');
  await writeFile(path, kubeconfigYaml(options), { mode: 0o600 });
  return path;
}
