// The validators the deploy tests rely on reject what the API server would reject.
import { describe, expect, it } from 'vitest';
import { validateCustomResource, validateNode } from './crd-schema.js';
import { structuralProblems } from './crd-structural.js';
import { builtinProblems } from './kube-validate.js';
import type { KubeObject } from './manifests.js';

function deployment(container: Record<string, unknown>, spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', ...container }] },
      },
      ...spec,
    },
  };
}

describe('builtinProblems', () => {
  it('accepts a valid object', () => {
    expect(
      builtinProblems(deployment({ image: 'web:1', securityContext: { readOnlyRootFilesystem: true } })),
    ).toEqual([]);
  });

  it('reports wrong types and missing required fields', () => {
    expect(builtinProblems(deployment({ image: 'web:1' }, { replicas: 'two' })).join()).toMatch(/replicas/);
    const noSelector = deployment({ image: 'web:1' });
    delete (noSelector['spec'] as Record<string, unknown>)['selector'];
    expect(builtinProblems(noSelector).join()).toMatch(/selector/);
  });

  it('reports unknown fields, however deep', () => {
    expect(
      builtinProblems(deployment({ image: 'web:1', securityContext: { readOnlyRootFileSystem: true } })),
    ).toEqual(['.spec.template.spec.containers[0].securityContext.readOnlyRootFileSystem: unknown field']);
    const crd: KubeObject = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'as.example.com' },
      spec: {
        group: 'example.com',
        names: { kind: 'A', plural: 'as' },
        scope: 'Namespaced',
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: 'object', items: { type: 'string', minimun: 1 } } },
          },
        ],
      },
    };
    expect(builtinProblems(crd)).toEqual([
      '.spec.versions[0].schema.openAPIV3Schema.items.minimun: unknown field',
    ]);
  });

  it('has no schema for kinds it does not know', () => {
    expect(builtinProblems({ apiVersion: 'example.com/v1', kind: 'Thing', metadata: { name: 'x' } })).toEqual(
      ['no schema for example.com/v1 Thing'],
    );
  });
});

const schema = {
  type: 'object',
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      required: ['name'],
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 5, pattern: '^[a-z]+$' },
        port: { type: 'integer', format: 'int32', minimum: 1, maximum: 65535 },
        mode: { type: 'string', enum: ['a', 'b'] },
        tags: { type: 'array', items: { type: 'string' }, minItems: 1, 'x-kubernetes-list-type': 'set' },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        either: { 'x-kubernetes-int-or-string': true },
        one: {
          type: 'object',
          maxProperties: 1,
          properties: { x: { type: 'string' }, y: { type: 'string' } },
        },
        at: { type: 'string', format: 'date-time' },
      },
    },
  },
};

describe('validateCustomResource', () => {
  const resource = (spec: Record<string, unknown>): unknown => ({
    apiVersion: 'example.com/v1',
    kind: 'Thing',
    metadata: { name: 'x', labels: { any: 'thing' } },
    spec,
  });

  it('accepts a valid resource, metadata included', () => {
    const spec = {
      name: 'abc',
      port: 80,
      mode: 'a',
      tags: ['t'],
      labels: { k: 'v' },
      free: { anything: [1] },
      either: 'x',
      one: { x: '1' },
      at: '2024-01-02T03:04:05Z',
    };
    expect(validateCustomResource(resource(spec), schema)).toEqual([]);
  });

  it.each([
    [{}, '.spec.name: required'],
    [{ name: null }, '.spec.name: required'],
    [{ name: 'abcdef' }, '.spec.name: longer than 5'],
    [{ name: 'AB' }, '.spec.name: does not match ^[a-z]+$'],
    [{ name: 'a', port: 0 }, '.spec.port: must be at least 1'],
    [{ name: 'a', port: 1.5 }, '.spec.port: must be of type integer'],
    [{ name: 'a', port: '80' }, '.spec.port: must be of type integer'],
    [{ name: 'a', mode: 'c' }, '.spec.mode: must be one of "a", "b"'],
    [{ name: 'a', tags: [] }, '.spec.tags: needs at least 1 item(s)'],
    [{ name: 'a', tags: ['t', 't'] }, '.spec.tags: duplicate entry "t"'],
    [{ name: 'a', labels: { k: 1 } }, '.spec.labels.k: must be of type string'],
    [{ name: 'a', either: true }, '.spec.either: must be an integer or a string'],
    [{ name: 'a', one: { x: '1', y: '2' } }, '.spec.one: allows at most 1 field(s)'],
    [{ name: 'a', at: 'yesterday' }, '.spec.at: not an RFC 3339 date-time'],
    [{ name: 'a', typo: 1 }, '.spec.typo: unknown field'],
  ])('rejects %j', (spec, problem) => {
    expect(validateCustomResource(resource(spec), schema)).toEqual([problem]);
  });

  it('applies oneOf and not as value checks', () => {
    const node = {
      type: 'object',
      properties: { a: { type: 'string' }, b: { type: 'string' } },
      oneOf: [{ required: ['a'] }, { required: ['b'] }],
    };
    expect(validateNode({ a: 'x' }, node, '')).toEqual([]);
    expect(validateNode({ a: 'x', b: 'y' }, node, '')).toEqual([': must match exactly one of oneOf']);
    expect(validateNode({ a: 'x' }, { ...node, oneOf: undefined, not: { required: ['a'] } }, '')).toEqual([
      ': must not match the "not" schema',
    ]);
  });
});

describe('structuralProblems', () => {
  it('accepts a structural schema', () => {
    expect(structuralProblems(schema)).toEqual([]);
  });

  it.each([
    [{ type: 'object', properties: { a: {} } }, '.a: type is required'],
    [
      { type: 'object', properties: { a: { type: 'array', items: { type: 'string' }, uniqueItems: true } } },
      'uniqueItems',
    ],
    [
      {
        type: 'object',
        properties: { a: { type: 'object', properties: {}, additionalProperties: { type: 'string' } } },
      },
      'exclude each other',
    ],
    [
      { type: 'object', properties: { a: { type: 'object', additionalProperties: false } } },
      'additionalProperties: false',
    ],
    [{ type: 'object', properties: { a: { $ref: '#/x', type: 'string' } } }, '$ref'],
    [{ type: 'object', properties: { a: { type: 'string', default: 5 } } }, 'default does not fit'],
    [{ type: 'object', properties: { a: { type: 'integer', enum: ['x'] } } }, 'enum value does not fit'],
    [
      { type: 'object', properties: { a: { type: 'string' } }, anyOf: [{ type: 'object' }] },
      'type is not allowed here',
    ],
    [
      { type: 'object', properties: { a: { type: 'string' } }, anyOf: [{ properties: { b: {} } }] },
      'not declared',
    ],
    [
      {
        type: 'object',
        properties: {
          a: {
            type: 'array',
            'x-kubernetes-list-type': 'map',
            'x-kubernetes-list-map-keys': ['k'],
            items: { type: 'object', properties: { k: { type: 'string' } } },
          },
        },
      },
      'must be required or defaulted',
    ],
    [
      { type: 'object', properties: { metadata: { type: 'object', properties: { x: { type: 'string' } } } } },
      'metadata',
    ],
    [{ type: 'string' }, 'the root must be of type object'],
  ])('rejects %j', (bad, problem) => {
    expect(structuralProblems(bad).join('\n')).toContain(problem);
  });
});
