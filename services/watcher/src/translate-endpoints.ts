import { createResource, encodeChecked, TypeUrl, type Audience } from '@sesame/shared';
import { clusterLoadAssignment, readyEndpoints, type SliceLike } from './envoy/endpoint.js';
import { edsServiceName } from './envoy/names.js';
import type { Upstream } from './model/model.js';
import type { ResourceSet } from './translate-resources.js';

/** Reads the EndpointSlices of a Service (`ns/name`). */
export type SliceSource = (service: string) => Iterable<SliceLike>;

/** Where the endpoints of an EDS resource come from. */
interface EdsEntry {
  readonly upstream: Upstream;
  /** Clusters using it, with their audiences. */
  readonly clusters: Map<string, Audience>;
}

/**
 * The ClusterLoadAssignments, kept apart from the model as Contour's EndpointSliceTranslator keeps them:
 * one per EDS name that a published cluster uses, recomputed only when its Service's slices (or the set of
 * clusters using it) change, so an endpoint change costs one small encode.
 */
export class EndpointRegistry {
  private readonly entries = new Map<string, EdsEntry>();
  private readonly byCluster = new Map<string, string>();
  private readonly byService = new Map<string, Set<string>>();
  private readonly touched = new Set<string>();

  constructor(
    private readonly resources: ResourceSet,
    private readonly slices: SliceSource,
  ) {}

  /** Marks the endpoints of a Service (`ns/name`) for recomputation. */
  serviceChanged(service: string): void {
    for (const name of this.byService.get(service) ?? []) this.touched.add(name);
  }

  /** Publishes every touched ClusterLoadAssignment (or removes it when no cluster uses it any more). */
  publish(): void {
    for (const name of this.touched) this.publishOne(name);
    this.touched.clear();
  }

  /** Points `cluster` at the endpoints of `next`'s upstream (none for DNS clusters or a removed cluster). */
  link(cluster: string, next: { upstream: Upstream; audience: Audience } | undefined): void {
    const name = next === undefined ? undefined : edsServiceName(next.upstream);
    const previous = this.byCluster.get(cluster);
    if (previous !== undefined && previous !== name) {
      this.entries.get(previous)?.clusters.delete(cluster);
      this.touched.add(previous);
      this.byCluster.delete(cluster);
    }
    if (next === undefined || name === undefined) return;
    let entry = this.entries.get(name);
    if (entry === undefined) {
      entry = { upstream: next.upstream, clusters: new Map() };
      this.entries.set(name, entry);
      const service = `${next.upstream.namespace}/${next.upstream.name}`;
      let names = this.byService.get(service);
      if (names === undefined) {
        names = new Set();
        this.byService.set(service, names);
      }
      names.add(name);
    }
    entry.clusters.set(cluster, next.audience);
    this.byCluster.set(cluster, name);
    this.touched.add(name);
  }

  private publishOne(name: string): void {
    const entry = this.entries.get(name);
    if (entry === undefined || entry.clusters.size === 0) {
      this.resources.delete(TypeUrl.ClusterLoadAssignment, name);
      if (entry !== undefined) {
        this.entries.delete(name);
        const service = `${entry.upstream.namespace}/${entry.upstream.name}`;
        const names = this.byService.get(service);
        names?.delete(name);
        if (names?.size === 0) this.byService.delete(service);
      }
      return;
    }
    // One audience when every cluster has the same, else both views.
    let audience: Audience | undefined;
    for (const a of entry.clusters.values()) audience = audience === undefined || audience === a ? a : 'all';
    const { namespace, name: service, portName } = entry.upstream;
    const endpoints = readyEndpoints(this.slices(`${namespace}/${service}`), portName);
    let body = encodeChecked(TypeUrl.ClusterLoadAssignment, clusterLoadAssignment(name, endpoints));
    // Slices are checked when decoded, so this cannot fail; if it ever did, no endpoints beat a NACK.
    if (!body.ok) body = encodeChecked(TypeUrl.ClusterLoadAssignment, clusterLoadAssignment(name, []));
    if (body.ok)
      this.resources.set(
        createResource({
          typeUrl: TypeUrl.ClusterLoadAssignment,
          name,
          body: body.value,
          audience: audience ?? 'all',
        }),
      );
  }
}
