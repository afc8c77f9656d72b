import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { collectDefaultMetrics, Registry } from 'prom-client';
import {
  isDnsLabel,
  parseHostPort,
  parseNonNegativeInt,
  startAdminServer,
  type HostPort,
  type LogLevel,
  type Result,
} from '@sesame/shared';
import {
  createKubeWatcher,
  createWatcher,
  LEASE_DEFAULTS,
  loadKubeConfig,
  parseStatusAddress,
  type KubeConfig,
  type LeaderElectionOptions,
  type StatusOptions,
} from '@sesame/watcher';
import { addBusFlags, connectBus, parseBusConfig, type BusConfig } from '../bus.js';
import { ConfigProblems, text } from '../config-errors.js';
import { flag, listFlag, logLevelFlag } from '../flags.js';
import { requireConfig, serve } from '../run.js';

/** Where a pod finds its own namespace. */
const SERVICE_ACCOUNT_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

interface KubeSourceConfig {
  readonly kind: 'kube';
  readonly kubeConfig: KubeConfig;
  readonly namespaces: readonly string[];
  readonly leaderElection: LeaderElectionOptions | undefined;
  readonly status: StatusOptions;
}

interface WatcherConfig {
  source: { kind: 'dir'; dir: string } | KubeSourceConfig;
  bus: BusConfig;
  ingressClass: string | undefined;
  rootNamespaces: readonly string[];
  holdoffMs: number;
  holdoffMaxMs: number;
  admin: HostPort;
  logLevel: LogLevel;
}

/** `sesame watcher`: the single active watcher, publishing snapshots to the bus. */
export function watcherCommand(program: Command): void {
  addBusFlags(program.command('watcher'))
    .description('watch Kubernetes (or a folder of manifests), translate to Envoy config, publish snapshots')
    .addOption(flag('--source <kube|dir>', '"kube" for the Kubernetes API, or a folder of YAML manifests'))
    .addOption(flag('--kubeconfig <file>', 'kubeconfig to use (default: the in-cluster service account)'))
    .addOption(listFlag('--namespace <ns>', 'watch only this namespace (repeatable; default: all)'))
    .addOption(
      flag('--ingress-class <name>', 'serve only this Ingress class (default: no class, or class "sesame")'),
    )
    .addOption(
      listFlag('--root-namespaces <ns,…>', 'namespaces where root HTTPProxies may live (default: all)'),
    )
    .addOption(
      flag(
        '--leader-elect [bool]',
        'elect one active watcher through a Lease (default: true with --source kube)',
      ).argParser(parseBool),
    )
    .addOption(flag('--lease-name <name>', 'name of the leader election Lease', 'sesame-watcher'))
    .addOption(
      flag(
        '--lease-namespace <ns>',
        'namespace of the Lease (default: the pod namespace, else projectsesame)',
      ),
    )
    .addOption(
      ms(
        '--lease-duration-ms',
        'how long a leader holds the Lease without renewing it',
        LEASE_DEFAULTS.leaseDurationMs,
      ),
    )
    .addOption(
      ms(
        '--lease-renew-deadline-ms',
        'a leader that cannot renew for this long steps down',
        LEASE_DEFAULTS.renewDeadlineMs,
      ),
    )
    .addOption(
      ms(
        '--lease-retry-period-ms',
        'time between attempts to acquire or renew the Lease',
        LEASE_DEFAULTS.retryPeriodMs,
      ),
    )
    .addOption(flag('--envoy-service <ns/name>', "Ingress status takes this Service's load balancer address"))
    .addOption(
      flag('--ingress-status-address <addr>', 'put this IP address or host name in Ingress status instead'),
    )
    .addOption(flag('--holdoff-ms <ms>', 'wait this long after a change for more changes', '100'))
    .addOption(flag('--holdoff-max-ms <ms>', 'the longest a change waits before it is published', '500'))
    .addOption(flag('--admin <host:port>', 'admin HTTP address: /metrics, /healthz, /readyz', '0.0.0.0:8000'))
    .addOption(logLevelFlag())
    .action(async (raw: Record<string, unknown>) => {
      const config = requireConfig('watcher', parseWatcherConfig(raw));
      await serve({
        name: 'watcher',
        logLevel: config.logLevel,
        start: async (logger, own) => {
          const registry = new Registry();
          collectDefaultMetrics({ register: registry });
          const bus = own(await connectBus(config.bus, { logger, registry, role: 'watcher' }));
          const common = {
            bus,
            logger,
            registry,
            holdoffMs: config.holdoffMs,
            holdoffMaxMs: config.holdoffMaxMs,
            ...(config.ingressClass === undefined ? {} : { ingressClass: config.ingressClass }),
            ...(config.rootNamespaces.length === 0 ? {} : { rootNamespaces: config.rootNamespaces }),
          };
          const { source } = config;
          const watcher =
            source.kind === 'dir'
              ? createWatcher({ ...common, source: { dir: source.dir } })
              : createKubeWatcher({
                  ...common,
                  kubeConfig: source.kubeConfig,
                  namespaces: source.namespaces,
                  status: source.status,
                  ...(source.leaderElection === undefined ? {} : { leaderElection: source.leaderElection }),
                });
          // Listening first: the first sync of a large cluster takes a while, and /healthz should answer.
          own(
            await startAdminServer({
              address: config.admin,
              registry,
              ready: () => watcher.ready(),
              logger: logger.child({ component: 'admin' }),
            }),
          );
          own(watcher);
          await watcher.start();
        },
      });
    });
}

