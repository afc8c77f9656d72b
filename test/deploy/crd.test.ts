// The CRDs as shipped in deploy/: generated from their source, named and printed as Contour's, and their schemas
// accept Contour-style objects and reject malformed ones.
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { basicProxy, delegation, httpProxy, VALID_PROXIES } from './crd-fixtures.js';
import { validateCustomResource, type SchemaNode } from './crd-schema.js';
import { CRD_FILES } from './crd/crds.js';
import { DEPLOY_DIR, renderInstall } from './deploy-fixtures.js';
import { child, findObject, isObject, list, parseYamlDocuments, type KubeObject } from './manifests.js';

/** The only version of a rendered CRD. */
function versionOf(crd: KubeObject): Record<string, unknown> {
  const versions = list(crd['spec'], 'versions');
  expect(versions).toHaveLength(1);
  const [version] = versions;
  if (!isObject(version)) throw new Error('no version');
  return version;
}

function schemaOf(crd: KubeObject): SchemaNode {
  const schema = child(child(versionOf(crd), 'schema'), 'openAPIV3Schema');
  if (schema === undefined) throw new Error('no schema');
  return schema;
}

/** A copy of `value` with `path` set to `replacement` (removed when undefined). */
function withField(
  value: Record<string, unknown>,
  path: readonly (string | number)[],
  replacement: unknown,
): unknown {
  const copy = structuredClone(value);
  let node: unknown = copy;
  for (const key of path.slice(0, -1)) node = (node as Record<string | number, unknown>)[key];
  const last = path[path.length - 1] ?? '';
  if (replacement === undefined) delete (node as Record<string | number, unknown>)[last];
  else (node as Record<string | number, unknown>)[last] = replacement;
  return copy;
}

let httpProxyCrd: KubeObject;
let delegationCrd: KubeObject;
beforeAll(async () => {
  const objects = await renderInstall();
  httpProxyCrd = findObject(objects, 'CustomResourceDefinition', 'httpproxies.projectsesame.io');
  delegationCrd = findObject(
    objects,
    'CustomResourceDefinition',
    'tlscertificatedelegations.projectsesame.io',
  );
});

describe('the CRD files', () => {
  it.each(CRD_FILES)(
    '$file matches its source in test/deploy/crd (run write-crds.ts after editing it)',
    async ({ file, crd }) => {
      const text = await readFile(`${DEPLOY_DIR}/${file}`, 'utf8');
      expect(text.startsWith('# Generated from test/deploy/crd/')).toBe(true);
      expect(parseYamlDocuments(text, file)).toEqual([JSON.parse(JSON.stringify(crd))]);
    },
  );
});

