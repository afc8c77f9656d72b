import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { BlockList } from 'node:net';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { HTTP_PORT, HTTPS_PORT } from '@sesame/watcher';
import {
  defaultOf,
  dockerCompose,
  dryRun,
  loadCompose,
  mounts,
  type ComposeFile,
  type ComposeService,
  type DryRun,
} from './compose-file.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const COMPOSE = join(ROOT, 'compose.yaml');
const compose = loadCompose(COMPOSE);
const services = compose.services;

const SESAME = Object.entries(services).filter(([, s]) => s.image === 'sesame:dev');
/** Each Sesame service's command line as the CLI reads it, with the defaults of its ${VAR:-default}s. */
const parsed = new Map<string, DryRun>(
  SESAME.map(([name, s]) => [
    name,
    dryRun(
      s.command ?? [],
      Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, defaultOf(String(v))])),
    ),
  ]),
);
const cli = (name: string): DryRun => {
  const found = parsed.get(name);
  if (found === undefined) throw new Error(`no Sesame service ${name}`);
  return found;
};
const option = (name: string, key: string): string => String(cli(name).options[key]);
const portOf = (address: string): number => Number(address.split(':').at(-1));
const service = (name: string): ComposeService => {
  const found = services[name];
  if (found === undefined) throw new Error(`no service ${name}`);
  return found;
};
/** Whether `path` lies inside one of the service's mounts (read-write when `write`). */
const mounted = (s: ComposeService, path: string, write = false): boolean =>
  mounts(s).some((m) => (path === m.target || path.startsWith(`${m.target}/`)) && (!write || !m.readOnly));

