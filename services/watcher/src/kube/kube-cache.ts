import { canonicalJson, compareStrings } from '../util/order.js';
import { decodeEndpointSlice, decodeSecret, decodeService } from './decode-core.js';
import { decodeDelegation } from './decode-delegation.js';
import { decodeHTTPProxy } from './decode-httpproxy.js';
import { decodeIngress } from './decode-ingress.js';
import { decodeMeta, looseIdentity } from './decode-meta.js';
import {
  nsName,
  type EndpointSlice,
  type HTTPProxy,
  type Ingress,
  type KnownObject,
  type Meta,
  type Secret,
  type Service,
  type TLSCertificateDelegation,
} from './kinds.js';
import { diagnostic, type Diagnostic, type KubeObject } from './object.js';
import { FieldReader, type Fields } from './read.js';

/** The checked objects translation reads, indexed the way lookups need them; every collection is sorted. */
export interface KubeCache {
  /** By `namespace/name`. */
  readonly services: ReadonlyMap<string, Service>;
  /** By `namespace/service name`, each list sorted by slice name. */
  readonly endpointSlices: ReadonlyMap<string, readonly EndpointSlice[]>;
  /** By `namespace/name`. */
  readonly secrets: ReadonlyMap<string, Secret>;
  /** Sorted by namespace and name. */
  readonly ingresses: readonly Ingress[];
  /** Sorted by namespace and name. */
  readonly httpProxies: readonly HTTPProxy[];
  /** Sorted by namespace and name. */
  readonly delegations: readonly TLSCertificateDelegation[];
}

type Decoder = (r: FieldReader, manifest: Fields, meta: Meta) => KnownObject;

/** The kinds Sesame reads, by `apiVersion kind`. */
const DECODERS: ReadonlyMap<string, Decoder> = new Map<string, Decoder>([
  ['v1 Service', decodeService],
  ['v1 Secret', decodeSecret],
  ['discovery.k8s.io/v1 EndpointSlice', decodeEndpointSlice],
  ['networking.k8s.io/v1 Ingress', decodeIngress],
  ['projectsesame.io/v1 HTTPProxy', decodeHTTPProxy],
  ['projectsesame.io/v1 TLSCertificateDelegation', decodeDelegation],
]);

/** Kinds Sesame knows but that do not change the generated configuration; accepted without a word. */
const ACCEPTED = new Set(['networking.k8s.io/v1 IngressClass']);

/** Checks and indexes objects. Bad objects become diagnostics; the result never depends on input order. */
export function indexObjects(objects: readonly KubeObject[]): {
  cache: KubeCache;
  diagnostics: Diagnostic[];
} {
  const { objects: unique, diagnostics } = decodeObjects(objects);
  const services = new Map<string, Service>();
  const secrets = new Map<string, Secret>();
  const slices = new Map<string, EndpointSlice[]>();
  const ingresses: Ingress[] = [];
  const httpProxies: HTTPProxy[] = [];
  const delegations: TLSCertificateDelegation[] = [];
  for (const { object } of unique) {
    const key = nsName(object.meta.namespace, object.meta.name);
    switch (object.kind) {
      case 'Service':
        services.set(key, object);
        break;
      case 'Secret':
        secrets.set(key, object);
        break;
      case 'EndpointSlice': {
        const serviceKey = nsName(object.meta.namespace, object.serviceName);
        slices.set(serviceKey, [...(slices.get(serviceKey) ?? []), object]);
        break;
      }
      case 'Ingress':
        ingresses.push(object);
        break;
      case 'HTTPProxy':
        httpProxies.push(object);
        break;
      case 'TLSCertificateDelegation':
        delegations.push(object);
        break;
    }
  }
  return {
    cache: { services, secrets, endpointSlices: slices, ingresses, httpProxies, delegations },
    diagnostics,
  };
}

/** A decoded object and the source it came from. */
export interface DecodedObject {
  readonly object: KnownObject;
  readonly source: KubeObject;
}

/**
 * Decodes every object and keeps one per kind, namespace and name (the first by file and line, then by
 * content); everything else becomes a diagnostic. The objects come back sorted by kind, namespace and name.
 */
