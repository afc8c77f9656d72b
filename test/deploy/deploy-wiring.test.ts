// How the parts of the install find each other: Services reach the right pods and ports, the watcher, the edges,
// Envoy, certgen and the bus are configured as INTERFACE.md says, with probes on the admin port.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  allContainers,
  COMBINATIONS,
  comboName,
  containerOf,
  literalEnv,
  podTemplateOf,
  podTemplates,
  renderInstall,
  type Component,
  type PodTemplate,
} from './deploy-fixtures.js';
import { splitImage } from './kustomize-transforms.js';
import {
  child,
  findObject,
  isObject,
  list,
  objectsOfKind,
  type JsonObject,
  type KubeObject,
} from './manifests.js';

const SESAME_IMAGE = 'ghcr.io/projectsesame/sesame:latest';

/** Whether every selector label is on the pod template. */
function selects(selector: JsonObject | undefined, template: PodTemplate): boolean {
  const labels = child(template.metadata, 'labels') ?? {};
  const entries = Object.entries(selector ?? {});
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

/** The container port a Service targetPort (name or number) lands on, if any container declares it. */
function resolvePort(template: PodTemplate, targetPort: unknown): number | undefined {
  for (const container of list(template.spec, 'containers')) {
    for (const port of list(container, 'ports')) {
      if (isObject(port) && (port['name'] === targetPort || port['containerPort'] === targetPort)) {
        return Number(port['containerPort']);
      }
    }
  }
  return undefined;
}

/** A Service's ports as "port→containerPort", resolved through the one workload it selects. */
function servicePorts(objects: readonly KubeObject[], name: string): string[] {
  const service = findObject(objects, 'Service', name);
  const selector = child(service['spec'], 'selector');
  const [template, ...others] = podTemplates(objects).filter((t) => selects(selector, t));
  expect(others, `${name} selects one workload`).toEqual([]);
  if (template === undefined) throw new Error(`Service ${name} selects no workload`);
  return list(service['spec'], 'ports').map((p) => {
    const port = isObject(p) ? p : {};
    return `${String(port['port'])}→${String(resolvePort(template, port['targetPort'] ?? port['port']))}`;
  });
}

function probe(container: JsonObject, kind: string): string {
  const http = child(child(container, kind), 'httpGet');
  const port = http?.['port'];
  const resolved = list(container, 'ports').find((p) => isObject(p) && p['name'] === port);
  return `${String(http?.['path'])}@${String(isObject(resolved) ? resolved['containerPort'] : port)}`;
}

/** Where the Secret `secretName` is mounted in `container`. */
function secretMount(template: PodTemplate, container: JsonObject, secretName: string): string | undefined {
  const volume = list(template.spec, 'volumes').find(
    (v) => child(v, 'secret')?.['secretName'] === secretName,
  );
  const volumeName = isObject(volume) ? volume['name'] : undefined;
  const mount = list(container, 'volumeMounts').find((m) => isObject(m) && m['name'] === volumeName);
  return isObject(mount) ? String(mount['mountPath']) : undefined;
}

const cases = COMBINATIONS.map((components) => ({ name: comboName(components), components }));

describe.each(cases)('$name', ({ components }: { components: readonly Component[] }) => {
  it('points every Service at one workload and at ports its containers declare', async () => {
    const objects = await renderInstall(components);
    for (const service of objectsOfKind(objects, 'Service')) {
      for (const mapping of servicePorts(objects, service.metadata.name))
        expect(mapping).not.toMatch(/undefined/);
    }
    for (const budget of objectsOfKind(objects, 'PodDisruptionBudget')) {
      const selector = child(child(budget['spec'], 'selector'), 'matchLabels');
      expect(
        podTemplates(objects).filter((t) => selects(selector, t)),
        budget.metadata.name,
      ).toHaveLength(1);
    }
  });
});

describe('the default install', () => {
  let objects: KubeObject[] = [];
  beforeAll(async () => {
    objects = await renderInstall();
  });

  it('exposes the edges as sesame-xds:8001 and Envoy as a LoadBalancer on 80→8080 and 443→8443', () => {
    expect(servicePorts(objects, 'sesame-xds')).toEqual(['8001→8001']);
    expect(findObject(objects, 'Service', 'sesame-xds')['spec']).toMatchObject({ type: 'ClusterIP' });
    expect(servicePorts(objects, 'envoy')).toEqual(['80→8080', '443→8443']);
    expect(findObject(objects, 'Service', 'envoy')['spec']).toMatchObject({
      type: 'LoadBalancer',
      externalTrafficPolicy: 'Local',
    });
    expect(servicePorts(objects, 'sesame-nats')).toEqual(['4222→4222']);
  });

  it('runs two watchers with leader election, probed on the admin port', () => {
    const watcher = findObject(objects, 'Deployment', 'sesame-watcher');
    expect(child(watcher, 'spec')?.['replicas']).toBe(2);
    const template = podTemplateOf(objects, 'sesame-watcher');
    const container = containerOf(template.spec, 'watcher');
    expect(container['args']).toEqual(['watcher', '--source=kube', '--leader-elect']);
    expect(literalEnv(container)).toMatchObject({
      SESAME_ADMIN: '0.0.0.0:8000',
      SESAME_ENVOY_SERVICE: '$(POD_NAMESPACE)/envoy',
    });
    expect([probe(container, 'livenessProbe'), probe(container, 'readinessProbe')]).toEqual([
      '/healthz@8000',
      '/readyz@8000',
    ]);
    expect(template.spec['serviceAccountName']).toBe('sesame-watcher');
    expect(child(template.spec, 'affinity')?.['podAntiAffinity']).toBeDefined();
  });

  it('runs three edges on sesame-edge-cert, ready on /readyz, autoscaled on CPU and covered by a disruption budget', () => {
    expect(child(findObject(objects, 'Deployment', 'sesame-edge'), 'spec')?.['replicas']).toBe(3);
    const template = podTemplateOf(objects, 'sesame-edge');
    const container = containerOf(template.spec, 'edge');
    expect(container['args']).toEqual(['edge']);
    const env = literalEnv(container);
    expect(env).toMatchObject({ SESAME_XDS_ADDRESS: '0.0.0.0:8001', SESAME_ADMIN: '0.0.0.0:8000' });
    expect(env['SESAME_TLS_DIR']).toBe(secretMount(template, container, 'sesame-edge-cert'));
    expect(probe(container, 'readinessProbe')).toBe('/readyz@8000');
    expect(child(template.spec, 'affinity')?.['podAntiAffinity']).toBeDefined();
    expect(list(template.spec, 'topologySpreadConstraints')).not.toEqual([]);

    const hpa = findObject(objects, 'HorizontalPodAutoscaler', 'sesame-edge');
    expect(hpa['spec']).toMatchObject({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'sesame-edge' },
      minReplicas: 3,
      metrics: [{ type: 'Resource', resource: { name: 'cpu' } }],
    });
    const budget = findObject(objects, 'PodDisruptionBudget', 'sesame-edge');
    expect(selects(child(child(budget['spec'], 'selector'), 'matchLabels'), template)).toBe(true);
  });

  it('bootstraps Envoy to reach sesame-xds:8001 with sesame-envoy-cert, then runs it on that bootstrap', () => {
    expect(findObject(objects, 'DaemonSet', 'envoy')).toBeDefined();
    const template = podTemplateOf(objects, 'envoy');
    const init = containerOf(template.spec, 'bootstrap');
    const certs = secretMount(template, init, 'sesame-envoy-cert');
    expect(init['image']).toBe(SESAME_IMAGE);
    expect(init['args']).toEqual(
      expect.arrayContaining([
        'bootstrap',
        '/config/envoy.json',
        '--xds-address=sesame-xds',
        '--xds-port=8001',
        `--cafile=${String(certs)}/ca.crt`,
        `--cert-file=${String(certs)}/tls.crt`,
        `--key-file=${String(certs)}/tls.key`,
      ]),
    );
    const envoy = containerOf(template.spec, 'envoy');
    expect(envoy['args']).toEqual(expect.arrayContaining(['-c', '/config/envoy.json']));
    const configVolume = (c: JsonObject): unknown => {
      const mount = list(c, 'volumeMounts').find((m) => isObject(m) && m['mountPath'] === '/config');
      return isObject(mount) ? mount['name'] : undefined;
    };
    expect(configVolume(envoy)).toBeDefined();
    expect(configVolume(envoy)).toBe(configVolume(init));
    expect(secretMount(template, envoy, 'sesame-envoy-cert')).toBe(certs); // the SDS files point there
    expect(list(envoy, 'ports').map((p) => (isObject(p) ? p['containerPort'] : p))).toEqual([8080, 8443]);
  });

  it('issues certificates with certgen --kube at install and daily, in the namespace it runs in', () => {
    for (const name of ['sesame-certgen', 'sesame-certgen-renew']) {
      const { spec } = podTemplateOf(objects, name);
      const container = containerOf(spec, 'certgen');
      expect(container['args']).toEqual(['certgen', '--kube']);
      expect(spec['serviceAccountName']).toBe('sesame-certgen');
      const ns = list(container, 'env').find((e) => isObject(e) && e['name'] === 'SESAME_NAMESPACE');
      expect(ns).toEqual({
        name: 'SESAME_NAMESPACE',
        valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } },
      });
    }
    expect(child(findObject(objects, 'CronJob', 'sesame-certgen-renew'), 'spec')).toMatchObject({
      concurrencyPolicy: 'Forbid',
    });
  });

  it('connects the watcher and the edges to NATS with JetStream on a persistent volume', () => {
    expect(child(findObject(objects, 'ConfigMap', 'sesame-config'), 'data')).toMatchObject({
      SESAME_BUS: 'nats://sesame-nats:4222',
    });
    for (const [workload, container] of [
      ['sesame-watcher', 'watcher'],
      ['sesame-edge', 'edge'],
    ] as const) {
      expect(containerOf(podTemplateOf(objects, workload).spec, container)['envFrom']).toEqual([
        { configMapRef: { name: 'sesame-config' } },
      ]);
    }
    const nats = findObject(objects, 'StatefulSet', 'sesame-nats');
    const server = containerOf(podTemplateOf(objects, 'sesame-nats').spec, 'nats');
    expect(server['args']).toEqual(['-js', '-sd', '/data', '-m', '8222']);
    expect(list(server, 'volumeMounts')).toEqual([{ name: 'data', mountPath: '/data' }]);
    expect(
      list(child(nats, 'spec'), 'volumeClaimTemplates').map((t) => child(t, 'metadata')?.['name']),
    ).toEqual(['data']);
  });

  it('uses the one Sesame image for every Sesame container and pinned tags for the others', () => {
    for (const { spec } of podTemplates(objects)) {
      for (const container of allContainers(spec)) {
        const image = String(container['image']);
        if (image.startsWith('ghcr.io/projectsesame/')) expect(image).toBe(SESAME_IMAGE);
        else expect(splitImage(image).suffix).toMatch(/^:v?\d+\.\d+\.\d+/);
      }
    }
  });
});
