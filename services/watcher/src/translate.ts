import type { Resource } from '@sesame/shared';
import { envoyResources } from './envoy/resources.js';
import { indexObjects } from './kube/kube-cache.js';
import { compareDiagnostics, type Diagnostic, type KubeObject } from './kube/object.js';
import { buildModel } from './model/build-model.js';

/** Options of `translate`. */
export interface TranslateOptions {
  /** Serve only Ingresses and HTTPProxies of this class; unset means objects with no class or class `sesame`. */
  readonly ingressClass?: string;
}

/** Envoy resources for a set of objects, and every problem found on the way. */
export interface Translation {
  readonly resources: Resource[];
  /** Sorted by file, line and object. */
  readonly diagnostics: Diagnostic[];
}

/**
 * Kubernetes objects → model → Envoy resources. Pure: no I/O, no clock; the same objects in any order give
 * byte-identical resources. Bad input never throws: it is left out and reported.
 */
export function translate(objects: readonly KubeObject[], options: TranslateOptions = {}): Translation {
  const indexed = indexObjects(objects);
  const built = buildModel(indexed.cache, options);
  return {
    resources: envoyResources(built.model),
    diagnostics: [...indexed.diagnostics, ...built.diagnostics].sort(compareDiagnostics),
  };
}
