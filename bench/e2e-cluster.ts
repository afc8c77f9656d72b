// The end-to-end benchmark's cluster (see e2e.ts): the synthetic cluster of the translation benchmark
// (HTTPProxies, Services with 10 endpoints each, TLS secrets for a fifth of the proxies), served either as a
// folder of manifests or by the test Kubernetes API server, and the three changes whose propagation is timed.
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TypeUrl } from '@sesame/shared';
import type { KubeObject } from '@sesame/watcher';
import { createKubeApiServer, type KubeApiServer } from '../test/kube-api/index.js';
import type { ArmSpec } from '../test/fleet/index.js';
import {
  certificateFor,
  syntheticCluster,
  syntheticProxy,
  syntheticSlice,
  tlsSecretObject,
  type ClusterSize,
} from '../test/watcher/synthetic-cluster.js';

/** The changes timed, in the order they run. */
export const CHANGE_KINDS = ['endpoint', 'proxy', 'secret'] as const;
/** One kind of change. */
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** A cluster of `proxies` HTTPProxies, each with its Service (10 endpoints); a fifth of them with TLS. */
export function clusterSize(proxies: number): ClusterSize {
  return {
    services: proxies,
    endpointsPerService: 10,
    proxies,
    tlsSecrets: Math.max(1, Math.round(proxies / 5)),
    namespaces: Math.min(100, Math.max(1, Math.round(proxies / 10))),
  };
}

/** Where the watcher reads the cluster from, and how a change is made there. */
export interface ClusterSource {
  /** `--source …` and friends for `sesame watcher`. */
  readonly watcherArgs: readonly string[];
  /** Makes change number `round` (≥ 1) of `kind`; resolves once it is in the source. */
  change(kind: ChangeKind, round: number): Promise<void>;
  /** What each Envoy must ACK for the change to have reached it. */
  arm(kind: ChangeKind): ArmSpec;
  close(): Promise<void>;
}

const namespaceOf = (i: number, size: ClusterSize): string => `ns-${i % size.namespaces}`;

/** The objects changed: an endpoint of Service 7, a plaintext HTTPProxy's route, the certificate of proxy 7. */
function changedIndexes(size: ClusterSize): Record<ChangeKind, number> {
  return {
    endpoint: 7 % size.services,
    proxy: (size.tlsSecrets + 7) % size.proxies,
    secret: 7 % size.tlsSecrets,
  };
}

function armSpec(size: ClusterSize, kind: ChangeKind): ArmSpec {
  const i = changedIndexes(size)[kind];
  const ns = namespaceOf(i, size);
  switch (kind) {
    case 'endpoint':
      return { typeUrl: TypeUrl.ClusterLoadAssignment, name: `${ns}/svc-${i}/http` };
    case 'proxy':
      // Every plaintext virtual host is in one route configuration, as Contour does it.
      return { typeUrl: TypeUrl.RouteConfiguration, name: 'ingress_http' };
    case 'secret':
      // SDS names end in a hash of the content: a new certificate is a new name.
      return { typeUrl: TypeUrl.Secret, prefix: `${ns}/tls-${i}/` };
  }
}

/** The changed objects of `round`. */
function changedObject(size: ClusterSize, kind: ChangeKind, round: number, keyPem: string): KubeObject {
  const i = changedIndexes(size)[kind];
  switch (kind) {
    case 'endpoint':
      return syntheticSlice(i, size, round);
    case 'proxy':
      return syntheticProxy(i, size, round);
    case 'secret': {
      const cert = certificateFor(`app-${i}.example.com`, keyPem, 1_000_000 + round);
      return tlsSecretObject(`tls-${i}`, namespaceOf(i, size), cert, keyPem);
    }
  }
}

const keyPem = (): string =>
  generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ type: 'pkcs1', format: 'pem' })
    .toString();

const list = (objects: readonly KubeObject[]): string =>
  JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects.map((o) => o.manifest) });

/**
 * The cluster as a folder of JSON manifests: the bulk of each kind in one file, each object that changes in a
 * file of its own, rewritten in place (a rename would replace the file's inode, which the folder source's
 * recursive fs.watch then stops seeing on Linux; see test/faults/folder-source.test.ts).
 */
export async function folderSource(dir: string, size: ClusterSize): Promise<ClusterSource> {
  await mkdir(dir, { recursive: true });
  const cluster = syntheticCluster(size);
  const changed = changedIndexes(size);
  const key = keyPem();
  const skip = (kind: ChangeKind) => (_: KubeObject, i: number) => i !== changed[kind];
  await writeFile(join(dir, 'services.json'), list(cluster.services));
  await writeFile(join(dir, 'slices.json'), list(cluster.slices.filter(skip('endpoint'))));
  await writeFile(join(dir, 'proxies.json'), list(cluster.proxies.filter(skip('proxy'))));
  await writeFile(join(dir, 'secrets.json'), list(cluster.secrets.filter(skip('secret'))));
  const write = (kind: ChangeKind, round: number): Promise<void> =>
    writeFile(join(dir, `changing-${kind}.json`), list([changedObject(size, kind, round, key)]));
  for (const kind of ['endpoint', 'proxy'] as const) await write(kind, 0);
  await writeFile(join(dir, 'changing-secret.json'), list([cluster.secrets[changed.secret]!]));
  return {
    watcherArgs: ['--source', dir],
    change: write,
    arm: (kind) => armSpec(size, kind),
    close: () => Promise.resolve(),
  };
}

/** The resource (plural) of a synthetic object's kind. */
const RESOURCES: Readonly<Record<string, string>> = {
  Service: 'services',
  EndpointSlice: 'endpointslices',
  Secret: 'secrets',
  HTTPProxy: 'httpproxies',
};

function resourceOf(o: KubeObject): string {
  return RESOURCES[String(o.manifest['kind'])] ?? '';
}

/** The cluster in the test Kubernetes API server (in this process), read by `--source kube`. */
export async function kubeSource(
  dir: string,
  size: ClusterSize,
): Promise<ClusterSource & { server: KubeApiServer }> {
  const server = await createKubeApiServer({ bookmarkIntervalMs: 0 });
  const cluster = syntheticCluster(size);
  for (const o of [...cluster.services, ...cluster.slices, ...cluster.secrets, ...cluster.proxies]) {
    server.create(resourceOf(o), o.manifest);
  }
  const key = keyPem();
  return {
    server,
    watcherArgs: [
      ...['--source', 'kube', '--kubeconfig', await server.writeKubeconfig(dir)],
      ...['--leader-elect', 'false'],
    ],
    change(kind, round) {
      const o = changedObject(size, kind, round, key);
      server.update(resourceOf(o), o.manifest);
      return Promise.resolve();
    },
    arm: (kind) => armSpec(size, kind),
    close: () => server.close(),
  };
}

/** Not a benchmark of its own: e2e.ts uses it. */
export function main(): Promise<void> {
  console.error('e2e-cluster is part of `npm run bench -- e2e`');
  process.exitCode = 2;
  return Promise.resolve();
}
