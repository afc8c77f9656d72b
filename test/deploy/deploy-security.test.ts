// Security policies of the install, in every component combination: hardened pods, Kubernetes API access only
// where needed, RBAC rules that are exactly what the watcher and certgen use, and no dangling references.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  allContainers,
  COMBINATIONS,
  comboName,
  podTemplateOf,
  podTemplates,
  renderInstall,
  type Component,
} from './deploy-fixtures.js';
import { child, findObject, isObject, list, objectKey, objectsOfKind, type KubeObject } from './manifests.js';

/** The workloads that call the Kubernetes API, and so mount a ServiceAccount token. */
const API_CLIENTS = ['sesame-watcher', 'sesame-certgen', 'sesame-certgen-renew'];
/** Secrets the install uses but does not contain: certgen creates the first two, users the others. */
const EXTERNAL_SECRETS = ['sesame-edge-cert', 'sesame-envoy-cert', 'sesame-bus', 'sesame-bus-key'];

/** Every rule a role grants, one string per apiGroup/resource/verb, for exact comparisons. */
function grants(role: KubeObject): string[] {
  return list(role, 'rules').flatMap((rule) => {
    const names = list(rule, 'resourceNames');
    const suffix = names.length === 0 ? '' : `[${names.join(',')}]`;
    return list(rule, 'apiGroups').flatMap((group) =>
      list(rule, 'resources').flatMap((resource) =>
        list(rule, 'verbs').map(
          (verb) => `${String(group) || 'core'}/${String(resource)}${suffix}: ${String(verb)}`,
        ),
      ),
    );
  });
}

const cases = COMBINATIONS.map((components) => ({ name: comboName(components), components }));

