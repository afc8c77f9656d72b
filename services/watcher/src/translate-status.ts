import type { ConditionParts, SubCondition } from './model/conditions.js';
import type { UnitResult } from './model/httpproxy.js';
import type { OutputProblem } from './envoy/host-render.js';
import type { ObjectStore } from './translate-store.js';
import { compareStrings } from './util/order.js';

/** The `Valid` condition of an HTTPProxy (Contour's DetailedCondition). */
export interface ValidCondition {
  readonly type: 'Valid';
  readonly status: 'True' | 'False';
  readonly reason: string;
  readonly message: string;
  readonly errors: readonly SubCondition[];
  readonly warnings: readonly SubCondition[];
}

/** The status of an HTTPProxy, as Contour writes it (minus loadBalancer, which the status writer adds). */
export interface ProxyStatus {
  readonly currentStatus: 'valid' | 'invalid' | 'orphaned';
  readonly description: string;
  readonly conditions: readonly [ValidCondition];
}

/** Whether Sesame serves an Ingress, and what it had to leave out of it. */
export interface IngressStatus {
  /** True when the Ingress is of the served class (what it could not use is in `errors`). */
  readonly accepted: boolean;
  readonly description: string;
  readonly errors: readonly SubCondition[];
  readonly warnings: readonly SubCondition[];
}

/** Statuses computed by the translation, keyed `namespace/name` per kind. */
export interface Statuses {
  readonly httpProxies: ReadonlyMap<string, ProxyStatus>;
  readonly ingresses: ReadonlyMap<string, IngressStatus>;
}

const ORPHANED = 'this HTTPProxy is not part of a delegation chain from a root HTTPProxy';
const ERROR_PRESENT = 'At least one error present, see Errors for details';

/** Contour's status of an HTTPProxy from its errors and warnings. */
export function proxyStatus(errors: readonly SubCondition[], warnings: readonly SubCondition[]): ProxyStatus {
  if (errors.length === 0) {
    return {
      currentStatus: 'valid',
      description: 'Valid HTTPProxy',
      conditions: [
        { type: 'Valid', status: 'True', reason: 'Valid', message: 'Valid HTTPProxy', errors: [], warnings },
      ],
    };
  }
  const orphaned = errors.find((e) => e.type === 'Orphaned');
  return {
    currentStatus: orphaned === undefined ? 'invalid' : 'orphaned',
    description: orphaned === undefined ? ERROR_PRESENT : orphaned.message,
    conditions: [
      { type: 'Valid', status: 'False', reason: 'ErrorPresent', message: ERROR_PRESENT, errors, warnings },
    ],
  };
}

/**
 * Statuses kept between changes. A status is assembled from the conditions every unit recorded on the
 * object (in unit order) and the problems its Envoy output had (in host order), and is recomputed only when
 * one of those, or the object, changed.
 */
export class StatusState {
  readonly httpProxies = new Map<string, ProxyStatus>();
  readonly ingresses = new Map<string, IngressStatus>();
  private readonly parts = new Map<string, Map<string, ConditionParts>>();

  /** Replaces the conditions unit `unit` recorded; the objects they concern go into `dirty`. */
  setUnit(
    unit: string,
    before: UnitResult | undefined,
    after: UnitResult | undefined,
    dirty: Set<string>,
  ): void {
    for (const key of before?.conditions.keys() ?? []) {
      const byUnit = this.parts.get(key);
      byUnit?.delete(unit);
      if (byUnit?.size === 0) this.parts.delete(key);
      dirty.add(key);
    }
    for (const [key, { parts }] of after?.conditions ?? []) {
      let byUnit = this.parts.get(key);
      if (byUnit === undefined) {
        byUnit = new Map();
        this.parts.set(key, byUnit);
      }
      byUnit.set(unit, parts);
      dirty.add(key);
    }
  }

  /** Recomputes the status of object `key` (`Kind ns/name`). */
  recompute(
    key: string,
    store: ObjectStore,
    problems: ReadonlyMap<string, ReadonlyMap<string, readonly OutputProblem[]>>,
  ): void {
    const space = key.indexOf(' ');
    const kind = key.slice(0, space);
    const name = key.slice(space + 1);
    const byUnit = this.parts.get(key);
    const errors: SubCondition[] = [];
    const warnings: SubCondition[] = [];
    for (const unit of [...(byUnit?.keys() ?? [])].sort(compareStrings)) {
      const parts = byUnit?.get(unit);
      errors.push(...(parts?.errors ?? []));
      warnings.push(...(parts?.warnings ?? []));
    }
    const byFqdn = problems.get(key);
    for (const fqdn of [...(byFqdn?.keys() ?? [])].sort(compareStrings)) {
      for (const p of byFqdn?.get(fqdn) ?? [])
        errors.push({ type: p.type, status: 'True', reason: p.reason, message: p.message });
    }
    if (kind === 'HTTPProxy') {
      const proxy = store.proxies.get(name);
      if (proxy === undefined || !store.visible(proxy)) {
        this.httpProxies.delete(name);
        return;
      }
      if (byUnit === undefined && proxy.virtualhost === undefined) {
        errors.push({ type: 'Orphaned', status: 'True', reason: 'Orphaned', message: ORPHANED });
      }
      this.httpProxies.set(name, proxyStatus(errors, warnings));
      return;
    }
    const ingress = store.ingresses.get(name);
    if (ingress === undefined) {
      this.ingresses.delete(name);
      return;
    }
    if (!store.visible(ingress)) {
      this.ingresses.set(name, {
        accepted: false,
        description: 'not of the ingress class Sesame serves',
        errors: [],
        warnings: [],
      });
      return;
    }
    const description =
      errors.length === 0
        ? 'Valid Ingress'
        : `served without what could not be used: ${errors.length} error${errors.length === 1 ? '' : 's'}, see errors`;
    this.ingresses.set(name, { accepted: true, description, errors, warnings });
  }
}
