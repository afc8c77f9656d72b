// Kubernetes objects as plain data: reading multi-document YAML, naming objects, and finding them again.
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';

/** A JSON object. */
export type JsonObject = Record<string, unknown>;

/** A Kubernetes object as read from YAML: typed only as far as every object agrees. */
export interface KubeObject extends JsonObject {
  apiVersion: string;
  kind: string;
  metadata: JsonObject & { name: string; namespace?: string; labels?: Record<string, string> };
}

/** Whether `value` is a plain JSON object (not an array, not null). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The object at `key` of `parent`, or undefined. */
export function child(parent: unknown, key: string): JsonObject | undefined {
  const value = isObject(parent) ? parent[key] : undefined;
  return isObject(value) ? value : undefined;
}

/** The list at `key` of `parent`, or an empty list. */
export function list(parent: unknown, key: string): unknown[] {
  const value = isObject(parent) ? parent[key] : undefined;
  return Array.isArray(value) ? value : [];
}

/** Parses every non-empty document of a YAML stream; `source` names it in errors. */
export function parseYamlDocuments(text: string, source: string): unknown[] {
  const values: unknown[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${source}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value: unknown = doc.toJS();
    if (value !== null && value !== undefined) values.push(value);
  }
  return values;
}

/** Checks that a parsed document looks like a Kubernetes object. */
export function asKubeObject(value: unknown, source: string): KubeObject {
  const metadata = child(value, 'metadata');
  if (
    !isObject(value) ||
    typeof value['apiVersion'] !== 'string' ||
    typeof value['kind'] !== 'string' ||
    typeof metadata?.['name'] !== 'string'
  ) {
    throw new Error(`${source}: not a Kubernetes object (apiVersion, kind and metadata.name are required)`);
  }
  return value as KubeObject;
}

/** Parses a YAML stream of Kubernetes objects. */
export function parseManifests(text: string, source: string): KubeObject[] {
  return parseYamlDocuments(text, source).map((value, i) =>
    asKubeObject(value, `${source} (document ${i + 1})`),
  );
}

/** Reads a YAML file of Kubernetes objects. */
export async function readManifests(path: string): Promise<KubeObject[]> {
  return parseManifests(await readFile(path, 'utf8'), path);
}

/** The API group of an apiVersion: '' for the core group. */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? '' : apiVersion.slice(0, slash);
}

/** A key unique to each object of a rendered install: kind (with group), namespace and name. */
export function objectKey(o: KubeObject): string {
  const group = groupOf(o.apiVersion);
  return `${o.kind}${group === '' ? '' : `.${group}`} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/** The one object of `kind` named `name`; fails the test if there is none. */
export function findObject(objects: readonly KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (found === undefined) throw new Error(`no ${kind} ${name} among ${objects.map(objectKey).join(', ')}`);
  return found;
}

/** Every object of `kind`. */
export function objectsOfKind(objects: readonly KubeObject[], kind: string): KubeObject[] {
  return objects.filter((o) => o.kind === kind);
}
