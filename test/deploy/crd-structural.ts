// The rules the API server applies to an apiextensions.k8s.io/v1 CRD schema before accepting it ("structural
// schemas"): every node is typed, properties and additionalProperties exclude each other, value-validation
// branches (allOf/anyOf/oneOf/not) add no types or new fields, JSON Schema features the server rejects are
// absent, list-map keys are required, and every default and enum value fits its own schema.
import { validateNode, type SchemaNode } from './crd-schema.js';
import { isObject } from './manifests.js';

/** Keywords v1 CRDs may not use at all. */
const FORBIDDEN = [
  '$ref',
  '$schema',
  'id',
  'definitions',
  'dependencies',
  'patternProperties',
  'additionalItems',
];
/** Keywords a value-validation branch may not set: they would change the shape, not just constrain values. */
const NOT_IN_BRANCHES = ['type', 'description', 'default', 'nullable', 'additionalProperties', 'title'];
const COMBINATORS = ['allOf', 'anyOf', 'oneOf'];

function checkKeywords(node: SchemaNode, path: string, problems: string[]): void {
  for (const key of FORBIDDEN) if (key in node) problems.push(`${path}: ${key} is not allowed`);
  if (node['uniqueItems'] === true)
    problems.push(`${path}: uniqueItems: true is not allowed (use x-kubernetes-list-type: set)`);
  if (node['additionalProperties'] === false)
    problems.push(`${path}: additionalProperties: false is not allowed`);
  if (Array.isArray(node['items'])) problems.push(`${path}: items must be a single schema`);
  if (isObject(node['properties']) && isObject(node['additionalProperties'])) {
    problems.push(`${path}: properties and additionalProperties exclude each other`);
  }
}

function checkValues(node: SchemaNode, path: string, problems: string[]): void {
  if ('default' in node) {
    for (const p of validateNode(node['default'], node, `${path}(default)`))
      problems.push(`default does not fit: ${p}`);
  }
  for (const value of Array.isArray(node['enum']) ? node['enum'] : []) {
    const { enum: _enum, ...withoutEnum } = node;
    for (const p of validateNode(value, withoutEnum, `${path}(enum)`))
      problems.push(`enum value does not fit: ${p}`);
  }
}

function checkListType(node: SchemaNode, path: string, problems: string[]): void {
  const listType = node['x-kubernetes-list-type'];
  if (listType === undefined) return;
  if (node['type'] !== 'array') problems.push(`${path}: x-kubernetes-list-type on a non-array`);
  if (listType !== 'map') return;
  const items = isObject(node['items']) ? node['items'] : {};
  const properties = isObject(items['properties']) ? items['properties'] : {};
  const required = Array.isArray(items['required']) ? items['required'] : [];
  const keys = Array.isArray(node['x-kubernetes-list-map-keys']) ? node['x-kubernetes-list-map-keys'] : [];
  if (keys.length === 0) problems.push(`${path}: a map list needs x-kubernetes-list-map-keys`);
  for (const key of keys.map(String)) {
    const keySchema = properties[key];
    if (!isObject(keySchema)) problems.push(`${path}: list-map key ${key} is not a property of the items`);
    else if (!required.includes(key) && !('default' in keySchema)) {
      problems.push(`${path}: list-map key ${key} must be required or defaulted`);
    }
  }
}

/** Checks a value-validation branch: no shape keywords, and only fields the node itself declares. */
function checkBranch(branch: unknown, owner: SchemaNode, path: string, problems: string[]): void {
  if (!isObject(branch)) {
    problems.push(`${path}: must be a schema`);
    return;
  }
  for (const key of NOT_IN_BRANCHES) if (key in branch) problems.push(`${path}: ${key} is not allowed here`);
  for (const key of Object.keys(branch)) {
    if (key.startsWith('x-kubernetes-')) problems.push(`${path}: ${key} is not allowed here`);
  }
  const declared = isObject(owner['properties']) ? owner['properties'] : {};
  const properties = isObject(branch['properties']) ? branch['properties'] : {};
  for (const [name, sub] of Object.entries(properties)) {
    const ownerProperty = declared[name];
    if (!isObject(ownerProperty))
      problems.push(`${path}.properties.${name}: not declared by the node itself`);
    else checkBranch(sub, ownerProperty, `${path}.properties.${name}`, problems);
  }
  for (const key of COMBINATORS) {
    if (Array.isArray(branch[key]))
      branch[key].forEach((b, i) => checkBranch(b, owner, `${path}.${key}[${i}]`, problems));
  }
  if ('not' in branch) checkBranch(branch['not'], owner, `${path}.not`, problems);
}

function checkNode(node: unknown, path: string, problems: string[]): void {
  if (!isObject(node)) {
    problems.push(`${path}: must be a schema`);
    return;
  }
  const typeless =
    node['x-kubernetes-int-or-string'] === true || node['x-kubernetes-preserve-unknown-fields'] === true;
  if (typeof node['type'] !== 'string' && !typeless) problems.push(`${path}: type is required`);
  checkKeywords(node, path, problems);
  checkValues(node, path, problems);
  checkListType(node, path, problems);
  for (const key of COMBINATORS) {
    if (Array.isArray(node[key]))
      node[key].forEach((b, i) => checkBranch(b, node, `${path}.${key}[${i}]`, problems));
  }
  if ('not' in node) checkBranch(node['not'], node, `${path}.not`, problems);
  if (isObject(node['properties'])) {
    for (const [name, sub] of Object.entries(node['properties'])) checkNode(sub, `${path}.${name}`, problems);
  }
  if (isObject(node['additionalProperties'])) checkNode(node['additionalProperties'], `${path}.*`, problems);
  if (isObject(node['items'])) checkNode(node['items'], `${path}[]`, problems);
}

/** The reasons the API server would reject `schema` as a CRD version's openAPIV3Schema; empty when it is fine. */
export function structuralProblems(schema: unknown): string[] {
  const problems: string[] = [];
  checkNode(schema, '', problems);
  if (!isObject(schema) || schema['type'] !== 'object') problems.push('the root must be of type object');
  const properties = isObject(schema) && isObject(schema['properties']) ? schema['properties'] : {};
  const metadata = properties['metadata'];
  if (isObject(metadata)) {
    const extra = Object.keys(metadata).filter((k) => k !== 'type' && k !== 'description');
    if (metadata['type'] !== 'object' || extra.length > 0)
      problems.push('metadata may only be {type: object}');
  }
  for (const key of ['apiVersion', 'kind']) {
    const field = properties[key];
    if (isObject(field) && field['type'] !== 'string') problems.push(`${key} must be of type string`);
  }
  return problems;
}
