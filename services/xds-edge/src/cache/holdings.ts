import type { Resource } from '@sesame/shared';
import type { NameSet } from './name-sets.js';
import type { TypeView } from './resource-cache.js';

/** Which names of a type a subscription covers: every name (`wildcard`) and/or the named ones. */
export interface Coverage {
  readonly wildcard: boolean;
  readonly names: NameSet;
}

/** Whether a coverage includes a name. */
export function covers(coverage: Coverage, name: string): boolean {
  return coverage.wildcard || coverage.names.has(name);
}

/**
 * What a client holds of one type, name by name, as far as its ACKs tell. Stored as a shared, immutable
 * type view (restricted to the coverage it was sent for) plus the few names where the client differs from
 * it, so thousands of clients that are in sync cost a pointer each instead of a map of every name.
 */
export class Holdings {
  private base: TypeView | undefined;
  private baseCoverage: Coverage | undefined;
  /** Names whose version differs from the base; null means "holds nothing". */
  private readonly overrides = new Map<string, string | null>();

  /** The version the client holds of `name`, or undefined. */
  get(name: string): string | undefined {
    const o = this.overrides.get(name);
    if (o !== undefined) return o ?? undefined;
    return this.fromBase(name);
  }

  /** The resource the client holds of `name`, when it is the one in the shared view (else undefined). */
  resource(name: string): Resource | undefined {
    if (this.overrides.has(name) || this.baseCoverage === undefined || !covers(this.baseCoverage, name)) {
      return undefined;
    }
    return this.base?.resources.get(name);
  }

  /** Records that the client holds `version` of `name` (undefined: nothing). */
  set(name: string, version: string | undefined): void {
    if (this.fromBase(name) === version) this.overrides.delete(name);
    else this.overrides.set(name, version ?? null);
  }

  /** The client holds exactly `view` within `coverage`, and nothing else. */
  reset(view: TypeView, coverage: Coverage): void {
    this.base = view;
    this.baseCoverage = coverage;
    this.overrides.clear();
  }

  /** The client holds nothing. */
  clear(): void {
    this.base = undefined;
    this.baseCoverage = undefined;
    this.overrides.clear();
  }

  /** Every name the client holds, once each. */
  *names(): Generator<string> {
    const base = this.base;
    const coverage = this.baseCoverage;
    const overridden = this.overrides;
    if (base !== undefined && coverage !== undefined) {
      const inBase = coverage.wildcard ? base.resources.keys() : coverage.names;
      for (const name of inBase) if (!overridden.has(name) && base.resources.has(name)) yield name;
    }
    for (const [name, version] of overridden) if (version !== null) yield name;
  }

  /** True when the client holds nothing at all (a new subscription). */
  isEmpty(): boolean {
    return this.base === undefined && this.overrides.size === 0;
  }

  /** Names stored apart from the shared base (what this client costs beyond a pointer). */
  overrideCount(): number {
    return this.overrides.size;
  }

  private fromBase(name: string): string | undefined {
    const coverage = this.baseCoverage;
    if (coverage === undefined || !covers(coverage, name)) return undefined;
    return this.base?.resources.get(name)?.version;
  }
}
