import { createHash } from 'node:crypto';
import type { Resource } from '@sesame/shared';
import type { Coverage } from '../cache/holdings.js';
import type { NameSetTable } from '../cache/name-sets.js';
import type { ResourceCache, TypeView } from '../cache/resource-cache.js';
import { ALL_RESOURCES, sharedEdsNames, type SharedBody } from './encoding.js';

/** What a response is made of, and whether its encoding can be shared with other streams. */
export interface Selection {
  readonly resources: Resource[];
  readonly shared: SharedBody | undefined;
}

/**
 * The resources of a response. When it carries the whole subscription (`whole`, or every subscribed resource
 * changed), they come in an order that depends only on the view and the subscription, so every stream
 * sending the same can share one encoding; otherwise just the `changed` names, in their order.
 */
export function selectResources(options: {
  readonly view: TypeView;
  readonly coverage: Coverage;
  readonly changed: readonly string[];
  /** A full-state response (LDS, CDS in state of the world): the whole subscription, changed or not. */
  readonly whole: boolean;
  /** False when the response also says something per stream (delta removals): nothing to share. */
  readonly sharable: boolean;
  readonly nameSets: NameSetTable;
  readonly flavour: SharedBody['flavour'];
}): Selection {
  const { view, coverage, changed, whole, flavour } = options;
  const { wildcard, names } = coverage;
  if (options.sharable && wildcard && (whole || changed.length === view.resources.size)) {
    return { resources: [...view.resources.values()], shared: { view, key: ALL_RESOURCES, flavour } };
  }
  if (options.sharable && !wildcard && (whole || changed.length === names.size)) {
    const resources: Resource[] = [];
    for (const name of names) {
      const r = view.resources.get(name);
      if (r !== undefined) resources.push(r);
    }
    // Shared only when another stream holds the same interned set: a lone subscriber gains nothing.
    const popular = options.nameSets.refs(names) > 1;
    return { resources, shared: popular ? { view, key: names, flavour } : undefined };
  }
  return { resources: changed.map((n) => view.resources.get(n) as Resource), shared: undefined };
}

/**
 * EDS names of the clusters a response adds or changes (Envoy warms them until their endpoints arrive).
 * When every cluster of a shared body changed, the list is computed once for all streams.
 */
export function changedEdsNames(
  cache: ResourceCache,
  changed: readonly Resource[],
  selection: Selection,
): readonly string[] {
  const compute = (): string[] => {
    const out: string[] = [];
    for (const cluster of changed) {
      const eds = cache.edsServiceName(cluster);
      if (eds !== undefined) out.push(eds);
    }
    return out;
  };
  const shared = selection.shared;
  if (shared === undefined || changed.length !== selection.resources.length) return compute();
  return sharedEdsNames(shared, compute);
}

/** The version of a view plus removed resources kept in it (make before break): content-derived too. */
export function keptVersion(viewVersion: string, kept: readonly Resource[]): string {
  const hash = createHash('sha256');
  for (const r of [...kept].sort((a, b) => (a.name < b.name ? -1 : 1)))
    hash.update(`${r.name}\0${r.version}\0`);
  return `${viewVersion}.${hash.digest('base64url').slice(0, 8)}`;
}
