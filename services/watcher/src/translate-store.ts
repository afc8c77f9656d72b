import { matchesIngressClass, objectIngressClass } from './kube/ingress-class.js';
import type { DecodedObject } from './kube/kube-cache.js';
import {
  nsName,
  type EndpointSlice,
  type HTTPProxy,
  type Ingress,
  type KnownObject,
  type Secret,
  type Service,
  type TLSCertificateDelegation,
} from './kube/kinds.js';
import type { Diagnostic } from './kube/object.js';
import { claimedFqdn } from './model/httpproxy.js';
import type { ModelOptions } from './model/world.js';
import { compareStrings } from './util/order.js';

/** Identifies an object: its kind, namespace and name. */
export interface ObjectKey {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/** `Kind namespace/name`. */
export function objectKeyString(key: ObjectKey): string {
  return `${key.kind} ${key.namespace}/${key.name}`;
}

/** What a change to the store may have invalidated; filled by the store, read by the translator. */
export interface Invalidation {
  /** Dependency keys (see `World`): `service:ns/name`, `secret:…`, `proxy:…`, `delegations:ns`, `fqdn:…`. */
  readonly deps: Set<string>;
  /** Units (`Ingress ns/name`, `HTTPProxy ns/name`) whose own object changed. */
  readonly units: Set<string>;
  /** Services (`ns/name`) whose endpoints must be recomputed. */
  readonly endpoints: Set<string>;
  /** Objects whose status must be recomputed (`Kind ns/name`). */
  readonly statuses: Set<string>;
}

/** A fresh, empty invalidation. */
export function createInvalidation(): Invalidation {
  return { deps: new Set(), units: new Set(), endpoints: new Set(), statuses: new Set() };
}

interface Stored {
  readonly object: KnownObject;
  readonly manifest: Readonly<Record<string, unknown>>;
  /** The manifest as JSON, to tell a real change from a resync; computed when first needed. */
  content?: string;
}

/**
 * The checked objects the translation reads, indexed for its lookups, with decoding failures kept per
 * object. Every change records what it may have invalidated. Objects of another ingress class are kept
 * (a class change makes them visible) but hidden from the model.
 */
export class ObjectStore {
  readonly services = new Map<string, Service>();
  readonly secrets = new Map<string, Secret>();
  readonly ingresses = new Map<string, Ingress>();
  readonly proxies = new Map<string, HTTPProxy>();
  /** EndpointSlices by their Service (`ns/name`), then by slice name. */
  readonly slices = new Map<string, Map<string, EndpointSlice>>();
  /** TLSCertificateDelegations by namespace, sorted by name. */
  private readonly delegationsByNs = new Map<string, TLSCertificateDelegation[]>();
  /** Visible root HTTPProxies (`ns/name`) by the fqdn they claim. */
  private readonly claims = new Map<string, Set<string>>();
  /** Decoding problems, by object key. */
  readonly failures = new Map<string, Diagnostic>();
  private readonly stored = new Map<string, Stored>();

  constructor(private readonly options: ModelOptions) {}

  /** Whether an Ingress or HTTPProxy is of the served class. */
  visible(object: Ingress | HTTPProxy): boolean {
    return matchesIngressClass(objectIngressClass(object.meta, object.className), this.options.ingressClass);
  }

  /** The stored object under `key`, if any. */
  get(key: string): KnownObject | undefined {
    return this.stored.get(key)?.object;
  }

  /** Keys of every stored object and failure. */
  keys(): IterableIterator<string> {
    return new Set([...this.stored.keys(), ...this.failures.keys()]).values();
  }

  /** Whether `manifest` is what is stored under `key` already. */
  unchanged(key: string, manifest: Readonly<Record<string, unknown>>): boolean {
    const stored = this.stored.get(key);
    if (stored === undefined) return false;
    if (stored.manifest === manifest) return true;
    stored.content ??= JSON.stringify(stored.manifest);
    return stored.content === JSON.stringify(manifest);
  }

