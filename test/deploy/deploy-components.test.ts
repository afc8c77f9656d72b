// Each component of deploy/components changes exactly what it says, compared with the default install.
import { isDeepStrictEqual } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { containerOf, literalEnv, podTemplateOf, renderInstall, type Component } from './deploy-fixtures.js';
import { child, findObject, isObject, list, objectKey, type KubeObject } from './manifests.js';

interface Difference {
  readonly added: string[];
  readonly removed: string[];
  readonly changed: string[];
}

function difference(before: readonly KubeObject[], after: readonly KubeObject[]): Difference {
  const old = new Map(before.map((o) => [objectKey(o), o]));
  const next = new Map(after.map((o) => [objectKey(o), o]));
  return {
    added: [...next.keys()].filter((k) => !old.has(k)).sort(),
    removed: [...old.keys()].filter((k) => !next.has(k)).sort(),
    changed: [...next.keys()].filter((k) => old.has(k) && !isDeepStrictEqual(old.get(k), next.get(k))).sort(),
  };
}

const NATS = [
  'NetworkPolicy.networking.k8s.io projectsesame/sesame-nats',
  'Service projectsesame/sesame-nats',
  'StatefulSet.apps projectsesame/sesame-nats',
];
const CLIENTS = ['Deployment.apps projectsesame/sesame-edge', 'Deployment.apps projectsesame/sesame-watcher'];
const CONFIG = 'ConfigMap projectsesame/sesame-config';

let defaults: KubeObject[] = [];
const rendered = new Map<Component, KubeObject[]>();
beforeAll(async () => {
  defaults = await renderInstall();
  for (const component of ['redis', 'external-bus', 'bus-key', 'envoy-deployment'] as const) {
    rendered.set(component, await renderInstall([component]));
  }
});

function install(component: Component): KubeObject[] {
  const objects = rendered.get(component);
  if (objects === undefined) throw new Error(`${component} not rendered`);
  return objects;
}

describe('components/redis', () => {
  it('replaces NATS with Redis and points SESAME_BUS at it', () => {
    expect(difference(defaults, install('redis'))).toEqual({
      added: [
        'NetworkPolicy.networking.k8s.io projectsesame/sesame-redis',
        'Service projectsesame/sesame-redis',
        'StatefulSet.apps projectsesame/sesame-redis',
      ],
      removed: NATS,
      changed: [CONFIG],
    });
    expect(child(findObject(install('redis'), 'ConfigMap', 'sesame-config'), 'data')).toEqual({
      SESAME_BUS: 'redis://sesame-redis:6379',
      SESAME_LOG_LEVEL: 'info',
    });
    const redis = containerOf(podTemplateOf(install('redis'), 'sesame-redis').spec, 'redis');
    expect(redis['image']).toBe('docker.io/library/redis:7.2.7-alpine');
  });
});

describe('components/external-bus', () => {
  it('removes NATS and makes the watcher and the edges read SESAME_BUS from the Secret sesame-bus', () => {
    const objects = install('external-bus');
    expect(difference(defaults, objects)).toEqual({
      added: [],
      removed: NATS,
      changed: [CONFIG, ...CLIENTS].sort(),
    });
    expect(child(findObject(objects, 'ConfigMap', 'sesame-config'), 'data')).toEqual({
      SESAME_LOG_LEVEL: 'info',
    });
    for (const [workload, container] of [
      ['sesame-watcher', 'watcher'],
      ['sesame-edge', 'edge'],
    ] as const) {
      // The Secret comes last, so its SESAME_BUS wins over anything the ConfigMap may hold.
      expect(containerOf(podTemplateOf(objects, workload).spec, container)['envFrom']).toEqual([
        { configMapRef: { name: 'sesame-config' } },
        { secretRef: { name: 'sesame-bus' } },
      ]);
    }
  });
});

describe('components/bus-key', () => {
  it('mounts the Secret sesame-bus-key into the watcher and the edges and points SESAME_BUS_KEY_FILE into it', () => {
    const objects = install('bus-key');
    expect(difference(defaults, objects)).toEqual({ added: [], removed: [], changed: CLIENTS });
    for (const [workload, name] of [
      ['sesame-watcher', 'watcher'],
      ['sesame-edge', 'edge'],
    ] as const) {
      const { spec } = podTemplateOf(objects, workload);
      const container = containerOf(spec, name);
      const volume = list(spec, 'volumes').find(
        (v) => child(v, 'secret')?.['secretName'] === 'sesame-bus-key',
      );
      expect(volume).toEqual({
        name: 'bus-key',
        secret: { secretName: 'sesame-bus-key', defaultMode: 0o440 },
      });
      expect(list(container, 'volumeMounts')).toContainEqual({
        name: 'bus-key',
        mountPath: '/etc/sesame/bus-key',
        readOnly: true,
      });
      expect(literalEnv(container)['SESAME_BUS_KEY_FILE']).toBe('/etc/sesame/bus-key/key');
      // 0440 files are readable through the pod's fsGroup only.
      expect(child(spec, 'securityContext')?.['fsGroup']).toBe(65534);
    }
  });
});

describe('components/envoy-deployment', () => {
  it('turns the Envoy DaemonSet into a Deployment with a disruption budget', () => {
    const objects = install('envoy-deployment');
    expect(difference(defaults, objects)).toEqual({
      added: ['Deployment.apps projectsesame/envoy', 'PodDisruptionBudget.policy projectsesame/envoy'],
      removed: ['DaemonSet.apps projectsesame/envoy'],
      changed: [],
    });
    expect(child(findObject(objects, 'Deployment', 'envoy'), 'spec')).toMatchObject({
      replicas: 2,
      strategy: { type: 'RollingUpdate' },
    });
  });

  it('keeps the DaemonSet’s pod template, adding only the spread over nodes and zones', () => {
    const daemon = podTemplateOf(defaults, 'envoy');
    const deployment = podTemplateOf(install('envoy-deployment'), 'envoy');
    const { affinity, topologySpreadConstraints, ...rest } = deployment.spec;
    expect(rest).toEqual(daemon.spec);
    expect(deployment.metadata).toEqual(daemon.metadata);
    expect(isObject(affinity) && isObject(affinity['podAntiAffinity'])).toBe(true);
    expect(topologySpreadConstraints).toHaveLength(1);
  });
});
