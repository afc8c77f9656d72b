// The fault suite's cluster, as manifests for the folder source (or objects for the test API server): routable
// Services with EndpointSlices and HTTPProxies, plus a "marker" Service whose endpoint port is a generation
// number the test raises with every change. Envoys read the marker back from EDS, so the test knows which
// publication each Envoy holds and can tell "older" from "newer" although versions are content hashes.
//
// Each generation is a new file (`gen-<N>.json`, its EndpointSlices named after N); the one before the previous
// is then removed, so the stream creates and deletes objects as well as changing them. Two generations side by
// side are a consistent cluster whose marker is the newer one, and a folder read that races with a removal
// (the loader drops a listed file that is gone when it reads it) still finds one complete generation.
// Replacing a file in place is covered by folder-source.test.ts.
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TypeUrl } from '@sesame/shared';
import type { MarkerSpec } from '../fleet/index.js';

/** The namespace of every object. */
export const NAMESPACE = 'faults';

/** How big the cluster is. */
export interface FixtureSize {
  /** Routable Services (each with an EndpointSlice and an HTTPProxy). */
  readonly services: number;
  /** EndpointSlices rewritten with every change, besides the marker's (a change touches this many + 1 objects). */
  readonly dynamic: number;
  /** Each generation also brings its own Service and HTTPProxy (so clusters and routes change too). */
  readonly churn?: boolean;
}

/** The EDS resource carrying the generation: `<namespace>/<service>/<port name>`. */
export const MARKER_EDS = `${NAMESPACE}/marker/http`;

/** What the fleet reads: the marker EndpointSlice's port, as Envoy receives it. */
export const MARKER: MarkerSpec = {
  key: 'gen',
  typeUrl: TypeUrl.ClusterLoadAssignment,
  name: MARKER_EDS,
  pattern: '"port_value":(\\d+)',
};

/** The EDS names of the fixture's Services (what an Envoy subscribes to). */
export function edsNames(size: FixtureSize): string[] {
  return [MARKER_EDS, ...range(size.services).map((i) => `${NAMESPACE}/svc-${i}/http`)];
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

function service(name: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: NAMESPACE },
    spec: { ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
  };
}

function slice(
  service: string,
  addresses: readonly string[],
  options: { port?: number; name?: string } = {},
): Record<string, unknown> {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: options.name ?? `${service}-slice`,
      namespace: NAMESPACE,
      labels: { 'kubernetes.io/service-name': service },
    },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: options.port ?? 8080, protocol: 'TCP' }],
    endpoints: addresses.map((a) => ({ addresses: [a], conditions: { ready: true } })),
  };
}

function proxy(name: string, service: string): Record<string, unknown> {
  return {
    apiVersion: 'projectsesame.io/v1',
    kind: 'HTTPProxy',
    metadata: { name, namespace: NAMESPACE },
    spec: {
      virtualhost: { fqdn: `${name}.faults.test` },
      routes: [{ conditions: [{ prefix: '/' }], services: [{ name: service, port: 80 }] }],
    },
  };
}

/**
 * Objects that rarely change: Services, HTTPProxies, the EndpointSlices of the static Services, and `extra`
 * more routable Services (a change that adds clusters).
 */
export function baseObjects(size: FixtureSize, extra = 0): Record<string, unknown>[] {
  const out = [service('marker'), proxy('marker', 'marker')];
  for (const i of range(size.services)) out.push(service(`svc-${i}`), proxy(`app-${i}`, `svc-${i}`));
  for (const i of range(extra)) {
    out.push(service(`extra-${i}`), proxy(`extra-${i}`, `extra-${i}`), slice(`extra-${i}`, ['10.9.0.1']));
  }
  for (const i of range(size.services).slice(size.dynamic)) {
    out.push(slice(`svc-${i}`, [`10.1.${i >> 8}.${i & 255}`, `10.2.${i >> 8}.${i & 255}`]));
  }
  return out;
}

/** The objects of generation `gen` (≥ 1): the marker EndpointSlice on port `gen`, and the dynamic slices. */
export function dynamicObjects(size: FixtureSize, gen: number): Record<string, unknown>[] {
  const out = [slice('marker', ['10.255.0.1'], { port: gen, name: `marker-g${gen}` })];
  for (const i of range(Math.min(size.dynamic, size.services))) {
    const addresses = [`10.3.${gen % 250}.${i & 255}`, `10.4.${(gen >> 8) % 250}.${i & 255}`];
    out.push(slice(`svc-${i}`, addresses, { name: `svc-${i}-g${gen}` }));
  }
  if (size.churn === true) {
    const name = `churn-g${gen}`;
    out.push(service(name), proxy(name, name), slice(name, [`10.5.${gen % 250}.1`]));
  }
  return out;
}

/** The Kubernetes API resource (plural) of a fixture object's kind. */
export const RESOURCE_OF: Readonly<Record<string, string>> = {
  Service: 'services',
  EndpointSlice: 'endpointslices',
  HTTPProxy: 'httpproxies',
};

/**
 * A fixture object as the Kubernetes source sees it: objects keep their names from one generation to the next
 * (updated in place), so the generation suffix goes.
 */
export function stableObject(object: Record<string, unknown>, gen: number): Record<string, unknown> {
  const metadata = object['metadata'] as { name: string };
  return { ...object, metadata: { ...metadata, name: metadata.name.replace(`-g${gen}`, '') } };
}

let writes = 0;

/** Writes a file the way a careful tool does: a hidden temporary file renamed into place (atomic). */
export async function writeAtomically(file: string, text: string): Promise<void> {
  const dir = join(file, '..');
  const temporary = join(dir, `.${file.slice(dir.length + 1)}.${process.pid}.${++writes}.tmp`);
  await writeFile(temporary, text);
  await rename(temporary, file);
}

const list = (items: Record<string, unknown>[]): string =>
  JSON.stringify({ apiVersion: 'v1', kind: 'List', items });

/** Writes the whole cluster at generation `gen` into a manifests folder. */
export async function writeFixture(dir: string, size: FixtureSize, gen: number): Promise<void> {
  await writeBase(dir, size);
  await writeGeneration(dir, size, gen);
}

/** Replaces `base.json` (in place, atomically), with `extra` more routable Services. */
export function writeBase(dir: string, size: FixtureSize, extra = 0): Promise<void> {
  return writeAtomically(join(dir, 'base.json'), list(baseObjects(size, extra)));
}

/** Writes generation `gen` as a new file, then removes generation `gen - 2`. */
export async function writeGeneration(dir: string, size: FixtureSize, gen: number): Promise<void> {
  await writeAtomically(join(dir, `gen-${gen}.json`), list(dynamicObjects(size, gen)));
  await rm(join(dir, `gen-${gen - 2}.json`), { force: true });
}
