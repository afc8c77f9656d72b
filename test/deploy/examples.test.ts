// The examples fit the install: the echo app validates and is wired together, and every HTTPProxy and
// TLSCertificateDelegation anywhere under examples/ fits the CRDs of deploy/.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { validateCustomResource, type SchemaNode } from './crd-schema.js';
import { allContainers, ECHO_DIR, EXAMPLES_DIR, podTemplateOf, renderInstall } from './deploy-fixtures.js';
import { renderKustomization } from './kustomize.js';
import { builtinProblems } from './kube-validate.js';
import { child, findObject, isObject, list, objectKey, readManifests, type KubeObject } from './manifests.js';

let schemas = new Map<string, SchemaNode>();
beforeAll(async () => {
  const install = await renderInstall();
  schemas = new Map(
    install
      .filter((o) => o.kind === 'CustomResourceDefinition')
      .map((crd) => {
        const [version] = list(crd['spec'], 'versions');
        const names = child(crd['spec'], 'names');
        return [String(names?.['kind']), child(child(version, 'schema'), 'openAPIV3Schema') ?? {}];
      }),
  );
});

function customResourceProblems(o: KubeObject): string[] {
  const schema = schemas.get(o.kind);
  if (schema === undefined) return [`no CRD for ${o.kind}`];
  return validateCustomResource(o, schema);
}

describe('examples/echo', () => {
  let objects: KubeObject[] = [];
  beforeAll(async () => {
    objects = await renderKustomization(ECHO_DIR);
  });

  it('validates: built-in kinds against Kubernetes, the HTTPProxy against its CRD', () => {
    const problems = objects.flatMap((o) =>
      (o.apiVersion === 'projectsesame.io/v1' ? customResourceProblems(o) : builtinProblems(o)).map(
        (p) => `${objectKey(o)}: ${p}`,
      ),
    );
    expect(problems).toEqual([]);
    expect(objects.map(objectKey).sort()).toEqual([
      'Deployment.apps echo/echo',
      'HTTPProxy.projectsesame.io echo/echo',
      'Namespace /echo',
      'Service echo/echo',
    ]);
  });

  it('routes echo.example.com to a Service port that reaches the echo pods', () => {
    const spec = child(findObject(objects, 'HTTPProxy', 'echo'), 'spec') ?? {};
    expect(spec['virtualhost']).toEqual({ fqdn: 'echo.example.com' });
    expect(spec['ingressClassName']).toBe('sesame');
    const [route] = list(spec, 'routes');
    const [upstream] = list(route, 'services');
    const service = findObject(objects, 'Service', String(isObject(upstream) ? upstream['name'] : ''));
    const port = list(service['spec'], 'ports').find(
      (p) => isObject(p) && isObject(upstream) && p['port'] === upstream['port'],
    );
    expect(port).toMatchObject({ port: 80, targetPort: 'http' });
    const template = podTemplateOf(objects, 'echo');
    const labels = child(template.metadata, 'labels');
    for (const [k, v] of Object.entries(child(service['spec'], 'selector') ?? {}))
      expect(labels?.[k]).toBe(v);
    const ports = allContainers(template.spec).flatMap((c) => list(c, 'ports'));
    expect(ports).toContainEqual({ name: 'http', containerPort: 8080, protocol: 'TCP' });
  });

  it('runs the echo pods as hardened as the install', () => {
    const { spec } = podTemplateOf(objects, 'echo');
    expect(child(spec, 'securityContext')).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    for (const container of allContainers(spec)) {
      expect(child(container, 'securityContext')).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      });
    }
  });
});

async function yamlFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name) && e.name !== 'kustomization.yaml')
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

describe('every example under examples/', () => {
  it('fits the HTTPProxy and TLSCertificateDelegation CRDs', async () => {
    const found: string[] = [];
    const problems: string[] = [];
    for (const file of await yamlFiles(EXAMPLES_DIR)) {
      for (const o of await readManifests(file)) {
        if (o.apiVersion !== 'projectsesame.io/v1') continue;
        found.push(`${file}: ${o.kind} ${o.metadata.name}`);
        problems.push(...customResourceProblems(o).map((p) => `${file}: ${o.kind} ${o.metadata.name}${p}`));
      }
    }
    expect(problems).toEqual([]);
    expect(found.length).toBeGreaterThanOrEqual(2);
  });
});
