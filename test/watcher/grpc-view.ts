// Runs grpc-js-xds's own resource validation (the checks behind its NACKs) over the gRPC view of a set of
// resources, so tests prove the view never makes a proxyless client reject an update.
import { createRequire } from 'node:module';
import { TypeUrl, type Resource } from '@sesame/shared';

const require = createRequire(import.meta.url);
const base = '@grpc/grpc-js-xds/build/src/xds-resource-type';
// What a real client does first: registers the xds resolver, LB policies and HTTP filters (the router).
(require('@grpc/grpc-js-xds') as { register(): void }).register();

interface ResourceType {
  decode(context: unknown, resource: { type_url: string; value: Buffer }): { name: string; error?: string };
}
const load = (file: string, name: string): ResourceType =>
  (require(`${base}/${file}`) as Record<string, { get(): ResourceType }>)[name]!.get();

const TYPES: ReadonlyMap<TypeUrl, ResourceType> = new Map([
  [TypeUrl.Listener, load('listener-resource-type.js', 'ListenerResourceType')],
  [TypeUrl.RouteConfiguration, load('route-config-resource-type.js', 'RouteConfigurationResourceType')],
  [TypeUrl.Cluster, load('cluster-resource-type.js', 'ClusterResourceType')],
  [TypeUrl.ClusterLoadAssignment, load('endpoint-resource-type.js', 'EndpointResourceType')],
]);

const CONTEXT = {
  bootstrap: { certificateProviders: {}, servers: [], node: {}, authorities: {} },
  server: {},
};

/** The resources a proxyless gRPC client may receive (never Envoy-only ones, never a Secret). */
export function grpcView(resources: readonly Resource[]): Resource[] {
  return resources.filter(
    (r) => (r.audience === 'all' || r.audience === 'grpc') && r.typeUrl !== TypeUrl.Secret,
  );
}

/** What grpc-js-xds would reject in the gRPC view, as `<type> <name>: <error>`; empty when it accepts all. */
export function grpcRejections(resources: readonly Resource[]): string[] {
  const problems: string[] = [];
  for (const r of grpcView(resources)) {
    const type = TYPES.get(r.typeUrl);
    if (type === undefined) continue;
    const decoded = type.decode(CONTEXT, { type_url: r.typeUrl, value: Buffer.from(r.body) });
    if (decoded.error !== undefined)
      problems.push(`${r.typeUrl.split('.').pop() ?? ''} ${r.name}: ${decoded.error}`);
  }
  return problems;
}