  /** Sorted delegations of a namespace. */
  delegations(namespace: string): readonly TLSCertificateDelegation[] {
    return this.delegationsByNs.get(namespace) ?? [];
  }

  /** Sorted claimants of an fqdn. */
  claimants(fqdn: string): string[] {
    return [...(this.claims.get(fqdn) ?? [])].sort(compareStrings);
  }

  /** Stores (or replaces) a decoded object. */
  put(decoded: DecodedObject, inv: Invalidation): void {
    const { object } = decoded;
    const key = objectKeyString({
      kind: object.kind,
      namespace: object.meta.namespace,
      name: object.meta.name,
    });
    this.remove(key, inv);
    this.stored.set(key, { object, manifest: decoded.source.manifest });
    this.index(object, true, inv);
  }

  /** Records that the object under `key` does not decode (it leaves the model). */
  fail(key: string, diagnostic: Diagnostic, inv: Invalidation): void {
    this.remove(key, inv);
    this.failures.set(key, diagnostic);
  }

  /** Forgets the object (or failure) under `key`. */
  remove(key: string, inv: Invalidation): void {
    this.failures.delete(key);
    const old = this.stored.get(key);
    if (old === undefined) return;
    this.stored.delete(key);
    this.index(old.object, false, inv);
  }

  private index(object: KnownObject, add: boolean, inv: Invalidation): void {
    const key = nsName(object.meta.namespace, object.meta.name);
    switch (object.kind) {
      case 'Service':
        setOrDelete(this.services, key, object, add);
        inv.deps.add(`service:${key}`);
        inv.endpoints.add(key);
        return;
      case 'Secret':
        setOrDelete(this.secrets, key, object, add);
        inv.deps.add(`secret:${key}`);
        return;
      case 'EndpointSlice': {
        const service = nsName(object.meta.namespace, object.serviceName);
        let slices = this.slices.get(service);
        if (slices === undefined) {
          slices = new Map();
          this.slices.set(service, slices);
        }
        setOrDelete(slices, object.meta.name, object, add);
        if (slices.size === 0) this.slices.delete(service);
        inv.endpoints.add(service);
        return;
      }
      case 'TLSCertificateDelegation': {
        const list = (this.delegationsByNs.get(object.meta.namespace) ?? []).filter(
          (d) => d.meta.name !== object.meta.name,
        );
        if (add) list.push(object);
        list.sort((a, b) => compareStrings(a.meta.name, b.meta.name));
        if (list.length === 0) this.delegationsByNs.delete(object.meta.namespace);
        else this.delegationsByNs.set(object.meta.namespace, list);
        inv.deps.add(`delegations:${object.meta.namespace}`);
        return;
      }
      case 'Ingress': {
        setOrDelete(this.ingresses, key, object, add);
        const unit = `Ingress ${key}`;
        inv.units.add(unit);
        inv.statuses.add(unit);
        return;
      }
      case 'HTTPProxy': {
        setOrDelete(this.proxies, key, object, add);
        inv.deps.add(`proxy:${key}`);
        const unit = `HTTPProxy ${key}`;
        inv.units.add(unit);
        inv.statuses.add(unit);
        const fqdn = claimedFqdn(object);
        if (fqdn !== undefined && this.visible(object)) {
          let claimants = this.claims.get(fqdn);
          if (claimants === undefined) {
            claimants = new Set();
            this.claims.set(fqdn, claimants);
          }
          if (add) claimants.add(key);
          else claimants.delete(key);
          if (claimants.size === 0) this.claims.delete(fqdn);
          inv.deps.add(`fqdn:${fqdn}`);
        }
        return;
      }
    }
  }
}

function setOrDelete<V>(map: Map<string, V>, key: string, value: V, add: boolean): void {
  if (add) map.set(key, value);
  else map.delete(key);
}
