import {
  nsName,
  type HTTPProxy,
  type Secret,
  type Service,
  type TLSCertificateDelegation,
} from '../kube/kinds.js';
import type { KubeCache } from '../kube/kube-cache.js';
import { matchesIngressClass, objectIngressClass } from '../kube/ingress-class.js';
import { compareStrings } from '../util/order.js';
import { claimedFqdn } from './httpproxy.js';
import type { ModelOptions, OutputCheck, World } from './world.js';

/**
 * A world over a fixed set of checked objects, for building the whole model at once (`buildModel`). The
 * incremental translator uses its own world, which also records what each unit reads.
 */
export function createCacheWorld(cache: KubeCache, options: ModelOptions, check: OutputCheck): World {
  const visible = (p: HTTPProxy): boolean =>
    matchesIngressClass(objectIngressClass(p.meta, p.className), options.ingressClass);
  const proxies = new Map(
    cache.httpProxies.filter(visible).map((p) => [nsName(p.meta.namespace, p.meta.name), p]),
  );
  const claims = new Map<string, string[]>();
  for (const [key, proxy] of proxies) {
    const fqdn = claimedFqdn(proxy);
    if (fqdn !== undefined) claims.set(fqdn, [...(claims.get(fqdn) ?? []), key].sort(compareStrings));
  }
  const delegations = new Map<string, TLSCertificateDelegation[]>();
  for (const d of cache.delegations)
    delegations.set(d.meta.namespace, [...(delegations.get(d.meta.namespace) ?? []), d]);
  return {
    options,
    check,
    service: (namespace, name): Service | undefined => cache.services.get(nsName(namespace, name)),
    secret: (namespace, name): Secret | undefined => cache.secrets.get(nsName(namespace, name)),
    proxy: (namespace, name) => proxies.get(nsName(namespace, name)),
    delegations: (namespace) => delegations.get(namespace) ?? [],
    fqdnClaimants: (fqdn) => claims.get(fqdn) ?? [],
  };
}
