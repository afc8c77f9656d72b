import {
  createResource,
  encodeChecked,
  encodeSplicedItems,
  SplicedItems,
  TypeUrl,
  type Resource,
  type ResourceKey,
} from '@sesame/shared';
import { encodedCaSecret, encodedCluster, encodedTlsSecret } from './envoy/checked-outputs.js';
import { renderHost, type OutputProblem, type RenderedHost } from './envoy/host-render.js';
import { httpListener, httpsListenerShell } from './envoy/listener.js';
import {
  caSecretName,
  clusterName,
  edsServiceName,
  LISTENER_HTTP,
  LISTENER_HTTPS,
  ROUTE_CONFIG_HTTP,
  secretName,
} from './envoy/names.js';
import { routeConfigurationShell } from './envoy/route.js';
import { originKey } from './model/conditions.js';
import type { CaSecret, Cluster, Contribution, TlsSecret } from './model/model.js';
import { assembleHost } from './model/vhost-assembly.js';
import { EndpointRegistry, type SliceSource } from './translate-endpoints.js';
import { ResourceSet } from './translate-resources.js';
import { RefCounts } from './translate-refs.js';

/**
 * The Envoy side of the translation, kept between changes: one rendered host per fqdn, the clusters,
 * endpoints and secrets they reference (counted, so each exists exactly while something uses it), and the
 * two resources every host is part of (`ingress_http`, `ingress_https`), spliced from the hosts' encoded
 * pieces. Work happens only for what changed.
 */
export class OutputState {
  readonly resources = new ResourceSet();
  private readonly contributions = new Map<string, Map<string, Contribution>>();
  private readonly hosts = new Map<string, RenderedHost>();
  /** Each host's VirtualHost in `ingress_http` and FilterChain in `ingress_https`, by fqdn. */
  private readonly httpHosts = new SplicedItems(TypeUrl.RouteConfiguration, 'virtual_hosts');
  private readonly httpsChains = new SplicedItems(TypeUrl.Listener, 'filter_chains');
  private readonly clusters = new RefCounts<Cluster>();
  private readonly tlsSecrets = new RefCounts<TlsSecret>();
  private readonly caSecrets = new RefCounts<CaSecret>();
  private readonly endpoints: EndpointRegistry;
  /** Output problems by origin key, then fqdn. */
  readonly problems = new Map<string, Map<string, OutputProblem[]>>();
  private readonly dirtyHosts = new Set<string>();
  /** Hosts whose output referenced something unpublished: left out until they change again. */
  private readonly failed = new Set<string>();
  private httpDirty = true;
  private httpsDirty = true;

  constructor(slices: SliceSource) {
    this.endpoints = new EndpointRegistry(this.resources, slices);
    const listener = encodeChecked(TypeUrl.Listener, httpListener());
    if (!listener.ok) throw new Error(`the ingress_http listener is invalid: ${listener.errors.join('; ')}`);
    this.resources.set(
      createResource({
        typeUrl: TypeUrl.Listener,
        name: LISTENER_HTTP,
        body: listener.value,
        audience: 'envoy',
      }),
    );
  }

  /** Replaces a unit's contributions (either side may be empty), marking the hosts they name. */
  setContributions(unit: string, before: readonly Contribution[], after: readonly Contribution[]): void {
    for (const c of before) {
      const byUnit = this.contributions.get(c.fqdn);
      byUnit?.delete(unit);
      if (byUnit?.size === 0) this.contributions.delete(c.fqdn);
      this.dirtyHosts.add(c.fqdn);
    }
    for (const c of after) {
      let byUnit = this.contributions.get(c.fqdn);
      if (byUnit === undefined) {
        byUnit = new Map();
        this.contributions.set(c.fqdn, byUnit);
      }
      byUnit.set(unit, c);
      this.dirtyHosts.add(c.fqdn);
    }
  }

  /** Marks the endpoints of a Service (`ns/name`) for recomputation. */
  endpointsChanged(service: string): void {
    this.endpoints.serviceChanged(service);
  }