describe('HTTPProxy CRD', () => {
  it('is Contour’s HTTPProxy under projectsesame.io', () => {
    expect(httpProxyCrd['spec']).toMatchObject({
      group: 'projectsesame.io',
      scope: 'Namespaced',
      names: {
        kind: 'HTTPProxy',
        plural: 'httpproxies',
        singular: 'httpproxy',
        shortNames: ['proxy', 'proxies'],
      },
    });
    expect(versionOf(httpProxyCrd)).toMatchObject({
      name: 'v1',
      served: true,
      storage: true,
      subresources: { status: {} },
    });
  });

  it('prints FQDN, TLS Secret, Status and Status Description', () => {
    const columns = list(versionOf(httpProxyCrd), 'additionalPrinterColumns');
    expect(columns.map((c) => (isObject(c) ? [c['name'], c['jsonPath']] : c))).toEqual([
      ['FQDN', '.spec.virtualhost.fqdn'],
      ['TLS Secret', '.spec.virtualhost.tls.secretName'],
      ['Status', '.status.currentStatus'],
      ['Status Description', '.status.description'],
    ]);
    // Each column points at a string field of the schema.
    for (const column of columns.filter(isObject)) {
      let node: SchemaNode | undefined = schemaOf(httpProxyCrd);
      for (const key of String(column['jsonPath']).split('.').slice(1))
        node = child(child(node, 'properties'), key);
      expect(node?.['type'], String(column['jsonPath'])).toBe('string');
    }
  });

  it.each(Object.entries(VALID_PROXIES))('accepts %s', (_name, proxy) => {
    expect(validateCustomResource(proxy, schemaOf(httpProxyCrd))).toEqual([]);
  });

  const route = ['spec', 'routes', 0];
  const svc = [...route, 'services', 0];
  it.each([
    [
      'a port given as a string',
      [...svc, 'port'],
      '80',
      '.spec.routes[0].services[0].port: must be of type integer',
    ],
    [
      'a port out of range',
      [...svc, 'port'],
      70000,
      '.spec.routes[0].services[0].port: must be at most 65535',
    ],
    ['port 0', [...svc, 'port'], 0, '.spec.routes[0].services[0].port: must be at least 1'],
    ['a negative weight', [...svc, 'weight'], -1, '.spec.routes[0].services[0].weight: must be at least 0'],
    ['a service without a name', [...svc, 'name'], undefined, '.spec.routes[0].services[0].name: required'],
    ['a service without a port', [...svc, 'port'], undefined, '.spec.routes[0].services[0].port: required'],
    [
      'an unknown upstream protocol',
      [...svc, 'protocol'],
      'http3',
      '.spec.routes[0].services[0].protocol: must be one of',
    ],
    [
      'an unknown load-balancing strategy',
      [...route, 'loadBalancerPolicy'],
      { strategy: 'LeastConnections' },
      '.spec.routes[0].loadBalancerPolicy.strategy: must be one of "RoundRobin", "WeightedLeastRequest", "Random", "Cookie", "RequestHash"',
    ],
    [
      'routes that are not a list',
      ['spec', 'routes'],
      { prefix: '/' },
      '.spec.routes: must be of type array',
    ],
    [
      'a boolean given as a string',
      [...route, 'enableWebsockets'],
      'yes',
      '.spec.routes[0].enableWebsockets: must be of type boolean',
    ],
    ['a virtual host without fqdn', ['spec', 'virtualhost'], {}, '.spec.virtualhost.fqdn: required'],
    [
      'an upper-case fqdn',
      ['spec', 'virtualhost', 'fqdn'],
      'App.Example.com',
      '.spec.virtualhost.fqdn: does not match',
    ],
    [
      'a misspelled field',
      ['spec', 'virtualhost', 'tls'],
      { secret: 'x' },
      '.spec.virtualhost.tls.secret: unknown field',
    ],
    [
      'a header condition without a name',
      [...route, 'conditions', 1],
      { header: { exact: 'x' } },
      '.spec.routes[0].conditions[1].header.name: required',
    ],
    [
      'an include without a name',
      ['spec', 'includes'],
      [{ namespace: 'x' }],
      '.spec.includes[0].name: required',
    ],
    [
      'an unknown retry condition',
      [...route, 'retryPolicy'],
      { retryOn: ['sometimes'] },
      '.spec.routes[0].retryPolicy.retryOn[0]: must be one of',
    ],
    [
      'a retry count below -1',
      [...route, 'retryPolicy'],
      { count: -2 },
      '.spec.routes[0].retryPolicy.count: must be at least -1',
    ],
    [
      'a timeout in words',
      [...route, 'timeoutPolicy'],
      { response: '10 seconds' },
      '.spec.routes[0].timeoutPolicy.response: does not match',
    ],
    [
      'a health check without a path',
      [...route, 'healthCheckPolicy'],
      { intervalSeconds: 5 },
      '.spec.routes[0].healthCheckPolicy.path: required',
    ],
    [
      'a redirect with status 307',
      [...route, 'requestRedirectPolicy'],
      { statusCode: 307 },
      '.spec.routes[0].requestRedirectPolicy.statusCode: must be one of 301, 302',
    ],
    [
      'a direct response with status 700',
      [...route, 'directResponsePolicy'],
      { statusCode: 700 },
      '.spec.routes[0].directResponsePolicy.statusCode: must be at most 599',
    ],
    [
      'a local rate limit without a unit',
      [...route, 'rateLimitPolicy'],
      { local: { requests: 1 } },
      '.spec.routes[0].rateLimitPolicy.local.unit: required',
    ],
    [
      'an unknown IP filter source',
      ['spec', 'virtualhost', 'ipAllowPolicy'],
      [{ source: 'Client', cidr: '10.0.0.0/8' }],
      'ipAllowPolicy[0].source: must be one of',
    ],
    [
      'an empty header name to set',
      [...route, 'requestHeadersPolicy'],
      { set: [{ name: '', value: 'v' }] },
      'requestHeadersPolicy.set[0].name: shorter than 1',
    ],
    ['a missing spec', ['spec'], undefined, '.spec: required'],
  ])('rejects %s', (_name, path, value, problem) => {
    const problems = validateCustomResource(withField(basicProxy(), path, value), schemaOf(httpProxyCrd));
    expect(problems.join('\n')).toContain(problem);
  });

  it('rejects a status condition with an unknown status', () => {
    const proxy = VALID_PROXIES['status as the watcher writes it'] ?? {};
    const bad = withField(proxy, ['status', 'conditions', 0, 'status'], 'Yes');
    expect(validateCustomResource(bad, schemaOf(httpProxyCrd)).join()).toContain(
      '.status.conditions[0].status: must be one of',
    );
  });

  it('rejects two conditions of the same type', () => {
    const proxy = VALID_PROXIES['status as the watcher writes it'] ?? {};
    const conditions = list(proxy['status'], 'conditions');
    const bad = withField(proxy, ['status', 'conditions'], [...conditions, ...conditions]);
    expect(validateCustomResource(bad, schemaOf(httpProxyCrd)).join()).toContain('duplicate entry ["Valid"]');
  });

  it('accepts a proxy that only includes (no virtual host), as Contour’s delegated proxies do', () => {
    const child = httpProxy('child', { routes: [{ services: [{ name: 'blog', port: 80 }] }] });
    expect(validateCustomResource(child, schemaOf(httpProxyCrd))).toEqual([]);
  });
});

