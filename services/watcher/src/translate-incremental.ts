import { TYPE_URLS, type Resource, type ResourceKey } from '@sesame/shared';
import { outputCheck } from './envoy/checked-outputs.js';
import { decodeObject, decodeObjects, IGNORED, type DecodedObject } from './kube/kube-cache.js';
import { looseIdentity } from './kube/decode-meta.js';
import { refOf } from './kube/kinds.js';
import { compareDiagnostics, diagnostic, type Diagnostic, type KubeObject } from './kube/object.js';
import type { ModelOptions } from './model/world.js';
import { OutputState } from './translate-output.js';
import { StatusState, type IngressStatus, type ProxyStatus, type Statuses } from './translate-status.js';
import {
  createInvalidation,
  ObjectStore,
  objectKeyString,
  type Invalidation,
  type ObjectKey,
} from './translate-store.js';
import { UnitRegistry } from './translate-units.js';
import { compareStrings } from './util/order.js';

/** Options of the translation; every default is Contour's. */
export type TranslateOptions = ModelOptions;

/** Envoy resources for a set of objects, every problem found on the way, and the objects' statuses. */
export interface Translation {
  /** Sorted by type (make-before-break order), then name. */
  readonly resources: readonly Resource[];
  /** Sorted by file, line and object. */
  readonly diagnostics: readonly Diagnostic[];
  readonly statuses: Statuses;
}

/** Objects that changed: added or replaced ones, and removed ones. */
export interface ObjectChanges {
  readonly upserts?: readonly KubeObject[];
  readonly deletes?: readonly ObjectKey[];
}

/** What one change did to the published resources. */
export interface TranslationUpdate {
  readonly upserts: readonly Resource[];
  readonly removals: readonly ResourceKey[];
  /** `Kind namespace/name` of objects whose status may have changed. */
  readonly statusChanges: readonly string[];
}

/**
 * The incremental translation: Kubernetes objects in, Envoy resources and statuses out, keeping what does
 * not depend on a change. An EndpointSlice change re-encodes only the endpoints of its Service; an
 * HTTPProxy change rebuilds only its own hosts and what they reference. For any sequence of changes the
 * result equals `translate()` of the final objects, byte for byte.
 */
export interface Translator {
  /** Applies changes; an upsert replaces the object with the same kind, namespace and name. */
  apply(changes: ObjectChanges): TranslationUpdate;
  /** Makes the translator hold exactly `objects` (a source that lists everything on each change). */
  replaceAll(objects: readonly KubeObject[]): TranslationUpdate;
  /** The complete current translation (computed on demand, kept until the next change). */
  current(): Translation;
}

/** A translator holding no objects. */
export function createTranslator(options: TranslateOptions = {}): Translator {
  const store = new ObjectStore(options);
  const units = new UnitRegistry(store, options, outputCheck);
  const output = new OutputState((service) => store.slices.get(service)?.values() ?? []);
  const statuses = new StatusState();
  /** Diagnostics of a full listing that belong to no stored object (duplicates, unreadable documents). */
  let listingDiagnostics: Diagnostic[] = [];
  let cached: Translation | undefined;

  const keyOf = (source: KubeObject): string => {
    const manifest = source.manifest;
    const kind = typeof manifest['kind'] === 'string' ? manifest['kind'] : '';
    return objectKeyString({ kind, ...looseIdentity(manifest) });
  };

  function run(inv: Invalidation): TranslationUpdate {
    cached = undefined;
    const dirtyUnits = new Set(inv.units);
    units.dependents(inv.deps, dirtyUnits);
    const dirtyStatuses = new Set(inv.statuses);
    for (const key of [...dirtyUnits].sort(compareStrings)) {
      const { before, after } = units.rebuild(key);
      output.setContributions(key, before?.contributions ?? [], after?.contributions ?? []);
      statuses.setUnit(key, before, after, dirtyStatuses);
    }
    for (const service of inv.endpoints) output.endpointsChanged(service);
    output.flush(dirtyStatuses);
    for (const key of dirtyStatuses) statuses.recompute(key, store, output.problems);
    return { ...output.takeChanges(), statusChanges: [...dirtyStatuses].sort(compareStrings) };
  }

  function put(inv: Invalidation, decoded: DecodedObject): void {
    store.put(decoded, inv);
  }

  return {
    apply(changes) {
      const inv = createInvalidation();
      for (const key of changes.deletes ?? []) store.remove(objectKeyString(key), inv);
      for (const source of changes.upserts ?? []) {
        const decoded = decodeObject(source);
        if (decoded === IGNORED) continue;
        if ('reason' in decoded) store.fail(keyOf(source), decoded, inv);
        else put(inv, { object: decoded, source });
      }
      return run(inv);
    },
    replaceAll(objects) {
      const inv = createInvalidation();
      const { objects: decoded, diagnostics } = decodeObjects(objects);
      listingDiagnostics = diagnostics;
      const keep = new Set<string>();
      for (const d of decoded) {
        const key = objectKeyString({
          kind: d.object.kind,
          namespace: d.object.meta.namespace,
          name: d.object.meta.name,
        });
        keep.add(key);
        if (!store.unchanged(key, d.source.manifest)) put(inv, d);
      }
      for (const key of [...store.keys()]) if (!keep.has(key)) store.remove(key, inv);
      return run(inv);
    },
    current() {
      cached ??= materialize();
      return cached;
    },
  };

  function materialize(): Translation {
    const order = new Map(TYPE_URLS.map((t, i) => [t, i]));
    const resources = [...output.resources.values()].sort(
      (a, b) => (order.get(a.typeUrl) ?? 0) - (order.get(b.typeUrl) ?? 0) || compareStrings(a.name, b.name),
    );
    const diagnostics = [...listingDiagnostics, ...store.failures.values()];
    const httpProxies = new Map<string, ProxyStatus>();
    for (const name of [...statuses.httpProxies.keys()].sort(compareStrings)) {
      const status = statuses.httpProxies.get(name);
      const proxy = store.proxies.get(name);
      if (status === undefined || proxy === undefined) continue;
      httpProxies.set(name, status);
      const ref = refOf(proxy);
      for (const e of status.conditions[0].errors) diagnostics.push(diagnostic(ref, e.message));
      for (const w of status.conditions[0].warnings) diagnostics.push(diagnostic(ref, w.message));
    }
    const ingresses = new Map<string, IngressStatus>();
    for (const name of [...statuses.ingresses.keys()].sort(compareStrings)) {
      const status = statuses.ingresses.get(name);
      const ingress = store.ingresses.get(name);
      if (status === undefined || ingress === undefined) continue;
      ingresses.set(name, status);
      const ref = refOf(ingress);
      for (const e of status.errors) diagnostics.push(diagnostic(ref, e.message));
      for (const w of status.warnings) diagnostics.push(diagnostic(ref, w.message));
    }
    return {
      resources,
      diagnostics: diagnostics.sort(compareDiagnostics),
      statuses: { httpProxies, ingresses },
    };
  }
}
