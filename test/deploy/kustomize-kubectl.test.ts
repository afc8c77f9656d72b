// Checks the TypeScript renderer against the real kustomize (`kubectl kustomize`) on the renderer's fixture, on
// every component combination of deploy/ and on the echo example: same objects, same fields, same list order.
// Skipped where kubectl is not installed; the other deploy tests need only the TypeScript renderer.
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { COMBINATIONS, comboName, DEPLOY_DIR, ECHO_DIR } from './deploy-fixtures.js';
import { FIXTURE_ROOTS, writeKustomizeFixture } from './kustomize-fixture.js';
import { renderKustomization } from './kustomize.js';
import { objectKey, parseManifests, type KubeObject } from './manifests.js';

const run = promisify(execFile);

async function kubectlAvailable(): Promise<boolean> {
  try {
    await run('kubectl', ['version', '--client'], { timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

const hasKubectl = await kubectlAvailable();
if (!hasKubectl) console.log('kubectl not found: skipping the comparison with kubectl kustomize');

async function kubectlKustomize(dir: string): Promise<KubeObject[]> {
  const { stdout } = await run('kubectl', ['kustomize', dir], {
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return parseManifests(stdout, `kubectl kustomize ${dir}`);
}

function byKey(objects: readonly KubeObject[]): Map<string, KubeObject> {
  return new Map(objects.map((o) => [objectKey(o), o]));
}

async function expectSameRendering(dir: string): Promise<void> {
  const [ours, theirs] = await Promise.all([renderKustomization(dir), kubectlKustomize(dir)]);
  expect(byKey(ours)).toEqual(byKey(theirs));
  expect(ours).toHaveLength(theirs.length);
}

describe.skipIf(!hasKubectl)('the renderer agrees with kubectl kustomize', () => {
  let tmp = '';

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'sesame-kubectl-'));
    await writeKustomizeFixture(join(tmp, 'fixture'));
  });

  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it.each(FIXTURE_ROOTS)('on the renderer fixture %s', async (fixtureRoot) => {
    await expectSameRendering(join(tmp, 'fixture', fixtureRoot));
  });

  it('on examples/echo', async () => {
    await expectSameRendering(ECHO_DIR);
  });

  const cases = COMBINATIONS.map((components, i) => ({ name: comboName(components), components, i }));
  it.each(cases)('on deploy/ with $name', async ({ components, i }) => {
    // A copy of deploy/ whose kustomization.yaml lists the components, as a user enables them.
    const copy = join(tmp, `deploy-${i}`);
    await cp(DEPLOY_DIR, copy, { recursive: true });
    const file = join(copy, 'kustomization.yaml');
    const kustomization = parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    kustomization['components'] = components.map((c) => `components/${c}`);
    await writeFile(file, stringify(kustomization));
    await expectSameRendering(copy);
  });
});