describe('TLSCertificateDelegation CRD', () => {
  it('is Contour’s TLSCertificateDelegation under projectsesame.io', () => {
    expect(delegationCrd['spec']).toMatchObject({
      group: 'projectsesame.io',
      scope: 'Namespaced',
      names: {
        kind: 'TLSCertificateDelegation',
        plural: 'tlscertificatedelegations',
        shortNames: ['tlscerts'],
      },
    });
    expect(versionOf(delegationCrd)).toMatchObject({
      name: 'v1',
      served: true,
      storage: true,
      subresources: { status: {} },
    });
  });

  it('accepts delegations to some namespaces or to all', () => {
    const ok = delegation({
      delegations: [
        { secretName: 'wildcard', targetNamespaces: ['team-a', 'team-b'] },
        { secretName: 'shared', targetNamespaces: ['*'] },
      ],
    });
    expect(validateCustomResource(ok, schemaOf(delegationCrd))).toEqual([]);
  });

  it.each([
    [{}, '.spec.delegations: required'],
    [{ delegations: [{ secretName: 'x' }] }, '.spec.delegations[0].targetNamespaces: required'],
    [{ delegations: [{ targetNamespaces: ['a'] }] }, '.spec.delegations[0].secretName: required'],
    [
      { delegations: [{ secretName: 'x', targetNamespaces: 'a' }] },
      '.spec.delegations[0].targetNamespaces: must be of type array',
    ],
  ])('rejects %j', (spec, problem) => {
    expect(validateCustomResource(delegation(spec), schemaOf(delegationCrd)).join('\n')).toContain(problem);
  });
});
