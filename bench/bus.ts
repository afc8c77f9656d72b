// `npm run bench -- bus [nats|redis|memory …] [--no-key] [--services N]`: what a change costs on each bus at
// 10,000 services (bytes and time for one endpoint change and for a 1,000-object change), how long a cold
// subscriber takes to hold the snapshot, and publish-to-delivery latency at three subscribers (p50/p99).
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import {
  createLogBus,
  createLogger,
  createMemoryStore,
  createNatsStore,
  createRedisStore,
  createSnapshot,
  encodeResource,
  TypeUrl,
  type BusStore,
  type LogBus,
  type Resource,
  type Snapshot,
} from '@sesame/shared';
import { startNatsServer } from '../test/servers/nats-server.js';
import { startRedisServer } from '../test/servers/redis-server.js';

const logger = createLogger({ level: 'silent' });

function snapshotOf(resources: Iterable<Resource>): Snapshot {
  const r = createSnapshot(resources);
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.value;
}

function endpoints(i: number, generation: number): Resource {
  const name = `ns-${i % 100}/svc-${i}/http`;
  const lbEndpoints = [0, 1, 2].map((k) => ({
    endpoint: {
      address: {
        socket_address: {
          address: `10.${(i >> 8) & 255}.${i & 255}.${k + 10 + generation}`,
          port_value: 8080,
        },
      },
    },
  }));
  return encodeResource({
    typeUrl: TypeUrl.ClusterLoadAssignment,
    name,
    message: { cluster_name: name, endpoints: [{ lb_endpoints: lbEndpoints }] },
  });
}

/** A realistic 10,000-service snapshot: clusters, endpoints, routes per 10 services, 100 TLS secrets. */
function buildResources(services: number): Map<string, Resource> {
  const out = new Map<string, Resource>();
  const add = (r: Resource): void => void out.set(`${r.typeUrl} ${r.name}`, r);
  for (let i = 0; i < services; i++) {
    const name = `ns-${i % 100}/svc-${i}/80/da39a3ee5e`;
    add(
      encodeResource({
        typeUrl: TypeUrl.Cluster,
        name,
        message: {
          name,
          type: 'EDS',
          connect_timeout: { seconds: 2 },
          eds_cluster_config: {
            eds_config: { ads: {}, resource_api_version: 'V3' },
            service_name: `ns-${i % 100}/svc-${i}/http`,
          },
        },
      }),
    );
    add(endpoints(i, 0));
  }
  for (let g = 0; g < services / 10; g++) {
    const virtual_hosts = Array.from({ length: 10 }, (_, k) => {
      const i = g * 10 + k;
      return {
        name: `svc-${i}.example.com`,
        domains: [`svc-${i}.example.com`],
        routes: [{ match: { prefix: '/' }, route: { cluster: `ns-${i % 100}/svc-${i}/80/da39a3ee5e` } }],
      };
    });
    add(
      encodeResource({
        typeUrl: TypeUrl.RouteConfiguration,
        name: `https/group-${g}`,
        message: { name: `https/group-${g}`, virtual_hosts },
      }),
    );
  }
  for (let s = 0; s < 100; s++) {
    const name = `ns-${s}/tls/0123456789`;
    add(
      encodeResource({
        typeUrl: TypeUrl.Secret,
        name,
        audience: 'envoy',
        message: {
          name,
          tls_certificate: {
            certificate_chain: { inline_bytes: randomBytes(1200).toString('base64') },
            private_key: { inline_bytes: randomBytes(1700).toString('base64') },
          },
        },
      }),
    );
  }
  return out;
}

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function written(registry: Registry): Promise<number> {
  const m = registry.getSingleMetric('sesame_bus_written_bytes_total');
  return m === undefined ? 0 : ((await m.get()).values[0]?.value ?? 0);
}

/** Resolves when `bus` delivers `version`; returns the time it did. */
function deliveryOf(bus: LogBus): { at(version: string): Promise<number>; close(): void } {
  const seen = new Map<string, number>();
  const waiting = new Map<string, (t: number) => void>();
  const sub = bus.subscribe((u) => {
    const t = performance.now();
    seen.set(u.snapshot.version, t);
    waiting.get(u.snapshot.version)?.(t);
  });
  return {
    at: (version) => {
      const t = seen.get(version);
      return t !== undefined ? Promise.resolve(t) : new Promise((resolve) => waiting.set(version, resolve));
    },
    close: () => sub.close(),
  };
}

interface Figures {
  backend: string;
  sealed: boolean;
  resources: number;
  fullStateBytes: number;
  oneEndpointChange: { bytes: number; ms: number };
  thousandObjectChange: { bytes: number; ms: number };
  coldStartMs: number;
  propagationMs: { p50: number; p99: number; samples: number };
}