export function decodeObjects(objects: readonly KubeObject[]): {
  objects: DecodedObject[];
  diagnostics: Diagnostic[];
} {
  const diagnostics: Diagnostic[] = [];
  const candidates: DecodedObject[] = [];
  for (const source of objects) {
    const decoded = decodeObject(source);
    if (decoded === IGNORED) continue;
    if ('reason' in decoded) diagnostics.push(decoded);
    else candidates.push({ object: decoded, source });
  }
  return { objects: dedupe(candidates, diagnostics), diagnostics };
}

/** Marks objects of kinds Sesame accepts but does not read. */
export const IGNORED = Symbol('ignored');

/** Decodes one object: the checked object, a diagnostic saying why it cannot be, or IGNORED. */
export function decodeObject(source: KubeObject): KnownObject | Diagnostic | typeof IGNORED {
  const manifest = source.manifest;
  const apiVersion = typeof manifest['apiVersion'] === 'string' ? manifest['apiVersion'] : '';
  const kind = typeof manifest['kind'] === 'string' ? manifest['kind'] : '';
  const ref = {
    kind,
    ...looseIdentity(manifest),
    ...(source.origin === undefined ? {} : { origin: source.origin }),
  };
  if (apiVersion === '' || kind === '')
    return diagnostic(ref, 'not a Kubernetes object: apiVersion and kind are required');
  const typeKey = `${apiVersion} ${kind}`;
  if (ACCEPTED.has(typeKey)) return IGNORED;
  const decode = DECODERS.get(typeKey);
  if (decode === undefined) return diagnostic(ref, unsupportedReason(apiVersion, kind));
  const r = new FieldReader();
  const meta = decodeMeta(r, manifest, source.origin);
  const object = decode(r, manifest, meta);
  if (r.errors.length > 0) return diagnostic(ref, `invalid ${kind}: ${r.errors.join('; ')}`);
  return object;
}

function unsupportedReason(apiVersion: string, kind: string): string {
  const expected = [...DECODERS.keys()].find((key) => key.endsWith(` ${kind}`))?.split(' ')[0];
  if (expected !== undefined) return `unsupported apiVersion ${apiVersion} for ${kind}, expected ${expected}`;
  return `kind ${kind} (${apiVersion}) is not read by Sesame; ignored`;
}

type Candidate = DecodedObject;

/** Keeps one object per kind, namespace and name: the first by file and line, then by content. */
function dedupe(candidates: Candidate[], diagnostics: Diagnostic[]): DecodedObject[] {
  const canonical = new Map<Candidate, string>();
  const contentOf = (c: Candidate): string => {
    let s = canonical.get(c);
    if (s === undefined) {
      s = canonicalJson(c.source.manifest);
      canonical.set(c, s);
    }
    return s;
  };
  candidates.sort(
    (a, b) =>
      compareStrings(a.object.kind, b.object.kind) ||
      compareStrings(a.object.meta.namespace, b.object.meta.namespace) ||
      compareStrings(a.object.meta.name, b.object.meta.name) ||
      compareStrings(a.source.origin?.file ?? '', b.source.origin?.file ?? '') ||
      (a.source.origin?.line ?? 0) - (b.source.origin?.line ?? 0) ||
      compareStrings(contentOf(a), contentOf(b)),
  );
  const kept: DecodedObject[] = [];
  let previous: Candidate | undefined;
  for (const c of candidates) {
    const same =
      previous !== undefined &&
      previous.object.kind === c.object.kind &&
      previous.object.meta.namespace === c.object.meta.namespace &&
      previous.object.meta.name === c.object.meta.name;
    if (same && previous !== undefined) {
      const where = previous.source.origin;
      const at = where === undefined ? '' : ` at ${where.file}:${where.line}`;
      diagnostics.push(diagnostic(refFor(c), `duplicate ${c.object.kind}: the one${at} is used`));
      continue;
    }
    kept.push(c);
    previous = c;
  }
  return kept;
}

function refFor(c: Candidate): {
  kind: string;
  namespace: string;
  name: string;
  origin?: KubeObject['origin'];
} {
  const { namespace, name } = c.object.meta;
  return {
    kind: c.object.kind,
    namespace,
    name,
    ...(c.source.origin === undefined ? {} : { origin: c.source.origin }),
  };
}
