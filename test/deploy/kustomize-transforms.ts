// kustomize's built-in transformers as deploy/ uses them: namespace, labels (metadata only) and images. Each
// mirrors what `kubectl kustomize` (kustomize v5) does to the same input; kustomize-kubectl.test.ts checks that.
import { isObject, type KubeObject } from './manifests.js';

/** Kinds that have no namespace: the namespace transformer leaves them alone. */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
  'IngressClass',
  'PriorityClass',
  'StorageClass',
  'PersistentVolume',
  'RuntimeClass',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'APIService',
]);

/** Whether objects of `kind` live in a namespace. */
export function isNamespaced(kind: string): boolean {
  return !CLUSTER_SCOPED.has(kind);
}

/**
 * `namespace:`: moves every namespaced object to `namespace`, renames Namespace objects to it, and points
 * RoleBinding subjects at the ServiceAccounts that moved (a subject without a namespace, or in `default`,
 * that names one of these ServiceAccounts or `default`).
 */
export function setNamespace(objects: readonly KubeObject[], namespace: string): void {
  const movedAccounts = new Set(
    objects
      .filter((o) => o.kind === 'ServiceAccount' && (o.metadata.namespace ?? 'default') === 'default')
      .map((o) => o.metadata.name),
  );
  for (const o of objects) {
    if (o.kind === 'Namespace') o.metadata.name = namespace;
    else if (isNamespaced(o.kind)) o.metadata.namespace = namespace;
    if (o.kind !== 'RoleBinding' && o.kind !== 'ClusterRoleBinding') continue;
    for (const subject of Array.isArray(o['subjects']) ? o['subjects'] : []) {
      if (!isObject(subject) || subject['kind'] !== 'ServiceAccount') continue;
      const name = String(subject['name']);
      const inDefault = (subject['namespace'] ?? 'default') === 'default';
      if (inDefault && (name === 'default' || movedAccounts.has(name))) subject['namespace'] = namespace;
    }
  }
}

/** One `labels:` entry. */
export interface LabelsEntry {
  readonly pairs: Readonly<Record<string, string>>;
  readonly includeSelectors?: boolean;
  readonly includeTemplates?: boolean;
}

/** `labels:` without selectors or templates: adds the pairs to every object's metadata.labels. */
export function addLabels(objects: readonly KubeObject[], entry: LabelsEntry): void {
  if (entry.includeSelectors === true || entry.includeTemplates === true) {
    throw new Error('labels: includeSelectors and includeTemplates are not supported by this renderer');
  }
  for (const o of objects) o.metadata.labels = { ...o.metadata.labels, ...entry.pairs };
}

/** One `images:` entry. */
export interface ImageEntry {
  readonly name: string;
  readonly newName?: string;
  readonly newTag?: string;
  readonly digest?: string;
}

/** Splits an image reference into its name and its `:tag` or `@digest` suffix (a registry port is not a tag). */
export function splitImage(image: string): { name: string; suffix: string } {
  const at = image.indexOf('@');
  if (at !== -1) return { name: image.slice(0, at), suffix: image.slice(at) };
  const colon = image.lastIndexOf(':');
  return colon > image.lastIndexOf('/')
    ? { name: image.slice(0, colon), suffix: image.slice(colon) }
    : { name: image, suffix: '' };
}

/** The image reference an `images:` entry turns `image` into (unchanged when the name does not match). */
export function retag(image: string, entry: ImageEntry): string {
  const { name, suffix } = splitImage(image);
  if (name !== entry.name) return image;
  const tagOrDigest =
    entry.digest !== undefined
      ? `@${entry.digest}`
      : entry.newTag !== undefined
        ? `:${entry.newTag}`
        : suffix;
  return `${entry.newName ?? name}${tagOrDigest}`;
}

const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers']);

function retagContainers(node: unknown, entry: ImageEntry): void {
  if (Array.isArray(node)) {
    for (const item of node) retagContainers(item, entry);
    return;
  }
  if (!isObject(node)) return;
  for (const [key, value] of Object.entries(node)) {
    if (CONTAINER_LISTS.has(key) && Array.isArray(value)) {
      for (const container of value) {
        if (isObject(container) && typeof container['image'] === 'string') {
          container['image'] = retag(container['image'], entry);
        }
      }
    }
    retagContainers(value, entry);
  }
}

/** `images:`: rewrites the image of every container, init container and ephemeral container, at any depth. */
export function setImages(objects: readonly KubeObject[], entry: ImageEntry): void {
  for (const o of objects) retagContainers(o, entry);
}
