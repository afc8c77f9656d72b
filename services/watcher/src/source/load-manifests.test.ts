import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '@sesame/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadManifests } from './load-manifests.js';

describe('loadManifests', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sesame-manifests-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const write = async (path: string, text: string): Promise<void> => {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), text);
  };
  const where = (objects: Awaited<ReturnType<typeof loadManifests>>['objects']) =>
    objects.map(
      (o) =>
        `${o.origin?.file.slice(dir.length + 1) ?? ''}:${o.origin?.line ?? 0} ${String(o.manifest['kind'])}`,
    );

  it('reads multi-document YAML, lists and JSON, recursively and in file order, with lines', async () => {
    await write(
      'b.yaml',
      [
        '# a comment',
        'apiVersion: v1',
        'kind: Service',
        'metadata: {name: a}',
        '---',
        '',
        '---',
        'apiVersion: v1',
        'kind: Secret',
        'metadata: {name: s}',
        '',
      ].join('\n'),
    );
    await write(
      'a/list.yml',
      [
        'apiVersion: v1',
        'kind: List',
        'items:',
        '  - apiVersion: v1',
        '    kind: Service',
        '    metadata: {name: x}',
        '  - apiVersion: v1',
        '    kind: Service',
        '    metadata: {name: y}',
        '',
      ].join('\n'),
    );
    await write(
      'c.json',
      JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'j' } }, null, 2),
    );
    await write('notes.txt', 'not a manifest');
    await write('.hidden.yaml', 'apiVersion: v1\nkind: Service\nmetadata: {name: hidden}\n');
    await write('..data/b.yaml', 'apiVersion: v1\nkind: Service\nmetadata: {name: copy}\n');
    const { objects, diagnostics } = await loadManifests(dir);
    expect(diagnostics).toEqual([]);
    expect(where(objects)).toEqual([
      'a/list.yml:4 Service',
      'a/list.yml:7 Service',
      'b.yaml:2 Service',
      'b.yaml:8 Secret',
      'c.json:1 Service',
    ]);
  });

  it('follows symbolic links to manifests', async () => {
    await write('real/svc.yaml', 'apiVersion: v1\nkind: Service\nmetadata: {name: a}\n');
    await symlink(join(dir, 'real/svc.yaml'), join(dir, 'link.yaml'));
    expect(where((await loadManifests(dir)).objects)).toEqual([
      'link.yaml:1 Service',
      'real/svc.yaml:1 Service',
    ]);
  });

  it('reports YAML and JSON errors by file and line and keeps everything else', async () => {
    await write(
      'bad.yaml',
      [
        'apiVersion: v1',
        'kind: Service',
        'metadata: {name: ok}',
        '---',
        'apiVersion: v1',
        'kind: Service',
        'metadata:',
        '  name: one',
        '  name: two',
        '---',
        'apiVersion: v1',
        'kind: Service',
        'metadata: {name: after}',
        '',
      ].join('\n'),
    );
    await write('bad.json', '{\n  "apiVersion": "v1",\n  "kind": \n}\n');
    await write('scalar.yaml', 'just a string\n');
    await write('good.yaml', 'apiVersion: v1\nkind: Service\nmetadata: {name: good}\n');
    const { objects, diagnostics } = await loadManifests(dir);
    expect(where(objects)).toEqual(['bad.yaml:1 Service', 'bad.yaml:11 Service', 'good.yaml:1 Service']);
    expect(diagnostics.map((d) => ({ ...d, file: d.file?.slice(dir.length + 1) }))).toEqual([
      {
        file: 'bad.json',
        line: 4,
        kind: '',
        namespace: '',
        name: '',
        reason: expect.stringMatching(/^invalid JSON: /) as string,
      },
      {
        file: 'bad.yaml',
        line: 9,
        kind: '',
        namespace: '',
        name: '',
        reason: expect.stringMatching(/^invalid YAML: /) as string,
      },
      {
        file: 'scalar.yaml',
        line: 1,
        kind: '',
        namespace: '',
        name: '',
        reason: 'document is not a mapping (a Kubernetes object)',
      },
    ]);
  });

  it('rejects a folder that does not exist, with a stable code', async () => {
    await expect(loadManifests(join(dir, 'absent'))).rejects.toMatchObject({
      code: ErrorCode.ManifestInvalid,
      message: expect.stringContaining('absent') as string,
    });
  });
});