async function benchBackend(
  backend: string,
  connect: () => BusStore,
  services: number,
  key: Uint8Array | undefined,
): Promise<Figures> {
  const registry = new Registry();
  const open = (r?: Registry): LogBus =>
    createLogBus({
      store: connect(),
      logger,
      ...(key === undefined ? {} : { key }),
      ...(r === undefined ? {} : { registry: r }),
    });
  const resources = buildResources(services);
  const writer = open(registry);
  const base = snapshotOf(resources.values());
  await writer.publish(base);
  const fullStateBytes = await written(registry);

  const change = async (
    edit: (m: Map<string, Resource>) => void,
  ): Promise<{ bytes: number; ms: number; version: string }> => {
    edit(resources);
    const next = snapshotOf(resources.values());
    const before = await written(registry);
    const t0 = performance.now();
    await writer.publish(next);
    return { bytes: (await written(registry)) - before, ms: performance.now() - t0, version: next.version };
  };
  let generation = 1;
  const bumpEndpoint = (i: number) => (m: Map<string, Resource>) => {
    const r = endpoints(i, generation++);
    m.set(`${r.typeUrl} ${r.name}`, r);
  };
  const one = await change(bumpEndpoint(7));
  const thousand = await change((m) => {
    for (let i = 0; i < 1000; i++) bumpEndpoint((i * 7) % services)(m);
  });

  const coldT0 = performance.now();
  const cold = open();
  const coldDelivery = deliveryOf(cold);
  await coldDelivery.at(thousand.version);
  const coldStartMs = performance.now() - coldT0;
  coldDelivery.close();
  await cold.close();

  const readers = [open(), open(), open()].map((bus) => ({ bus, d: deliveryOf(bus) }));
  await Promise.all(readers.map((r) => r.d.at(thousand.version)));
  const samples: number[] = [];
  for (let n = 0; n < 100; n++) {
    const t0 = performance.now();
    const { version } = await change(bumpEndpoint((n * 13) % services));
    const times = await Promise.all(readers.map((r) => r.d.at(version)));
    for (const t of times) samples.push(t - t0);
  }
  samples.sort((a, b) => a - b);
  for (const r of readers) {
    r.d.close();
    await r.bus.close();
  }
  await writer.close();
  return {
    backend,
    sealed: key !== undefined,
    resources: base.size,
    fullStateBytes,
    oneEndpointChange: { bytes: one.bytes, ms: one.ms },
    thousandObjectChange: { bytes: thousand.bytes, ms: thousand.ms },
    coldStartMs,
    propagationMs: { p50: percentile(samples, 50), p99: percentile(samples, 99), samples: samples.length },
  };
}

/** Runs the bus benchmark; prints a table and writes bench/results/bus.json. */
export async function main(args: string[]): Promise<void> {
  const sealed = !args.includes('--no-key');
  const servicesArg = args.indexOf('--services');
  const services = servicesArg === -1 ? 10_000 : Number(args[servicesArg + 1]);
  const named = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--services');
  const backends = named.length > 0 ? named : ['memory', 'nats', 'redis'];
  const key = sealed ? randomBytes(32) : undefined;
  const results: Figures[] = [];
  for (const backend of backends) {
    if (backend === 'memory') {
      const store = createMemoryStore();
      results.push(await benchBackend(backend, () => store.connect(), services, key));
    } else if (backend === 'nats') {
      const server = await startNatsServer();
      try {
        const bucket = `bench${randomBytes(3).toString('hex')}`;
        results.push(
          await benchBackend(
            backend,
            () => createNatsStore({ servers: [`127.0.0.1:${server.port}`], bucket, logger }),
            services,
            key,
          ),
        );
      } finally {
        await server.stop();
      }
    } else if (backend === 'redis') {
      const server = await startRedisServer();
      try {
        results.push(
          await benchBackend(
            backend,
            () => createRedisStore({ url: server.url, prefix: 'bench:', logger }),
            services,
            key,
          ),
        );
      } finally {
        await server.stop();
      }
    } else {
      throw new Error(`unknown backend ${backend} (memory, nats, redis)`);
    }
    const r = results.at(-1) as Figures;
    console.log(
      `${r.backend.padEnd(7)} ${r.resources} resources, full state ${(r.fullStateBytes / 1024).toFixed(0)} KiB${r.sealed ? ' (sealed)' : ''}\n` +
        `  one endpoint change:   ${r.oneEndpointChange.bytes} B, ${r.oneEndpointChange.ms.toFixed(1)} ms\n` +
        `  1,000-object change:   ${(r.thousandObjectChange.bytes / 1024).toFixed(1)} KiB, ${r.thousandObjectChange.ms.toFixed(1)} ms\n` +
        `  cold subscriber ready: ${r.coldStartMs.toFixed(0)} ms\n` +
        `  publish → 3 subscribers: p50 ${r.propagationMs.p50.toFixed(1)} ms, p99 ${r.propagationMs.p99.toFixed(1)} ms (${r.propagationMs.samples} samples)`,
    );
  }
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    `${dir}bus.json`,
    `${JSON.stringify({ date: new Date().toISOString(), services, results }, null, 2)}\n`,
  );
}
