import { createHash } from 'node:crypto';
import { TYPE_URLS, type TypeUrl } from '../proto/type-urls.js';
import { VERSION_BYTES, type Resource, type ResourceKey } from './resource.js';
import type { Result } from '../result.js';

/** The resources of one type in a snapshot, with a version derived from exactly their contents. */
export interface TypeResources {
  readonly typeUrl: TypeUrl;
  readonly version: string;
  readonly resources: ReadonlyMap<string, Resource>;
}

/**
 * An immutable, complete set of resources. Its version depends only on the contents: the same resources
 * give the same version in any process, whatever order they were added in.
 */
export interface Snapshot {
  readonly version: string;
  /** Every served type is present, possibly empty. */
  readonly types: ReadonlyMap<TypeUrl, TypeResources>;
  get(typeUrl: TypeUrl, name: string): Resource | undefined;
  /** Number of resources of every type. */
  readonly size: number;
}

/** What turns one snapshot into another. `previousVersion: null` means a full state that replaces all. */
export interface SnapshotChange {
  readonly version: string;
  readonly previousVersion: string | null;
  readonly upserts: readonly Resource[];
  readonly removals: readonly ResourceKey[];
}

/**
 * An order-independent digest of a set of resources: the XOR of their versions' bytes. Adding or removing
 * one resource costs O(1), so a change to a large snapshot never rehashes the rest.
 */
class SetDigest {
  private readonly bytes: Buffer;
  constructor(from?: SetDigest) {
    this.bytes = from === undefined ? Buffer.alloc(VERSION_BYTES) : Buffer.from(from.bytes);
  }
  toggle(version: string): void {
    const v = Buffer.from(version, 'base64url');
    for (let i = 0; i < VERSION_BYTES; i++) this.bytes[i] = (this.bytes[i] ?? 0) ^ (v[i] ?? 0);
  }
  version(typeUrl: string, count: number): string {
    return createHash('sha256')
      .update(`${typeUrl}\0${count}\0`)
      .update(this.bytes)
      .digest()
      .subarray(0, VERSION_BYTES)
      .toString('base64url');
  }
}

class TypeResourcesImpl implements TypeResources {
  readonly version: string;
  constructor(
    readonly typeUrl: TypeUrl,
    readonly resources: ReadonlyMap<string, Resource>,
    readonly digest: SetDigest,
  ) {
    this.version = digest.version(typeUrl, resources.size);
  }
}

class SnapshotImpl implements Snapshot {
  readonly version: string;
  readonly size: number;
  constructor(readonly types: ReadonlyMap<TypeUrl, TypeResourcesImpl>) {
    const hash = createHash('sha256');
    let size = 0;
    for (const typeUrl of TYPE_URLS) {
      const t = types.get(typeUrl);
      hash.update(`${typeUrl}\0${t?.version ?? ''}\0`);
      size += t?.resources.size ?? 0;
    }
    this.version = hash.digest().subarray(0, VERSION_BYTES).toString('base64url');
    this.size = size;
  }
  get(typeUrl: TypeUrl, name: string): Resource | undefined {
    return this.types.get(typeUrl)?.resources.get(name);
  }
}