describe('compose.yaml', () => {
  const binary = dockerCompose();
  it.skipIf(binary === undefined)(
    'is valid for docker-compose, and SESAME_BUS alone switches the bus of the watcher and the edges',
    async () => {
      const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SESAME_')));
      const config = async (extra: Record<string, string>): Promise<ComposeFile> => {
        const { stdout } = await run(binary!, ['-f', COMPOSE, 'config'], {
          cwd: ROOT,
          env: { ...env, ...extra },
        });
        return parse(stdout) as ComposeFile;
      };
      const nats = await config({});
      const redis = await config({ SESAME_BUS: 'redis://redis:6379' });
      for (const name of ['watcher', 'edge']) {
        expect(nats.services[name]?.environment?.['SESAME_BUS']).toBe('nats://nats:4222');
        expect(redis.services[name]?.environment?.['SESAME_BUS']).toBe('redis://redis:6379');
      }
      expect(Object.keys(nats.services).sort()).toEqual(Object.keys(services).sort());
    },
  );
  if (binary === undefined) {
    it('is checked by docker-compose where it is installed (.ci/run installs it)', () => {
      console.warn('docker-compose is not on PATH: compose.yaml was not validated by it');
    });
  }

  it('has the topology: NATS, Redis, certgen, watcher, three edges, Envoy, echo backends', () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining(['nats', 'redis', 'certgen', 'watcher', 'edge', 'envoy-bootstrap', 'envoy']),
    );
    expect(SESAME.map(([name]) => name).sort()).toEqual(['certgen', 'edge', 'envoy-bootstrap', 'watcher']);
    expect(service('edge').deploy?.replicas).toBe(3);
    // Replicas share nothing fixed: no host ports, no container names.
    expect(service('edge').ports).toBeUndefined();
    expect(service('nats').command).toEqual(expect.arrayContaining(['-js']));
  });

  it('builds the Sesame services from the Dockerfile here, as one image', () => {
    for (const [name, s] of SESAME) {
      expect(s.build, name).toBe('.');
      expect(s.image, name).toBe('sesame:dev');
    }
  });

  it('gives each Sesame service a command line and variables the CLI accepts', () => {
    expect(Object.fromEntries([...parsed].map(([name, r]) => [name, r.command]))).toEqual({
      certgen: 'certgen',
      watcher: 'watcher',
      edge: 'edge',
      'envoy-bootstrap': 'bootstrap',
    });
    for (const [name, s] of SESAME) {
      const known = new Set(cli(name).envNames.values());
      for (const variable of Object.keys(s.environment ?? {})) {
        expect(known.has(variable), `${variable} is a flag of sesame ${cli(name).command} (${name})`).toBe(
          true,
        );
      }
    }
    // The CLI refuses what it does not know, so the check above has teeth.
    expect(() => dryRun(['edge', '--no-such-flag'])).toThrow(/unknown option/);
  });

  it('uses one bus variable for the watcher and the edges, pointing at a bus service', () => {
    const bus = services['watcher']?.environment?.['SESAME_BUS'];
    expect(bus).toMatch(/^\$\{SESAME_BUS:-nats:\/\/nats:4222\}$/);
    expect(services['edge']?.environment?.['SESAME_BUS']).toBe(bus);
    expect(option('watcher', 'bus')).toBe('nats://nats:4222');
    expect(option('edge', 'bus')).toBe('nats://nats:4222');
    // The alternative that the README gives, redis://redis:6379, names the redis service.
    expect(service('redis').command?.[0]).toBe('redis-server');
    for (const name of ['watcher', 'edge']) {
      expect(service(name).depends_on?.['nats']?.condition).toBe('service_healthy');
      expect(service(name).depends_on?.['redis']?.condition).toBe('service_healthy');
    }
  });

  it('passes the certificates along the volume: certgen → edges and bootstrap → Envoy', () => {
    const outDir = option('certgen', 'outDir');
    expect(cli('certgen').options['edgeDns']).toContain('edge');
    expect(mounted(service('certgen'), outDir, true)).toBe(true);
    expect(option('edge', 'tlsDir')).toBe(posix.join(outDir, 'edge'));
    expect(mounted(service('edge'), option('edge', 'tlsDir'))).toBe(true);
    const envoyTls = posix.join(outDir, 'envoy');
    expect(option('envoy-bootstrap', 'cafile')).toBe(posix.join(envoyTls, 'ca.crt'));
    expect(option('envoy-bootstrap', 'certFile')).toBe(posix.join(envoyTls, 'tls.crt'));
    expect(option('envoy-bootstrap', 'keyFile')).toBe(posix.join(envoyTls, 'tls.key'));
    const bootstrap = cli('envoy-bootstrap').args[0]!;
    expect(mounted(service('envoy-bootstrap'), bootstrap, true)).toBe(true);
    // Envoy reads the bootstrap and the files it names at the paths the bootstrap container wrote them.
    const envoy = service('envoy');
    expect(envoy.command?.slice(envoy.command.indexOf('-c'), envoy.command.indexOf('-c') + 2)).toEqual([
      '-c',
      bootstrap,
    ]);
    for (const path of [bootstrap, envoyTls]) expect(mounted(envoy, path), path).toBe(true);
    // The same user as the image, which owns the certificates (Envoy's key is readable by its owner only).
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain(`USER ${envoy.user}`);
    expect(dockerfile).toMatch(/mkdir -p \/var\/lib\/sesame/);
    for (const [name, s] of [...SESAME, ['envoy', envoy] as const]) {
      for (const m of mounts(s).filter((m) => m.named)) expect(m.target, name).toBe('/var/lib/sesame');
    }
  });

  it('matches ports: edge xDS and the bootstrap, admin and the health checks, Envoy listeners and host', () => {
    // The documented defaults (INTERFACE.md): xDS 8001 and admin 8000 on every Sesame process.
    const defaults = dryRun(['edge'], { SESAME_BUS: 'nats://nats:4222' }).options;
    expect(option('edge', 'xdsAddress')).toBe(defaults['xdsAddress']);
    expect(option('edge', 'admin')).toBe(defaults['admin']);
    expect(option('watcher', 'admin')).toBe(defaults['admin']);
    expect(portOf(option('edge', 'xdsAddress'))).toBe(Number(option('envoy-bootstrap', 'xdsPort')));
    expect(option('envoy-bootstrap', 'xdsAddress')).toBe('edge');
    for (const name of ['watcher', 'edge']) {
      const admin = portOf(option(name, 'admin'));
      expect(service(name).healthcheck?.test.join(' ')).toContain(`http://127.0.0.1:${admin}/readyz`);
    }
    const ports = service('envoy').ports ?? [];
    expect(ports).toContain(`${HTTP_PORT}:${HTTP_PORT}`);
    expect(ports).toContain(`${HTTPS_PORT}:${HTTPS_PORT}`);
    const adminPort = option('envoy-bootstrap', 'adminPort');
    expect(option('envoy-bootstrap', 'adminAddress')).toBe('0.0.0.0');
    expect(ports).toContain(`127.0.0.1:${adminPort}:${adminPort}`);
  });

  it('starts things in order: certificates, then edges and bootstrap, then Envoy once edges are ready', () => {
    const done = { condition: 'service_completed_successfully' };
    expect(service('edge').depends_on?.['certgen']).toEqual(done);
    expect(service('envoy-bootstrap').depends_on?.['certgen']).toEqual(done);
    expect(service('envoy').depends_on?.['envoy-bootstrap']).toEqual(done);
    expect(service('envoy').depends_on?.['edge']).toEqual({ condition: 'service_healthy' });
  });

  it('declares every named volume and mounts only host paths that exist', () => {
    const declared = Object.keys(compose.volumes ?? {});
    for (const [name, s] of Object.entries(services)) {
      for (const m of mounts(s)) {
        if (m.named) expect(declared, `${name}: volume ${m.source}`).toContain(m.source);
        else expect(existsSync(join(ROOT, m.source)), `${name}: ${m.source}`).toBe(true);
      }
    }
    expect(mounts(service('watcher'))).toContainEqual({
      source: './examples/manifests',
      target: option('watcher', 'source'),
      readOnly: true,
      named: false,
    });
  });

  it("runs a backend at every ready address of the examples' EndpointSlices, on their ports", () => {
    const slices = parseAllDocuments(readFileSync(join(ROOT, 'examples/manifests/services.yaml'), 'utf8'))
      .map((d) => d.toJS() as Record<string, unknown>)
      .filter((o) => o['kind'] === 'EndpointSlice') as Array<{
      ports: Array<{ port: number }>;
      endpoints: Array<{ addresses: string[]; conditions?: { ready?: boolean } }>;
    }>;
    const backends = new Map(
      Object.values(services).flatMap((s) => {
        const ip = s.networks?.['default']?.ipv4_address;
        const listen = s.command?.find((c) => c.startsWith('-listen='));
        return ip === undefined || listen === undefined
          ? []
          : [[ip, Number(listen.split(':').at(-1))] as const];
      }),
    );
    const ready = slices.flatMap((slice) =>
      slice.endpoints
        .filter((e) => e.conditions?.ready !== false)
        .flatMap((e) => e.addresses.map((address) => [address, slice.ports[0]?.port] as const)),
    );
    expect(ready.length).toBeGreaterThanOrEqual(2);
    for (const [address, port] of ready) expect(backends.get(address), address).toBe(port);
    // The fixed addresses are in the network's subnet, outside the range handed out to other containers.
    const ipam = compose.networks?.['default']?.ipam?.config?.[0];
    const subnet = new BlockList();
    const [net, bits] = (ipam?.subnet ?? '').split('/');
    subnet.addSubnet(net!, Number(bits));
    const dynamic = new BlockList();
    const [range, rangeBits] = (ipam?.ip_range ?? '').split('/');
    dynamic.addSubnet(range!, Number(rangeBits));
    for (const address of backends.keys()) {
      expect(subnet.check(address), `${address} in ${ipam?.subnet}`).toBe(true);
      expect(dynamic.check(address), `${address} outside ${ipam?.ip_range}`).toBe(false);
    }
  });
});