describe.each(cases)('$name', ({ components }: { components: readonly Component[] }) => {
  let objects: KubeObject[] = [];
  beforeAll(async () => {
    objects = await renderInstall(components);
  });

  it('runs every pod as non-root with the RuntimeDefault seccomp profile and no host access', () => {
    for (const { owner, spec } of podTemplates(objects)) {
      const context = child(spec, 'securityContext');
      expect(context?.['runAsNonRoot'], owner.metadata.name).toBe(true);
      expect(context?.['runAsUser'], owner.metadata.name).not.toBe(0);
      expect(child(context, 'seccompProfile')?.['type'], owner.metadata.name).toBe('RuntimeDefault');
      for (const key of ['hostNetwork', 'hostPID', 'hostIPC'])
        expect(spec[key], owner.metadata.name).toBeUndefined();
      expect(list(spec, 'volumes').filter((v) => child(v, 'hostPath') !== undefined)).toEqual([]);
    }
  });

  it('gives every container a read-only root filesystem, no privileges, no capabilities, and resource bounds', () => {
    for (const { owner, spec } of podTemplates(objects)) {
      for (const container of allContainers(spec)) {
        const where = `${owner.metadata.name}/${String(container['name'])}`;
        const context = child(container, 'securityContext');
        expect(context, where).toMatchObject({
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
        });
        expect(context?.['privileged'], where).toBeUndefined();
        expect(context?.['runAsUser'], where).toBeUndefined();
        expect(
          list(container, 'ports').filter((p) => isObject(p) && p['hostPort'] !== undefined),
          where,
        ).toEqual([]);
        const resources = child(container, 'resources');
        for (const bound of ['requests', 'limits']) {
          expect(Object.keys(child(resources, bound) ?? {}).sort(), `${where} ${bound}`).toEqual([
            'cpu',
            'memory',
          ]);
        }
      }
    }
  });

  it('turns service links off, since they would set SESAME_*-named variables the flags read', () => {
    for (const { owner, spec } of podTemplates(objects))
      expect(spec['enableServiceLinks'], owner.metadata.name).toBe(false);
  });

  it('mounts a ServiceAccount token only where the Kubernetes API is used', () => {
    for (const { owner, spec } of podTemplates(objects)) {
      const wanted = API_CLIENTS.includes(owner.metadata.name);
      const account = spec['serviceAccountName'];
      const sa = typeof account === 'string' ? findObject(objects, 'ServiceAccount', account) : undefined;
      const mounted = spec['automountServiceAccountToken'] ?? sa?.['automountServiceAccountToken'] ?? true;
      expect(mounted, owner.metadata.name).toBe(wanted);
      if (!wanted) {
        expect(
          list(spec, 'volumes').filter((v) => JSON.stringify(v).includes('serviceAccountToken')),
        ).toEqual([]);
      }
    }
  });

  it('refers only to ConfigMaps, Secrets and ServiceAccounts that exist or that certgen or the user create', () => {
    const has = (kind: string, name: string): boolean =>
      objects.some((o) => o.kind === kind && o.metadata.name === name);
    const missing: string[] = [];
    for (const { owner, spec } of podTemplates(objects)) {
      const refs: [string, unknown][] = [['ServiceAccount', spec['serviceAccountName'] ?? 'default']];
      for (const volume of list(spec, 'volumes')) {
        refs.push(['Secret', child(volume, 'secret')?.['secretName']]);
        refs.push(['ConfigMap', child(volume, 'configMap')?.['name']]);
      }
      for (const container of allContainers(spec)) {
        for (const source of list(container, 'envFrom')) {
          refs.push(['ConfigMap', child(source, 'configMapRef')?.['name']]);
          refs.push(['Secret', child(source, 'secretRef')?.['name']]);
        }
        for (const variable of list(container, 'env')) {
          const from = child(variable, 'valueFrom');
          refs.push(['ConfigMap', child(from, 'configMapKeyRef')?.['name']]);
          refs.push(['Secret', child(from, 'secretKeyRef')?.['name']]);
        }
      }
      for (const [kind, name] of refs) {
        if (typeof name !== 'string') continue;
        const external = kind === 'Secret' && EXTERNAL_SECRETS.includes(name);
        if (!external && !(kind === 'ServiceAccount' && name === 'default') && !has(kind, name)) {
          missing.push(`${owner.metadata.name} → ${kind} ${name}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});

describe('RBAC of the default install', () => {
  let objects: KubeObject[] = [];
  beforeAll(async () => {
    objects = await renderInstall();
  });

  it('lets the watcher read what it watches and write only the status of HTTPProxy and Ingress', () => {
    expect(grants(findObject(objects, 'ClusterRole', 'sesame-watcher')).sort()).toEqual(
      [
        'core/services: get',
        'core/services: list',
        'core/services: watch',
        'core/secrets: get',
        'core/secrets: list',
        'core/secrets: watch',
        'discovery.k8s.io/endpointslices: get',
        'discovery.k8s.io/endpointslices: list',
        'discovery.k8s.io/endpointslices: watch',
        'networking.k8s.io/ingresses: get',
        'networking.k8s.io/ingresses: list',
        'networking.k8s.io/ingresses: watch',
        'networking.k8s.io/ingressclasses: get',
        'networking.k8s.io/ingressclasses: list',
        'networking.k8s.io/ingressclasses: watch',
        'networking.k8s.io/ingresses/status: update',
        'networking.k8s.io/ingresses/status: patch',
        'projectsesame.io/httpproxies: get',
        'projectsesame.io/httpproxies: list',
        'projectsesame.io/httpproxies: watch',
        'projectsesame.io/tlscertificatedelegations: get',
        'projectsesame.io/tlscertificatedelegations: list',
        'projectsesame.io/tlscertificatedelegations: watch',
        'projectsesame.io/httpproxies/status: update',
        'projectsesame.io/httpproxies/status: patch',
      ].sort(),
    );
  });

  it('lets the watcher manage Leases in its own namespace only', () => {
    const role = findObject(objects, 'Role', 'sesame-watcher-leader-election');
    expect(role.metadata.namespace).toBe('projectsesame');
    expect(grants(role).sort()).toEqual(
      [
        'coordination.k8s.io/leases: create',
        'coordination.k8s.io/leases: get',
        'coordination.k8s.io/leases: update',
      ].sort(),
    );
  });

  it('lets certgen create Secrets and touch only its own three', () => {
    const own = '[sesame-ca,sesame-edge-cert,sesame-envoy-cert]';
    expect(grants(findObject(objects, 'Role', 'sesame-certgen')).sort()).toEqual(
      [
        'core/secrets: create',
        `core/secrets${own}: get`,
        `core/secrets${own}: update`,
        `core/secrets${own}: patch`,
      ].sort(),
    );
  });

  it('binds each role to its ServiceAccount in projectsesame and binds nothing else', () => {
    const bindings = [
      ...objectsOfKind(objects, 'RoleBinding'),
      ...objectsOfKind(objects, 'ClusterRoleBinding'),
    ];
    const summary = bindings.map((b) => {
      const ref = child(b, 'roleRef');
      const subjects = list(b, 'subjects').map((s) =>
        isObject(s) ? `${String(s['kind'])} ${String(s['namespace'])}/${String(s['name'])}` : '',
      );
      return `${objectKey(b)} → ${String(ref?.['kind'])} ${String(ref?.['name'])}: ${subjects.join(', ')}`;
    });
    expect(summary.sort()).toEqual(
      [
        'ClusterRoleBinding.rbac.authorization.k8s.io /sesame-watcher → ClusterRole sesame-watcher: ServiceAccount projectsesame/sesame-watcher',
        'RoleBinding.rbac.authorization.k8s.io projectsesame/sesame-watcher-leader-election → Role sesame-watcher-leader-election: ServiceAccount projectsesame/sesame-watcher',
        'RoleBinding.rbac.authorization.k8s.io projectsesame/sesame-certgen → Role sesame-certgen: ServiceAccount projectsesame/sesame-certgen',
      ].sort(),
    );
  });

  it('gives the edges and Envoy no API access at all: no token, no role', () => {
    for (const [workload, account] of [
      ['sesame-edge', 'sesame-edge'],
      ['envoy', 'envoy'],
    ] as const) {
      const { spec } = podTemplateOf(objects, workload);
      expect(spec['serviceAccountName']).toBe(account);
      expect(spec['automountServiceAccountToken']).toBe(false);
      expect(findObject(objects, 'ServiceAccount', account)['automountServiceAccountToken']).toBe(false);
      expect(JSON.stringify(objects.filter((o) => o.kind.endsWith('Binding')))).not.toContain(
        `"name":"${account}"`,
      );
    }
  });
});