/** Builds a snapshot; two resources with the same type and name are an error, never silently collapsed. */
export function createSnapshot(resources: Iterable<Resource>): Result<Snapshot> {
  const maps = new Map<TypeUrl, Map<string, Resource>>(TYPE_URLS.map((t) => [t, new Map()]));
  const errors: string[] = [];
  for (const r of resources) {
    const byName = maps.get(r.typeUrl);
    if (byName === undefined) {
      errors.push(`unsupported type URL ${r.typeUrl} for resource ${r.name}`);
    } else if (byName.has(r.name)) {
      errors.push(`duplicate resource ${r.typeUrl} ${r.name}`);
    } else {
      byName.set(r.name, r);
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  const types = new Map<TypeUrl, TypeResourcesImpl>();
  for (const [typeUrl, byName] of maps) {
    const digest = new SetDigest();
    for (const r of byName.values()) digest.toggle(r.version);
    types.set(typeUrl, new TypeResourcesImpl(typeUrl, byName, digest));
  }
  return { ok: true, value: new SnapshotImpl(types) };
}

/** The empty snapshot every bus starts from. */
export const EMPTY_SNAPSHOT: Snapshot = (() => {
  const r = createSnapshot([]);
  if (!r.ok) throw new Error(`unreachable: ${r.errors.join('; ')}`);
  return r.value;
})();

/** What changed from `prev` to `next`, in make-before-break type order. Cost: O(resources of changed types). */
export function diffSnapshots(prev: Snapshot, next: Snapshot): SnapshotChange {
  const upserts: Resource[] = [];
  const removals: ResourceKey[] = [];
  for (const typeUrl of TYPE_URLS) {
    const a = prev.types.get(typeUrl);
    const b = next.types.get(typeUrl);
    if (a?.version === b?.version) continue;
    const before = a?.resources ?? new Map<string, Resource>();
    const after = b?.resources ?? new Map<string, Resource>();
    for (const [name, r] of after) {
      if (before.get(name)?.version !== r.version) upserts.push(r);
    }
    for (const name of before.keys()) {
      if (!after.has(name)) removals.push({ typeUrl, name });
    }
  }
  return { version: next.version, previousVersion: prev.version, upserts, removals };
}

/** The full state of a snapshot as a change from nothing. */
export function fullChange(snapshot: Snapshot): SnapshotChange {
  const upserts: Resource[] = [];
  for (const typeUrl of TYPE_URLS) {
    for (const r of snapshot.types.get(typeUrl)?.resources.values() ?? []) upserts.push(r);
  }
  return { version: snapshot.version, previousVersion: null, upserts, removals: [] };
}

/**
 * Applies a change. Only the types it touches are copied. The result must have the version the change
 * announces; anything else (a gap, a corrupt change) is an error and the caller resynchronises.
 */
export function applyChange(base: Snapshot, change: SnapshotChange): Result<Snapshot> {
  if (change.previousVersion === null) {
    const full = createSnapshot(change.upserts);
    if (!full.ok) return full;
    return checkVersion(full.value, change);
  }
  if (change.previousVersion !== base.version) {
    return {
      ok: false,
      errors: [`change from ${change.previousVersion} does not apply to snapshot ${base.version}`],
    };
  }
  const next = updateSnapshot(base, change);
  return next.ok ? checkVersion(next.value, change) : next;
}

/**
 * The snapshot that results from upserting and removing resources: only the types touched are copied and
 * their versions updated in O(changes), so a small change to a large snapshot stays cheap. Unlike
 * `applyChange`, the caller need not know the resulting version.
 */
export function updateSnapshot(
  base: Snapshot,
  changes: { readonly upserts: readonly Resource[]; readonly removals: readonly ResourceKey[] },
): Result<Snapshot> {
  const baseTypes = base.types as ReadonlyMap<TypeUrl, TypeResourcesImpl>;
  const touched = new Map<TypeUrl, { map: Map<string, Resource>; digest: SetDigest }>();
  const typeFor = (typeUrl: TypeUrl): { map: Map<string, Resource>; digest: SetDigest } | undefined => {
    let t = touched.get(typeUrl);
    if (t === undefined) {
      const from = baseTypes.get(typeUrl);
      if (from === undefined) return undefined;
      t = { map: new Map(from.resources), digest: new SetDigest(from.digest) };
      touched.set(typeUrl, t);
    }
    return t;
  };
  for (const key of changes.removals) {
    const t = typeFor(key.typeUrl);
    const old = t?.map.get(key.name);
    if (t === undefined || old === undefined) continue;
    t.digest.toggle(old.version);
    t.map.delete(key.name);
  }
  for (const r of changes.upserts) {
    const t = typeFor(r.typeUrl);
    if (t === undefined) return { ok: false, errors: [`unsupported type URL ${r.typeUrl}`] };
    const old = t.map.get(r.name);
    if (old !== undefined) t.digest.toggle(old.version);
    t.digest.toggle(r.version);
    t.map.set(r.name, r);
  }
  const types = new Map(baseTypes);
  for (const [typeUrl, t] of touched) types.set(typeUrl, new TypeResourcesImpl(typeUrl, t.map, t.digest));
  return { ok: true, value: new SnapshotImpl(types) };
}

function checkVersion(snapshot: Snapshot, change: SnapshotChange): Result<Snapshot> {
  if (snapshot.version !== change.version) {
    return {
      ok: false,
      errors: [`change announced version ${change.version} but its contents give ${snapshot.version}`],
    };
  }
  return { ok: true, value: snapshot };
}