function ms(long: string, description: string, defaultValue: number) {
  return flag(`${long} <ms>`, description, String(defaultValue));
}

function parseBool(value: string): boolean {
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', ''].includes(v)) return true;
  if (['false', '0', 'no'].includes(v)) return false;
  throw new InvalidArgumentError('expected true or false.');
}

function parseWatcherConfig(raw: Record<string, unknown>): Result<Readonly<WatcherConfig>> {
  const p = new ConfigProblems();
  const bus = parseBusConfig(raw, p);
  const number = (flagName: string, key: string): number | undefined =>
    p.take(flagName, parseNonNegativeInt(String(raw[key])));
  const holdoffMs = number('--holdoff-ms', 'holdoffMs');
  const holdoffMaxMs = number('--holdoff-max-ms', 'holdoffMaxMs');
  const admin = p.take('--admin', parseHostPort(String(raw['admin'])));
  const rootNamespaces = namespaceList(p, '--root-namespaces', raw['rootNamespaces']);
  let source: WatcherConfig['source'] | undefined;
  const leaderElect = raw['leaderElect'] as boolean | undefined;
  if (typeof raw['source'] !== 'string' || raw['source'] === '') {
    p.add('--source', 'is required: "kube" or a folder of manifests');
  } else if (raw['source'] === 'kube') {
    source = parseKubeSource(raw, p, leaderElect ?? true);
  } else if (existsSync(raw['source'])) {
    source = { kind: 'dir', dir: resolve(raw['source']) };
    if (leaderElect === true) p.add('--leader-elect', 'needs --source kube (a folder source runs alone)');
  } else {
    p.add('--source', `folder "${raw['source']}" does not exist`);
  }
  return p.finish<WatcherConfig>(() => ({
    source: source!,
    bus: bus!,
    ingressClass: text(raw['ingressClass']) || undefined,
    rootNamespaces,
    holdoffMs: holdoffMs!,
    holdoffMaxMs: holdoffMaxMs!,
    admin: admin!,
    logLevel: raw['logLevel'] as LogLevel,
  }));
}

