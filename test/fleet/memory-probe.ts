// What a fleet costs: `node --import tsx test/fleet/memory-probe.ts [--envoys 300] [--proxies 10000]`. Starts
// an edge in this process with a configuration the size of `--proxies` HTTPProxies (a cluster and endpoints
// each, one big route configuration, a TLS listener with a chain and secret per five proxies), connects a fleet
// in a process of its own, then changes the route configuration once. Prints the fleet process's peak memory
// and CPU time for the initial download and for the change, with the load average: figures, no assertions.
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { encodeResource, TypeUrl, type Resource } from '@sesame/shared';
import { createTestPki } from '../tls/pki.js';
import { startEdgeHarness } from '../xds/edge-harness.js';
import { cluster, endpoints } from '../xds/resources.js';
import { startFleetProcess } from './fleet-handle.js';
import type { FleetMemory } from './fleet-memory.js';

const ADS = { ads: {}, resource_api_version: 'V3' };
const HCM =
  'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const TLS = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext';
const ROUTER = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';

const hcm = (prefix: string): Record<string, unknown> => ({
  name: 'envoy.filters.network.http_connection_manager',
  typed_config: {
    '@type': HCM,
    stat_prefix: prefix,
    rds: { config_source: ADS, route_config_name: 'ingress_http' },
    http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER } }],
  },
});

/** The configuration of `proxies` HTTPProxies; `generation` changes the route configuration only. */
function configuration(proxies: number, generation: number): Resource[] {
  const secrets = Math.ceil(proxies / 5);
  const out: Resource[] = [];
  const vhosts = [];
  for (let i = 0; i < proxies; i++) {
    out.push(cluster(`default/svc-${i}/80`, { serviceName: `default/svc-${i}` }));
    out.push(endpoints(`default/svc-${i}`, { ports: [8080, 8081] }));
    vhosts.push({
      name: `host-${i}.example.com`,
      domains: [`host-${i}.example.com`],
      routes: [
        { match: { prefix: `/g${i === 0 ? generation : 0}` }, route: { cluster: `default/svc-${i}/80` } },
        { match: { prefix: '/' }, route: { cluster: `default/svc-${i}/80`, timeout: { seconds: 15 } } },
      ],
    });
  }
  out.push(
    encodeResource({
      typeUrl: TypeUrl.RouteConfiguration,
      name: 'ingress_http',
      message: { name: 'ingress_http', virtual_hosts: vhosts },
    }),
  );
  const pem = (label: string, j: number): string =>
    `-----BEGIN ${label}-----\n${`${j}`.padEnd(1200, 'A')}\n-----END ${label}-----\n`;
  const chains = [];
  for (let j = 0; j < secrets; j++) {
    const name = `default/tls-${j}`;
    out.push(
      encodeResource({
        typeUrl: TypeUrl.Secret,
        name,
        message: {
          name,
          tls_certificate: {
            certificate_chain: { inline_string: pem('CERTIFICATE', j) },
            private_key: { inline_string: pem('PRIVATE KEY', j) },
          },
        },
      }),
    );
    chains.push({
      filter_chain_match: { server_names: [`host-${j}.example.com`] },
      transport_socket: {
        name: 'envoy.transport_sockets.tls',
        typed_config: {
          '@type': TLS,
          common_tls_context: { tls_certificate_sds_secret_configs: [{ name, sds_config: ADS }] },
        },
      },
      filters: [hcm('https')],
    });
  }
  const listener = (name: string, port: number, filterChains: unknown[]): Resource =>
    encodeResource({
      typeUrl: TypeUrl.Listener,
      name,
      message: {
        name,
        address: { socket_address: { address: '0.0.0.0', port_value: port } },
        filter_chains: filterChains,
      },
    });
  out.push(listener('ingress_http', 8080, [{ filters: [hcm('http')] }]));
  out.push(listener('ingress_https', 8443, chains));
  return out;
}

const MiB = 2 ** 20;
const mib = (n: number): string => (n / MiB).toFixed(0);

function report(phase: string, m: FleetMemory, envoys: number, base: FleetMemory): void {
  const load = loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
  console.log(
    `${phase}: peak rss ${mib(m.peakRss)} MiB (+${mib(m.peakRss - base.rss)}), ` +
      `peak arrayBuffers ${mib(m.peakArrayBuffers)} MiB, peak heapUsed ${mib(m.peakHeapUsed)} MiB; ` +
      `per Envoy ${((m.peakRss - base.rss) / envoys / 1024).toFixed(0)} KiB rss over the phase's start; ` +
      `cpu ${((m.cpuUserUs + m.cpuSystemUs) / 1e6).toFixed(1)} s; load average ${load}`,
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { envoys: { type: 'string', default: '300' }, proxies: { type: 'string', default: '10000' } },
  });
  const envoys = Number(values.envoys);
  const proxies = Number(values.proxies);
  const pki = await createTestPki();
  const edge = await startEdgeHarness({ pki });
  try {
    const first = configuration(proxies, 0);
    const bytes = first.reduce((sum, r) => sum + r.body.length, 0);
    console.log(`configuration: ${first.length} resources, ${mib(bytes)} MiB; ${envoys} Envoys`);
    await edge.publish(first);
    const fleet = await startFleetProcess({
      servers: [`127.0.0.1:${edge.edge.address.port}`],
      tlsDir: pki.client.dir,
      count: envoys,
    });
    try {
      const idle = await fleet.memory(true);
      const { ms } = await fleet.start();
      const connected = await fleet.summary();
      report(`initial download (${(ms / 1000).toFixed(1)} s)`, await fleet.memory(true), envoys, idle);
      console.log(`  initialized ${connected.initialized}/${envoys}, ${mib(connected.bytes)} MiB received`);
      const { done } = await fleet.arm(
        { typeUrl: TypeUrl.RouteConfiguration, name: 'ingress_http' },
        300_000,
      );
      const before = await fleet.memory(true);
      await edge.publish(configuration(proxies, 1));
      const change = await done;
      report('route configuration change', await fleet.memory(true), envoys, before);
      console.log(`  missing ${change.missing.length}, ${mib(change.bytes)} MiB received`);
    } finally {
      await fleet.close();
    }
  } finally {
    await edge.close();
    await pki.cleanup();
  }
}

await main();
