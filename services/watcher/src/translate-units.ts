import {
  nsName,
  type HTTPProxy,
  type Secret,
  type Service,
  type TLSCertificateDelegation,
} from './kube/kinds.js';
import { processRootProxy, type UnitResult } from './model/httpproxy.js';
import { processIngress } from './model/ingress.js';
import type { ModelOptions, OutputCheck, World } from './model/world.js';
import type { ObjectStore } from './translate-store.js';

/** A world over the store that records every key a unit reads (see `World`). */
class TrackingWorld implements World {
  readonly deps = new Set<string>();
  constructor(
    private readonly store: ObjectStore,
    readonly options: ModelOptions,
    readonly check: OutputCheck,
  ) {}

  service(namespace: string, name: string): Service | undefined {
    const key = nsName(namespace, name);
    this.deps.add(`service:${key}`);
    return this.store.services.get(key);
  }

  secret(namespace: string, name: string): Secret | undefined {
    const key = nsName(namespace, name);
    this.deps.add(`secret:${key}`);
    return this.store.secrets.get(key);
  }

  proxy(namespace: string, name: string): HTTPProxy | undefined {
    const key = nsName(namespace, name);
    this.deps.add(`proxy:${key}`);
    const proxy = this.store.proxies.get(key);
    return proxy !== undefined && this.store.visible(proxy) ? proxy : undefined;
  }

  delegations(namespace: string): readonly TLSCertificateDelegation[] {
    this.deps.add(`delegations:${namespace}`);
    return this.store.delegations(namespace);
  }

  fqdnClaimants(fqdn: string): readonly string[] {
    this.deps.add(`fqdn:${fqdn}`);
    return this.store.claimants(fqdn);
  }
}

/** A unit's result and what it read. */
export interface UnitState {
  readonly result: UnitResult;
  readonly deps: ReadonlySet<string>;
}

/**
 * The units of the model (one per served Ingress, one per served root HTTPProxy), each rebuilt only when
 * its own object or something it read changed: Contour rebuilds its whole DAG on every change, which is
 * what made it slow at ten thousand proxies.
 */
export class UnitRegistry {
  readonly units = new Map<string, UnitState>();
  /** Units by what they read: one unit as a plain key (most keys have one reader, and a Set costs ~200 B). */
  private readonly byDep = new Map<string, string | Set<string>>();

  constructor(
    private readonly store: ObjectStore,
    private readonly options: ModelOptions,
    private readonly check: OutputCheck,
  ) {}

  /** Units that read one of `deps`. */
  dependents(deps: Iterable<string>, into: Set<string>): void {
    for (const dep of deps) {
      const units = this.byDep.get(dep);
      if (typeof units === 'string') into.add(units);
      else if (units !== undefined) for (const unit of units) into.add(unit);
    }
  }

  /**
   * Rebuilds (or drops, when its object is gone, of another class, or not a root) the unit `key`
   * (`Ingress ns/name` or `HTTPProxy ns/name`). Returns the previous and the new result.
   */
  rebuild(key: string): { before?: UnitResult; after?: UnitResult } {
    const previous = this.units.get(key);
    if (previous !== undefined) this.forget(key, previous);
    const space = key.indexOf(' ');
    const kind = key.slice(0, space);
    const name = key.slice(space + 1);
    const world = new TrackingWorld(this.store, this.options, this.check);
    let result: UnitResult | undefined;
    if (kind === 'Ingress') {
      const ingress = this.store.ingresses.get(name);
      if (ingress !== undefined && this.store.visible(ingress)) result = processIngress(world, ingress);
    } else {
      const proxy = this.store.proxies.get(name);
      if (proxy !== undefined && proxy.virtualhost !== undefined && this.store.visible(proxy)) {
        result = processRootProxy(world, proxy);
      }
    }
    if (result !== undefined) {
      this.units.set(key, { result, deps: world.deps });
      for (const dep of world.deps) {
        const units = this.byDep.get(dep);
        if (units === undefined) this.byDep.set(dep, key);
        else if (typeof units !== 'string') units.add(key);
        else if (units !== key) this.byDep.set(dep, new Set([units, key]));
      }
    }
    // Built by assignment rather than conditional spreads: this runs for every unit.
    const change: { before?: UnitResult; after?: UnitResult } = {};
    if (previous !== undefined) change.before = previous.result;
    if (result !== undefined) change.after = result;
    return change;
  }

  private forget(key: string, state: UnitState): void {
    this.units.delete(key);
    for (const dep of state.deps) {
      const units = this.byDep.get(dep);
      if (units === key) this.byDep.delete(dep);
      else if (typeof units !== 'string' && units?.delete(key) === true && units.size === 0)
        this.byDep.delete(dep);
    }
  }
}
