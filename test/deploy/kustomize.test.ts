import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeKustomizeFixture } from './kustomize-fixture.js';
import { retag, splitImage } from './kustomize-transforms.js';
import { renderKustomization } from './kustomize.js';
import { findObject, type KubeObject } from './manifests.js';
import { strategicMerge } from './strategic-merge.js';

let root = '';

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sesame-kustomize-'));
  await writeKustomizeFixture(root);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('renderKustomization', () => {
  let objects: KubeObject[] = [];
  beforeAll(async () => {
    objects = await renderKustomization(join(root, 'top'));
  });

  it('merges lists by key with the patch items first, and replaces lists without a merge key', () => {
    const web = findObject(objects, 'Deployment', 'web') as unknown as {
      spec: {
        replicas: number;
        template: { spec: { containers: { env: unknown[]; envFrom: unknown[] }[] } };
      };
    };
    const [first] = web.spec.template.spec.containers;
    expect(first?.env).toEqual([
      { name: 'B', value: 'patched' },
      { name: 'C', value: '3' },
      { name: 'A', value: '1' },
    ]);
    expect(first?.envFrom).toEqual([{ secretRef: { name: 'sec' } }]);
    expect(web.spec.replicas).toBe(3);
  });

  it('adds and deletes objects through nested components', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ClusterRoleBinding/web',
      'ConfigMap/extra',
      'Deployment/web',
      'ServiceAccount/web',
    ]);
  });

  it('sets the namespace and moves the subjects of the ServiceAccounts that moved', () => {
    expect(findObject(objects, 'ConfigMap', 'extra').metadata.namespace).toBe('prod');
    expect(findObject(objects, 'ClusterRoleBinding', 'web').metadata.namespace).toBeUndefined();
    expect(findObject(objects, 'ClusterRoleBinding', 'web')['subjects']).toEqual([
      { kind: 'ServiceAccount', name: 'web', namespace: 'prod' },
      { kind: 'ServiceAccount', name: 'web', namespace: 'pinned' },
      { kind: 'ServiceAccount', name: 'stranger' },
    ]);
  });

  it('labels every object and retags containers and init containers', () => {
    for (const o of objects) expect(o.metadata.labels).toMatchObject({ team: 'a' });
    const text = JSON.stringify(findObject(objects, 'Deployment', 'web'));
    expect(text).toContain('"image":"mirror.local/web:2.0"');
    expect(text).not.toContain('registry.local');
  });

  it('renders the Namespace under the kustomization namespace', async () => {
    const base = await renderKustomization(join(root, 'base'), { namespace: 'elsewhere' });
    expect(findObject(base, 'Namespace', 'elsewhere')).toBeDefined();
  });

  it('refuses fields it does not implement and objects defined twice', async () => {
    await expect(renderKustomization(join(root, 'odd'))).rejects.toThrow(/unsupported fields replicas/);
    await expect(renderKustomization(join(root, 'dup'))).rejects.toThrow(/defined twice/);
  });

  it('fails a patch that matches nothing', async () => {
    const patch = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: nope}\ndata: {a: b}\n';
    await expect(renderKustomization(join(root, 'base'), { patches: [{ patch }] })).rejects.toThrow(
      /no unique object/,
    );
  });
});

describe('images', () => {
  it.each([
    ['nginx', { name: 'nginx', suffix: '' }],
    ['nginx:1.25', { name: 'nginx', suffix: ':1.25' }],
    ['host:5000/nginx', { name: 'host:5000/nginx', suffix: '' }],
    ['host:5000/nginx:1', { name: 'host:5000/nginx', suffix: ':1' }],
    ['nginx@sha256:abc', { name: 'nginx', suffix: '@sha256:abc' }],
  ])('splits %s', (image, expected) => {
    expect(splitImage(image)).toEqual(expected);
  });

  it('retags by exact name, keeping the tag unless told otherwise', () => {
    expect(retag('a/b:1', { name: 'a/b', newTag: '2' })).toBe('a/b:2');
    expect(retag('a/b:1', { name: 'a/b', newName: 'c/b' })).toBe('c/b:1');
    expect(retag('a/b:1', { name: 'a/b', digest: 'sha256:f' })).toBe('a/b@sha256:f');
    expect(retag('x/a/b:1', { name: 'a/b', newTag: '2' })).toBe('x/a/b:1');
  });
});

describe('strategicMerge', () => {
  it('removes keys set to null and honours $patch: replace', () => {
    expect(strategicMerge({ a: 1, b: { c: 1, d: 2 } }, { a: null, b: { $patch: 'replace', e: 3 } })).toEqual({
      b: { e: 3 },
    });
  });

  it('deletes list items marked $patch: delete', () => {
    const target = { volumes: [{ name: 'a' }, { name: 'b' }] };
    expect(strategicMerge(target, { volumes: [{ name: 'a', $patch: 'delete' }] })).toEqual({
      volumes: [{ name: 'b' }],
    });
  });
});
