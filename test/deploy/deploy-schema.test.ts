// Every object of every install combination validates: built-in kinds against the Kubernetes OpenAPI schemas
// (kubernetes-models, plus unknown fields), the CRDs as CustomResourceDefinitions with structural schemas.
import { readdir, readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { structuralProblems } from './crd-structural.js';
import { COMBINATIONS, comboName, DEPLOY_DIR, renderInstall, type Component } from './deploy-fixtures.js';
import { isNamespaced } from './kustomize-transforms.js';
import { renderKustomization } from './kustomize.js';
import { builtinProblems, isKnownKind } from './kube-validate.js';
import {
  child,
  isObject,
  list,
  objectKey,
  objectsOfKind,
  parseYamlDocuments,
  type KubeObject,
} from './manifests.js';

const cases = COMBINATIONS.map((components) => ({ name: comboName(components), components }));

describe.each(cases)('$name', ({ components }: { components: readonly Component[] }) => {
  let objects: KubeObject[] = [];
  beforeAll(async () => {
    objects = await renderInstall(components);
  });

  it('validates every object against the Kubernetes OpenAPI schemas', () => {
    const problems = objects.flatMap((o) => builtinProblems(o).map((p) => `${objectKey(o)}: ${p}`));
    expect(problems).toEqual([]);
    expect(objects.filter((o) => !isKnownKind(o))).toEqual([]);
  });

  it('gives both CRDs structural schemas', () => {
    const crds = objectsOfKind(objects, 'CustomResourceDefinition');
    expect(crds.map((c) => c.metadata.name).sort()).toEqual([
      'httpproxies.projectsesame.io',
      'tlscertificatedelegations.projectsesame.io',
    ]);
    for (const crd of crds) {
      for (const version of list(crd['spec'], 'versions')) {
        const schema = child(child(version, 'schema'), 'openAPIV3Schema');
        expect(structuralProblems(schema), crd.metadata.name).toEqual([]);
      }
    }
  });

  it('puts every namespaced object in projectsesame', () => {
    const elsewhere = objects.filter((o) => isNamespaced(o.kind) && o.metadata.namespace !== 'projectsesame');
    expect(elsewhere.map(objectKey)).toEqual([]);
    expect(objectsOfKind(objects, 'Namespace').map((n) => n.metadata.name)).toEqual(['projectsesame']);
  });

  it('labels every object as part of sesame', () => {
    for (const o of objects)
      expect(o.metadata.labels?.['app.kubernetes.io/part-of'], objectKey(o)).toBe('sesame');
  });
});

describe('the deploy folder', () => {
  it('lists every manifest file in kustomization.yaml', async () => {
    const files = (await readdir(DEPLOY_DIR)).filter(
      (f) => f.endsWith('.yaml') && f !== 'kustomization.yaml',
    );
    const [kustomization] = parseYamlDocuments(
      await readFile(`${DEPLOY_DIR}/kustomization.yaml`, 'utf8'),
      'deploy',
    );
    expect(list(kustomization, 'resources').map(String).sort()).toEqual(files.sort());
  });

  it('tests every component (without-nats is only a building block of redis and external-bus)', async () => {
    const dirs = (await readdir(`${DEPLOY_DIR}/components`)).sort();
    const tested = new Set(COMBINATIONS.flat());
    expect(dirs).toEqual([...tested, 'without-nats'].sort());
  });

  it('refuses redis and external-bus together: both replace the bus', async () => {
    await expect(renderInstall(['redis', 'external-bus'])).rejects.toThrow(/sesame-nats/);
  });

  it('lets the namespace be changed in one place', async () => {
    const objects = await renderKustomization(DEPLOY_DIR, { namespace: 'ingress' });
    const namespaced = objects.filter((o) => isNamespaced(o.kind));
    expect(new Set(namespaced.map((o) => o.metadata.namespace))).toEqual(new Set(['ingress']));
    const subjects = objects
      .filter((o) => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding')
      .flatMap((o) => list(o, 'subjects'));
    expect(subjects.map((s) => (isObject(s) ? s['namespace'] : s))).toEqual(subjects.map(() => 'ingress'));
  });

  it('retags the Sesame image everywhere with one images entry', async () => {
    const objects = await renderKustomization(DEPLOY_DIR, {
      images: [
        { name: 'ghcr.io/projectsesame/sesame', newName: 'registry.example.com/sesame', newTag: 'v1.2.3' },
      ],
    });
    const text = JSON.stringify(objects);
    expect(text).not.toContain('ghcr.io/projectsesame/sesame');
    expect(text.match(/registry\.example\.com\/sesame:v1\.2\.3/g)?.length).toBe(5);
  });
});
