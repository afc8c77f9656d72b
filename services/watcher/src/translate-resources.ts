import type { Resource, ResourceKey, TypeUrl } from '@sesame/shared';

/** A key touched since the last `takeChanges`, with the resource it had before (undefined: it had none). */
interface Touched {
  readonly typeUrl: TypeUrl;
  readonly name: string;
  readonly was: Resource | undefined;
}

/**
 * The published resources, with the net change since the last `takeChanges`. Indexed by type, then name:
 * a joined `type name` key would build and hash a new string on every lookup of ~50,000 resources.
 */
export class ResourceSet {
  private readonly byType = new Map<TypeUrl, Map<string, Resource>>();
  private count = 0;
  /** In the order first touched, which is the order of the upserts `takeChanges` gives. */
  private readonly touched: Touched[] = [];
  private readonly touchedNames = new Map<TypeUrl, Set<string>>();

  private names(typeUrl: TypeUrl): Map<string, Resource> {
    let names = this.byType.get(typeUrl);
    if (names === undefined) {
      names = new Map();
      this.byType.set(typeUrl, names);
    }
    return names;
  }

  private touch(typeUrl: TypeUrl, name: string, was: Resource | undefined): void {
    let names = this.touchedNames.get(typeUrl);
    if (names === undefined) {
      names = new Set();
      this.touchedNames.set(typeUrl, names);
    }
    if (names.has(name)) return;
    names.add(name);
    this.touched.push({ typeUrl, name, was });
  }

  /** Adds or replaces a resource. */
  set(resource: Resource): void {
    const names = this.names(resource.typeUrl);
    const old = names.get(resource.name);
    if (old?.version === resource.version) return;
    this.touch(resource.typeUrl, resource.name, old);
    names.set(resource.name, resource);
    if (old === undefined) this.count++;
  }

  /** Removes a resource, if present. */
  delete(typeUrl: TypeUrl, name: string): void {
    const names = this.byType.get(typeUrl);
    const old = names?.get(name);
    if (names === undefined || old === undefined) return;
    this.touch(typeUrl, name, old);
    names.delete(name);
    this.count--;
  }

  /** The resource of a type and name. */
  get(typeUrl: TypeUrl, name: string): Resource | undefined {
    return this.byType.get(typeUrl)?.get(name);
  }

  /** Every resource, in no particular order. */
  values(): IterableIterator<Resource> {
    const all: Resource[] = [];
    for (const names of this.byType.values()) for (const r of names.values()) all.push(r);
    return all.values();
  }

  get size(): number {
    return this.count;
  }

  /** What changed since the last call: added or changed resources, and removed ones. */
  takeChanges(): { upserts: Resource[]; removals: ResourceKey[] } {
    const upserts: Resource[] = [];
    const removals: ResourceKey[] = [];
    for (const { typeUrl, name, was } of this.touched) {
      const now = this.get(typeUrl, name);
      if (now === undefined) {
        if (was !== undefined) removals.push({ typeUrl: was.typeUrl, name: was.name });
      } else if (was?.version !== now.version) {
        upserts.push(now);
      }
    }
    this.touched.length = 0;
    this.touchedNames.clear();
    return { upserts, removals };
  }
}
