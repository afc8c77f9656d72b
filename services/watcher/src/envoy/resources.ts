import { decodeMessage, TypeUrl, type Resource } from '@sesame/shared';

/**
 * Every dangling reference in a complete set of resources, as `<type> <name> → <missing>`, checked per
 * audience: Envoy's view (audiences `all` and `envoy`) and the gRPC view (`all` and `grpc`) must each be
 * self-contained. Decodes everything, so it is for tests and audits; the translator keeps references
 * consistent by construction and checks each host's as it publishes it.
 */
export function danglingReferences(resources: readonly Resource[]): string[] {
  const problems: string[] = [];
  for (const view of ['envoy', 'grpc'] as const) {
    const visible = resources.filter((r) => r.audience === 'all' || r.audience === view);
    const names = (typeUrl: TypeUrl): Set<string> =>
      new Set(visible.filter((r) => r.typeUrl === typeUrl).map((r) => r.name));
    const routeConfigs = names(TypeUrl.RouteConfiguration);
    const clusters = names(TypeUrl.Cluster);
    const assignments = names(TypeUrl.ClusterLoadAssignment);
    const secrets = names(TypeUrl.Secret);
    const need = (have: Set<string>, from: string, name: unknown): void => {
      if (typeof name !== 'string' || !have.has(name)) problems.push(`${from} → ${String(name)} (${view})`);
    };
    for (const r of visible) {
      const message = decodeMessage(r.typeUrl, r.body);
      const from = `${r.typeUrl.split('.').pop() ?? ''} ${r.name}`;
      for (const found of collect(message, 'route_config_name')) need(routeConfigs, from, found);
      if (r.typeUrl === TypeUrl.Listener) {
        for (const key of ['tls_certificate_sds_secret_configs', 'validation_context_sds_secret_config']) {
          for (const config of collect(message, key)) {
            for (const entry of [config].flat() as { name?: string }[]) need(secrets, from, entry.name);
          }
        }
      }
      if (r.typeUrl === TypeUrl.Listener || r.typeUrl === TypeUrl.RouteConfiguration) {
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