function parseKubeSource(
  raw: Record<string, unknown>,
  p: ConfigProblems,
  leaderElect: boolean,
): KubeSourceConfig | undefined {
  const file = text(raw['kubeconfig']);
  const kubeConfig = p.take(
    '--kubeconfig',
    loadKubeConfig({
      ...(file === '' ? {} : { file: resolve(file) }),
      inCluster: (process.env['KUBERNETES_SERVICE_HOST'] ?? '') !== '',
    }),
  );
  const namespaces = namespaceList(p, '--namespace', raw['namespace']);
  const status = parseStatusOptions(raw, p);
  const leaderElection = leaderElect ? parseLeaderElection(raw, p) : undefined;
  if (kubeConfig === undefined) return undefined;
  return { kind: 'kube', kubeConfig, namespaces, leaderElection, status };
}

function parseLeaderElection(
  raw: Record<string, unknown>,
  p: ConfigProblems,
): LeaderElectionOptions | undefined {
  const leaseName = text(raw['leaseName']);
  const leaseNamespace = text(raw['leaseNamespace']) || podNamespace();
  if (!isDnsSubdomain(leaseName)) p.add('--lease-name', `"${leaseName}" is not a valid object name`);
  if (!isDnsLabel(leaseNamespace)) p.add('--lease-namespace', `"${leaseNamespace}" is not a namespace name`);
  const duration = (flagName: string, key: string): number | undefined =>
    p.take(flagName, parseNonNegativeInt(String(raw[key])));
  const leaseDurationMs = duration('--lease-duration-ms', 'leaseDurationMs');
  const renewDeadlineMs = duration('--lease-renew-deadline-ms', 'leaseRenewDeadlineMs');
  const retryPeriodMs = duration('--lease-retry-period-ms', 'leaseRetryPeriodMs');
  if (leaseDurationMs === undefined || renewDeadlineMs === undefined || retryPeriodMs === undefined) {
    return undefined;
  }
  if (retryPeriodMs === 0 || renewDeadlineMs + retryPeriodMs >= leaseDurationMs) {
    p.add('--lease-duration-ms', 'must exceed --lease-renew-deadline-ms plus --lease-retry-period-ms (> 0)');
  }
  return { leaseName, leaseNamespace, identity: identity(), leaseDurationMs, renewDeadlineMs, retryPeriodMs };
}

function parseStatusOptions(raw: Record<string, unknown>, p: ConfigProblems): StatusOptions {
  const address = text(raw['ingressStatusAddress']);
  if (address !== '') {
    const parsed = p.take('--ingress-status-address', parseStatusAddress(address));
    return parsed === undefined ? {} : { address: parsed };
  }
  const service = text(raw['envoyService']);
  if (service === '') return {};
  const [namespace = '', name = '', ...rest] = service.split('/');
  if (rest.length > 0 || !isDnsLabel(namespace) || !isDnsLabel(name)) {
    p.add('--envoy-service', `expected NAMESPACE/NAME, got "${service}"`);
    return {};
  }
  return { envoyService: { namespace, name } };
}

function namespaceList(p: ConfigProblems, flagName: string, value: unknown): string[] {
  const list = Array.isArray(value) ? value.map(String) : [];
  for (const ns of list) if (!isDnsLabel(ns)) p.add(flagName, `"${ns}" is not a namespace name`);
  return [...new Set(list)];
}

/** The pod's namespace (service account file, or the downward API's POD_NAMESPACE), else projectsesame. */
function podNamespace(): string {
  try {
    const ns = readFileSync(SERVICE_ACCOUNT_NAMESPACE, 'utf8').trim();
    if (ns !== '') return ns;
  } catch {
    // Not in a pod.
  }
  return process.env['POD_NAMESPACE'] || 'projectsesame';
}

/** Unique per process, and recognisable: the pod (or host) name and a random suffix, as client-go does. */
function identity(): string {
  return `${process.env['POD_NAME'] || hostname()}_${randomBytes(4).toString('hex')}`;
}

function isDnsSubdomain(name: string): boolean {
  return name.length > 0 && name.length <= 253 && name.split('.').every(isDnsLabel);
}
