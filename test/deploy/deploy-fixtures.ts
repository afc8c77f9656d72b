// What the deploy tests share: where the install and the examples are, the component combinations a user can
// choose, and accessors for the pods inside workloads.
import { fileURLToPath } from 'node:url';
import { renderKustomization } from './kustomize.js';
import { child, isObject, list, type JsonObject, type KubeObject } from './manifests.js';

/** The repository root. */
export const REPO_DIR = fileURLToPath(new URL('../../', import.meta.url));
/** The Kubernetes install (`kubectl apply -k deploy/`). */
export const DEPLOY_DIR = `${REPO_DIR}deploy`;
/** The echo example (`kubectl apply -k examples/echo`). */
export const ECHO_DIR = `${REPO_DIR}examples/echo`;
/** Every example manifest folder whose HTTPProxies must fit the CRD. */
export const EXAMPLES_DIR = `${REPO_DIR}examples`;

/** The optional parts of the install, under deploy/components/. */
export type Component = 'redis' | 'external-bus' | 'bus-key' | 'envoy-deployment';

/** The combinations the tests render: each component alone, and the widest valid mixes (redis and external-bus exclude each other). */
export const COMBINATIONS: readonly (readonly Component[])[] = [
  [],
  ['redis'],
  ['external-bus'],
  ['bus-key'],
  ['envoy-deployment'],
  ['redis', 'bus-key', 'envoy-deployment'],
  ['external-bus', 'bus-key', 'envoy-deployment'],
];

/** A readable name for a combination. */
export function comboName(components: readonly Component[]): string {
  return components.length === 0 ? 'default install' : components.join(' + ');
}

/** Renders deploy/ with `components` enabled, as if they were listed in deploy/kustomization.yaml. */
export function renderInstall(components: readonly Component[] = []): Promise<KubeObject[]> {
  return renderKustomization(DEPLOY_DIR, { components: components.map((c) => `components/${c}`) });
}

/** Workload kinds and where their pod template sits. */
const POD_TEMPLATE_PATHS: Readonly<Record<string, readonly string[]>> = {
  Deployment: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

/** A workload and its pod template. */
export interface PodTemplate {
  readonly owner: KubeObject;
  readonly metadata: JsonObject;
  readonly spec: JsonObject;
}

/** The pod templates of every workload in `objects`. */
export function podTemplates(objects: readonly KubeObject[]): PodTemplate[] {
  const templates: PodTemplate[] = [];
  for (const owner of objects) {
    const path = POD_TEMPLATE_PATHS[owner.kind];
    if (path === undefined) continue;
    let node: unknown = owner;
    for (const key of path) node = child(node, key);
    if (!isObject(node)) throw new Error(`${owner.kind} ${owner.metadata.name} has no pod template`);
    templates.push({ owner, metadata: child(node, 'metadata') ?? {}, spec: child(node, 'spec') ?? {} });
  }
  return templates;
}

/** The pod template of the workload named `name`. */
export function podTemplateOf(objects: readonly KubeObject[], name: string): PodTemplate {
  const found = podTemplates(objects).find((t) => t.owner.metadata.name === name);
  if (found === undefined) throw new Error(`no workload named ${name}`);
  return found;
}

/** Init containers then containers of a pod spec. */
export function allContainers(spec: JsonObject): JsonObject[] {
  return [...list(spec, 'initContainers'), ...list(spec, 'containers')].filter(isObject);
}

/** The container named `name` of a pod spec. */
export function containerOf(spec: JsonObject, name: string): JsonObject {
  const found = allContainers(spec).find((c) => c['name'] === name);
  if (found === undefined) throw new Error(`no container ${name}`);
  return found;
}

/** The literal environment of a container (`env` entries with a value), by name. */
export function literalEnv(container: JsonObject): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of list(container, 'env')) {
    if (isObject(entry) && typeof entry['value'] === 'string') env[String(entry['name'])] = entry['value'];
  }
  return env;
}
