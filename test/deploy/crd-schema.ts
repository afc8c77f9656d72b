// Validates custom resources against a CRD's openAPIV3Schema the way the API server does with kubectl's
// default strict field validation: unknown fields are errors (unless x-kubernetes-preserve-unknown-fields),
// null counts as absent for non-nullable fields, and every value keyword the CRDs use is checked (type,
// required, enum, minimum/maximum, minLength/maxLength, pattern, format, minItems/maxItems,
// minProperties/maxProperties, list types, allOf/anyOf/oneOf/not).
import { isDeepStrictEqual } from 'node:util';
import { isObject, type JsonObject } from './manifests.js';

/** One node of an OpenAPI v3 schema. */
export type SchemaNode = JsonObject;

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const INT32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };

function typeOk(value: unknown, type: unknown): boolean {
  switch (type) {
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    default:
      return true;
  }
}

function schemaOf(node: SchemaNode, key: string): SchemaNode | undefined {
  const value = node[key];
  return isObject(value) ? value : undefined;
}

function numberOf(node: SchemaNode, key: string): number | undefined {
  const value = node[key];
  return typeof value === 'number' ? value : undefined;
}

function checkString(value: string, node: SchemaNode, path: string, errors: string[]): void {
  const length = [...value].length;
  const minLength = numberOf(node, 'minLength');
  const maxLength = numberOf(node, 'maxLength');
  if (minLength !== undefined && length < minLength) errors.push(`${path}: shorter than ${minLength}`);
  if (maxLength !== undefined && length > maxLength) errors.push(`${path}: longer than ${maxLength}`);
  if (typeof node['pattern'] === 'string' && !new RegExp(node['pattern'], 'u').test(value)) {
    errors.push(`${path}: does not match ${node['pattern']}`);
  }
  if (node['format'] === 'date-time' && !RFC3339.test(value))
    errors.push(`${path}: not an RFC 3339 date-time`);
}

function checkNumber(value: number, node: SchemaNode, path: string, errors: string[]): void {
  const minimum = numberOf(node, 'minimum');
  const maximum = numberOf(node, 'maximum');
  const exclusiveMin = node['exclusiveMinimum'] === true;
  const exclusiveMax = node['exclusiveMaximum'] === true;
  if (minimum !== undefined && (exclusiveMin ? value <= minimum : value < minimum)) {
    errors.push(`${path}: must be ${exclusiveMin ? 'greater than' : 'at least'} ${minimum}`);
  }
  if (maximum !== undefined && (exclusiveMax ? value >= maximum : value > maximum)) {
    errors.push(`${path}: must be ${exclusiveMax ? 'less than' : 'at most'} ${maximum}`);
  }
  if (node['format'] === 'int32' && (value < INT32.min || value > INT32.max)) {
    errors.push(`${path}: out of the int32 range`);
  }
  const multipleOf = numberOf(node, 'multipleOf');
  if (multipleOf !== undefined && value % multipleOf !== 0)
    errors.push(`${path}: not a multiple of ${multipleOf}`);
}

function checkObject(
  value: JsonObject,
  node: SchemaNode,
  path: string,
  structural: boolean,
  errors: string[],
): void {
  const properties = schemaOf(node, 'properties') ?? {};
  const additional = schemaOf(node, 'additionalProperties');
  const preserve = node['x-kubernetes-preserve-unknown-fields'] === true;
  const present = Object.keys(value).filter((key) => value[key] !== null || isNullable(properties[key]));
  for (const key of present) {
    const propertySchema = properties[key];
    const childPath = `${path}.${key}`;
    if (isObject(propertySchema)) errors.push(...validateNode(value[key], propertySchema, childPath, true));
    else if (additional !== undefined) errors.push(...validateNode(value[key], additional, childPath, true));
    else if (structural && !preserve) errors.push(`${childPath}: unknown field`);
  }
  for (const key of Array.isArray(node['required']) ? node['required'] : []) {
    if (!present.includes(String(key))) errors.push(`${path}.${String(key)}: required`);
  }
  const minProperties = numberOf(node, 'minProperties');
  const maxProperties = numberOf(node, 'maxProperties');
  if (minProperties !== undefined && present.length < minProperties) {
    errors.push(`${path}: needs at least ${minProperties} field(s)`);
  }
  if (maxProperties !== undefined && present.length > maxProperties) {
    errors.push(`${path}: allows at most ${maxProperties} field(s)`);
  }
}