  /**
   * Brings every output up to date with the contributions and endpoints; records the objects whose output
   * problems changed in `statuses`.
   */
  flush(statuses: Set<string>): void {
    const rendered = [...this.dirtyHosts];
    for (const fqdn of rendered) this.failed.delete(fqdn);
    this.publish(rendered, statuses);
    // The integrity pass: by construction every reference resolves; should one not, its host goes.
    const dangling = rendered.filter((fqdn) => this.dangling(fqdn) !== undefined);
    if (dangling.length > 0) {
      for (const fqdn of dangling) this.failed.add(fqdn);
      this.publish(dangling, statuses);
    }
  }

  private publish(hosts: readonly string[], statuses: Set<string>): void {
    for (const fqdn of hosts) this.renderHost(fqdn, statuses);
    this.dirtyHosts.clear();
    for (const name of this.clusters.takeTouched()) this.publishCluster(name);
    this.endpoints.publish();
    for (const name of this.tlsSecrets.takeTouched())
      this.publishSecret(name, this.tlsSecrets, encodedTlsSecret);
    for (const name of this.caSecrets.takeTouched())
      this.publishSecret(name, this.caSecrets, encodedCaSecret);
    if (this.httpDirty) this.publishHttp();
    if (this.httpsDirty) this.publishHttps();
    this.httpDirty = false;
    this.httpsDirty = false;
  }

  /** Net resource changes since the last call. */
  takeChanges(): { upserts: Resource[]; removals: ResourceKey[] } {
    return this.resources.takeChanges();
  }

  private renderHost(fqdn: string, statuses: Set<string>): void {
    const old = this.hosts.get(fqdn);
    const contributions = this.contributions.get(fqdn);
    const assembled =
      contributions === undefined ? undefined : assembleHost(fqdn, [...contributions.values()]);
    let rendered = assembled === undefined ? undefined : renderHost(assembled);
    if (assembled !== undefined && rendered !== undefined && this.failed.has(fqdn)) {
      const message = `host ${fqdn} left out: ${this.dangling(fqdn) ?? 'its output references a resource that is not published'}`;
      rendered = {
        ...EMPTY_HOST,
        fqdn,
        problems: assembled.origins.map((origin) => ({
          origin,
          type: 'VirtualHostError',
          reason: 'InconsistentOutput',
          message,
        })),
      };
    }
    if (!sameBytes(old?.http, rendered?.http)) {
      this.httpDirty = true;
      this.httpHosts.set(fqdn, rendered?.http);
    }
    if (!sameBytes(old?.httpsChain, rendered?.httpsChain)) {
      this.httpsDirty = true;
      this.httpsChains.set(fqdn, rendered?.httpsChain);
    }
    if (old !== undefined && old.resources.length > 0) {
      const kept = new Set((rendered?.resources ?? []).map((r) => `${r.typeUrl} ${r.name}`));
      for (const r of old.resources)
        if (!kept.has(`${r.typeUrl} ${r.name}`)) this.resources.delete(r.typeUrl, r.name);
    }
    for (const r of rendered?.resources ?? []) this.resources.set(r);
    this.countRefs(old, -1);
    this.countRefs(rendered, 1);
    for (const p of old?.problems ?? []) this.setProblems(originKey(p.origin), fqdn, undefined, statuses);
    if (rendered !== undefined && rendered.problems.length > 0) {
      const byOrigin = new Map<string, OutputProblem[]>();
      for (const p of rendered.problems) {
        const key = originKey(p.origin);
        byOrigin.set(key, [...(byOrigin.get(key) ?? []), p]);
      }
      for (const [key, problems] of byOrigin) this.setProblems(key, fqdn, problems, statuses);
    }
    if (rendered === undefined) this.hosts.delete(fqdn);
    else this.hosts.set(fqdn, rendered);
  }

  private setProblems(
    origin: string,
    fqdn: string,
    problems: OutputProblem[] | undefined,
    statuses: Set<string>,
  ): void {
    let byFqdn = this.problems.get(origin);
    if (problems === undefined) {
      if (byFqdn?.delete(fqdn) !== true) return;
      if (byFqdn.size === 0) this.problems.delete(origin);
    } else {
      if (byFqdn === undefined) {
        byFqdn = new Map();
        this.problems.set(origin, byFqdn);
      }
      byFqdn.set(fqdn, problems);
    }
    statuses.add(origin);
  }

