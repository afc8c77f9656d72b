// Checks that a set of Envoy resources is self-consistent, as Envoy needs it to be: every route
// configuration, cluster, endpoint set and secret that something references exists.
import { decodeMessage, TypeUrl, type Resource } from '@sesame/shared';

/** Every dangling reference, as `<type> <name> → <missing>`; empty when the set is consistent. */
export function danglingReferences(resources: readonly Resource[]): string[] {
  const names = (typeUrl: TypeUrl): Set<string> =>
    new Set(resources.filter((r) => r.typeUrl === typeUrl).map((r) => r.name));
  const routeConfigs = names(TypeUrl.RouteConfiguration);
  const clusters = names(TypeUrl.Cluster);
  const assignments = names(TypeUrl.ClusterLoadAssignment);
  const secrets = names(TypeUrl.Secret);
  const problems: string[] = [];
  const need = (have: Set<string>, from: string, name: unknown): void => {
    if (typeof name !== 'string' || !have.has(name)) problems.push(`${from} → ${String(name)}`);
  };
  for (const r of resources) {
    const message = decodeMessage(r.typeUrl, r.body);
    const from = `${r.typeUrl.split('.').pop() ?? ''} ${r.name}`;
    for (const found of collect(message, 'route_config_name')) need(routeConfigs, from, found);
    if (r.typeUrl === TypeUrl.Listener) {
      for (const config of collect(message, 'tls_certificate_sds_secret_configs')) {
        for (const entry of config as { name?: string }[]) need(secrets, from, entry.name);
      }
    }
    if (r.typeUrl === TypeUrl.RouteConfiguration) {
      for (const found of collect(message, 'cluster')) need(clusters, from, found);
      for (const weighted of collect(message, 'weighted_clusters')) {
        for (const c of (weighted as { clusters?: { name?: string }[] }).clusters ?? [])
          need(clusters, from, c.name);
      }
    }
    if (r.typeUrl === TypeUrl.Cluster) {
      for (const found of collect(message, 'service_name')) need(assignments, from, found);
    }
  }
  return problems;
}

/** Every value under `key`, at any depth. */
function collect(value: unknown, key: string): unknown[] {
  const out: unknown[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === 'object' && v !== null) {
      for (const [k, child] of Object.entries(v)) {
        if (k === key) out.push(child);
        walk(child);
      }
    }
  };
  walk(value);
  return out;
}
