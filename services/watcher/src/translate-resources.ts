import type { Resource, ResourceKey, TypeUrl } from '@sesame/shared';

/** The published resources, with the net change since the last `takeChanges`. */
export class ResourceSet {
  private readonly byKey = new Map<string, Resource>();
  /** The resource each touched key had before the current change (undefined: it had none). */
  private readonly before = new Map<string, Resource | undefined>();

  private touch(key: string): void {
    if (!this.before.has(key)) this.before.set(key, this.byKey.get(key));
  }

  /** Adds or replaces a resource. */
  set(resource: Resource): void {
    const key = `${resource.typeUrl} ${resource.name}`;
    if (this.byKey.get(key)?.version === resource.version) return;
    this.touch(key);
    this.byKey.set(key, resource);
  }

  /** Removes a resource, if present. */
  delete(typeUrl: TypeUrl, name: string): void {
    const key = `${typeUrl} ${name}`;
    if (!this.byKey.has(key)) return;
    this.touch(key);
    this.byKey.delete(key);
  }

  /** The resource of a type and name. */
  get(typeUrl: TypeUrl, name: string): Resource | undefined {
    return this.byKey.get(`${typeUrl} ${name}`);
  }

  /** Every resource, in no particular order. */
  values(): IterableIterator<Resource> {
    return this.byKey.values();
  }

  get size(): number {
    return this.byKey.size;
  }

  /** What changed since the last call: added or changed resources, and removed ones. */
  takeChanges(): { upserts: Resource[]; removals: ResourceKey[] } {
    const upserts: Resource[] = [];
    const removals: ResourceKey[] = [];
    for (const [key, was] of this.before) {
      const now = this.byKey.get(key);
      if (now === undefined) {
        if (was !== undefined) removals.push({ typeUrl: was.typeUrl, name: was.name });
      } else if (was?.version !== now.version) {
        upserts.push(now);
      }
    }
    this.before.clear();
    return { upserts, removals };
  }
}