  private countRefs(host: RenderedHost | undefined, delta: 1 | -1): void {
    if (host === undefined) return;
    for (const c of host.envoyClusters) this.clusters.add(clusterName(c), c, 'envoy', delta);
    for (const c of host.grpcClusters) this.clusters.add(clusterName(c), c, 'grpc', delta);
    for (const s of host.tlsSecrets) this.tlsSecrets.add(secretName(s), s, 'envoy', delta);
    for (const s of host.caSecrets) this.caSecrets.add(caSecretName(s), s, 'envoy', delta);
  }

  /** The first reference of a host's output that does not resolve in the view that needs it. */
  private dangling(fqdn: string): string | undefined {
    const host = this.hosts.get(fqdn);
    if (host === undefined) return undefined;
    const need = (typeUrl: TypeUrl, name: string, view: 'envoy' | 'grpc'): string | undefined => {
      const found = this.resources.get(typeUrl, name);
      if (found !== undefined && (found.audience === 'all' || found.audience === view)) return undefined;
      return `${typeUrl.slice(typeUrl.lastIndexOf('.') + 1)} ${name} is not published for ${view}`;
    };
    const edsOf = (c: Cluster, view: 'envoy' | 'grpc'): string | undefined =>
      c.upstream.externalName === ''
        ? need(TypeUrl.ClusterLoadAssignment, edsServiceName(c.upstream), view)
        : undefined;
    for (const c of host.envoyClusters) {
      const problem = need(TypeUrl.Cluster, clusterName(c), 'envoy') ?? edsOf(c, 'envoy');
      if (problem !== undefined) return problem;
    }
    for (const c of host.grpcClusters) {
      const problem = need(TypeUrl.Cluster, clusterName(c), 'grpc') ?? edsOf(c, 'grpc');
      if (problem !== undefined) return problem;
    }
    for (const s of host.tlsSecrets) {
      const problem = need(TypeUrl.Secret, secretName(s), 'envoy');
      if (problem !== undefined) return problem;
    }
    for (const s of host.caSecrets) {
      const problem = need(TypeUrl.Secret, caSecretName(s), 'envoy');
      if (problem !== undefined) return problem;
    }
    return undefined;
  }

  private publishCluster(name: string): void {
    const chosen = this.clusters.representative(name, encodedCluster);
    if (chosen === undefined) {
      this.resources.delete(TypeUrl.Cluster, name);
      this.endpoints.link(name, undefined);
      return;
    }
    this.resources.set(
      createResource({ typeUrl: TypeUrl.Cluster, name, body: chosen.body, audience: chosen.audience }),
    );
    const upstream = chosen.value.upstream;
    this.endpoints.link(
      name,
      upstream.externalName === '' ? { upstream, audience: chosen.audience } : undefined,
    );
  }

  private publishSecret<T extends object>(
    name: string,
    refs: RefCounts<T>,
    encode: (t: T) => ReturnType<typeof encodedTlsSecret>,
  ): void {
    const chosen = refs.representative(name, encode);
    if (chosen === undefined) this.resources.delete(TypeUrl.Secret, name);
    else
      this.resources.set(
        createResource({ typeUrl: TypeUrl.Secret, name, body: chosen.body, audience: 'envoy' }),
      );
  }

  private publishHttp(): void {
    const body = encodeSplicedItems(routeConfigurationShell(ROUTE_CONFIG_HTTP), this.httpHosts);
    if (!body.ok) throw new Error(`ingress_http does not encode: ${body.errors.join('; ')}`);
    this.resources.set(
      createResource({
        typeUrl: TypeUrl.RouteConfiguration,
        name: ROUTE_CONFIG_HTTP,
        body: body.value,
        audience: 'envoy',
      }),
    );
  }

  private publishHttps(): void {
    if (this.httpsChains.size === 0) {
      this.resources.delete(TypeUrl.Listener, LISTENER_HTTPS);
      return;
    }
    const body = encodeSplicedItems(httpsListenerShell(), this.httpsChains);
    if (!body.ok) throw new Error(`ingress_https does not encode: ${body.errors.join('; ')}`);
    this.resources.set(
      createResource({
        typeUrl: TypeUrl.Listener,
        name: LISTENER_HTTPS,
        body: body.value,
        audience: 'envoy',
      }),
    );
  }
}

const EMPTY_HOST: RenderedHost = {
  fqdn: '',
  resources: [],
  envoyClusters: [],
  grpcClusters: [],
  tlsSecrets: [],
  caSecrets: [],
  problems: [],
};

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}
