import { matchesIngressClass, objectIngressClass } from '../kube/ingress-class.js';
import type { KubeCache } from '../kube/kube-cache.js';
import { createCacheWorld } from './build-context.js';
import { originKey, type ConditionParts } from './conditions.js';
import { processRootProxy } from './httpproxy.js';
import { processIngress } from './ingress.js';
import type { AssembledHost, Contribution } from './model.js';
import { assembleHost } from './vhost-assembly.js';
import type { ModelOptions, OutputCheck } from './world.js';
import { compareStrings } from '../util/order.js';

/** The whole model at once: every served host, and the conditions each unit recorded per object. */
export interface BuiltModel {
  /** Sorted by fqdn. */
  readonly hosts: readonly AssembledHost[];
  /** By `Kind namespace/name`, then by unit. */
  readonly conditions: ReadonlyMap<string, ReadonlyMap<string, ConditionParts>>;
}

/**
 * Builds the routing model from checked objects in one go (Contour's DAG build): Ingresses, then root
 * HTTPProxies, then each host assembled from what names it. The translator builds the same model one
 * unit at a time; this form is for inspecting the model as a whole.
 */
export function buildModel(cache: KubeCache, options: ModelOptions, check: OutputCheck): BuiltModel {
  const world = createCacheWorld(cache, options, check);
  const byFqdn = new Map<string, Contribution[]>();
  const conditions = new Map<string, Map<string, ConditionParts>>();
  const served = <T extends { meta: { annotations: Readonly<Record<string, string>> }; className: string }>(
    o: T,
  ): boolean =>
    matchesIngressClass(
      objectIngressClass(o.meta as Parameters<typeof objectIngressClass>[0], o.className),
      options.ingressClass,
    );
  const results = [
    ...cache.ingresses
      .filter(served)
      .map((i) => ({ unit: `Ingress ${i.meta.namespace}/${i.meta.name}`, result: processIngress(world, i) })),
    ...cache.httpProxies
      .filter((p) => p.virtualhost !== undefined && served(p))
      .map((p) => ({
        unit: `HTTPProxy ${p.meta.namespace}/${p.meta.name}`,
        result: processRootProxy(world, p),
      })),
  ];
  for (const { unit, result } of results) {
    for (const c of result.contributions) byFqdn.set(c.fqdn, [...(byFqdn.get(c.fqdn) ?? []), c]);
    for (const { origin, parts } of result.conditions.values()) {
      const key = originKey(origin);
      let byUnit = conditions.get(key);
      if (byUnit === undefined) {
        byUnit = new Map();
        conditions.set(key, byUnit);
      }
      byUnit.set(unit, parts);
    }
  }
  const hosts = [...byFqdn.keys()]
    .sort(compareStrings)
    .flatMap((fqdn) => assembleHost(fqdn, byFqdn.get(fqdn) ?? []) ?? []);
  return { hosts, conditions };
}
