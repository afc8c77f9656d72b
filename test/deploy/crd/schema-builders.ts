// Small builders for OpenAPI v3 (structural) schema fragments, so each Contour type is written once and reused
// wherever the API embeds it, as controller-gen does from Go types.

/** One OpenAPI v3 schema node, as it appears in a CRD's `openAPIV3Schema`. */
export type Schema = { readonly [key: string]: unknown };

/** Extra keywords (pattern, enum, minimum, default, …) merged into a built node. */
type Extra = Schema;

/** A string field. */
export function str(description: string, extra: Extra = {}): Schema {
  return { description, type: 'string', ...extra };
}

/** A boolean field. */
export function bool(description: string, extra: Extra = {}): Schema {
  return { description, type: 'boolean', ...extra };
}

/** An integer field; `format` follows the Go type it mirrors (int32, int64, uint32 → int64). */
export function int(description: string, extra: Extra = {}, format: 'int32' | 'int64' = 'int64'): Schema {
  return { description, type: 'integer', format, ...extra };
}

/** An object with known properties; `required` lists the fields that must be present. */
export function obj(
  description: string,
  properties: Record<string, Schema>,
  required: readonly string[] = [],
  extra: Extra = {},
): Schema {
  return { description, type: 'object', properties, ...(required.length > 0 ? { required } : {}), ...extra };
}

/** A list of `items`. */
export function arr(description: string, items: Schema, extra: Extra = {}): Schema {
  return { description, type: 'array', items, ...extra };
}

/** A map of string to string (labels, auth context). */
export function stringMap(description: string): Schema {
  return { description, type: 'object', additionalProperties: { type: 'string' } };
}

/** A list of strings. */
export function strings(description: string, itemExtra: Extra = {}, extra: Extra = {}): Schema {
  return arr(description, { type: 'string', ...itemExtra }, extra);
}

/** The same fragment with another description (an embedded type documented where it is used). */
export function describe(schema: Schema, description: string): Schema {
  return { ...schema, description };
}