function isNullable(node: unknown): boolean {
  return isObject(node) && node['nullable'] === true;
}

function checkArray(value: readonly unknown[], node: SchemaNode, path: string, errors: string[]): void {
  const items = schemaOf(node, 'items');
  if (items !== undefined)
    value.forEach((item, i) => errors.push(...validateNode(item, items, `${path}[${i}]`, true)));
  const minItems = numberOf(node, 'minItems');
  const maxItems = numberOf(node, 'maxItems');
  if (minItems !== undefined && value.length < minItems)
    errors.push(`${path}: needs at least ${minItems} item(s)`);
  if (maxItems !== undefined && value.length > maxItems)
    errors.push(`${path}: allows at most ${maxItems} item(s)`);
  const listType = node['x-kubernetes-list-type'];
  const mapKeys = Array.isArray(node['x-kubernetes-list-map-keys']) ? node['x-kubernetes-list-map-keys'] : [];
  const identity = (item: unknown): unknown =>
    listType === 'map' && isObject(item) ? mapKeys.map((k) => item[String(k)]) : item;
  if (listType === 'set' || listType === 'map') {
    const seen: unknown[] = [];
    for (const item of value) {
      const id = identity(item);
      if (seen.some((s) => isDeepStrictEqual(s, id)))
        errors.push(`${path}: duplicate entry ${JSON.stringify(id)}`);
      seen.push(id);
    }
  }
}

function checkCombinators(value: unknown, node: SchemaNode, path: string, errors: string[]): void {
  const branches = (key: string): SchemaNode[] =>
    Array.isArray(node[key]) ? node[key].filter(isObject) : [];
  const passes = (branch: SchemaNode): boolean => validateNode(value, branch, path, false).length === 0;
  for (const branch of branches('allOf')) errors.push(...validateNode(value, branch, path, false));
  const anyOf = branches('anyOf');
  if (anyOf.length > 0 && !anyOf.some(passes)) errors.push(`${path}: matches none of anyOf`);
  const oneOf = branches('oneOf');
  if (oneOf.length > 0 && oneOf.filter(passes).length !== 1)
    errors.push(`${path}: must match exactly one of oneOf`);
  const not = schemaOf(node, 'not');
  if (not !== undefined && passes(not)) errors.push(`${path}: must not match the "not" schema`);
}

/**
 * The problems of `value` against `node`, each as "path: problem". `structural` is false inside
 * allOf/anyOf/oneOf/not, whose branches only add value checks to the node they sit in.
 */
export function validateNode(value: unknown, node: SchemaNode, path: string, structural = true): string[] {
  const errors: string[] = [];
  if (value === null) return isNullable(node) || !structural ? [] : [`${path}: must not be null`];
  if (node['x-kubernetes-int-or-string'] === true) {
    if (!Number.isInteger(value) && typeof value !== 'string')
      errors.push(`${path}: must be an integer or a string`);
  } else if (!typeOk(value, node['type'])) {
    return [`${path}: must be of type ${String(node['type'])}`];
  }
  if (Array.isArray(node['enum']) && !node['enum'].some((allowed) => isDeepStrictEqual(allowed, value))) {
    errors.push(`${path}: must be one of ${node['enum'].map((e) => JSON.stringify(e)).join(', ')}`);
  }
  if (typeof value === 'string') checkString(value, node, path, errors);
  else if (typeof value === 'number') checkNumber(value, node, path, errors);
  else if (Array.isArray(value)) checkArray(value, node, path, errors);
  else if (isObject(value)) checkObject(value, node, path, structural, errors);
  checkCombinators(value, node, path, errors);
  return errors;
}

/** The problems of a whole custom resource against its version's openAPIV3Schema. */
export function validateCustomResource(resource: unknown, schema: SchemaNode): string[] {
  // The API server validates ObjectMeta itself; the CRD schema may only say that metadata is an object.
  const serverMetadata = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  const properties = { ...schemaOf(schema, 'properties'), metadata: serverMetadata };
  return validateNode(resource, { ...schema, properties }, '');
}
