import { mkdir, mkdtemp, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '@sesame/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadManifests, MAX_LOAD_ATTEMPTS } from './load-manifests.js';
import { NODE_FS, type ManifestFs } from './manifest-files.js';

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

  describe('while files vanish between the listing and their reads', () => {
    const svc = (name: string): string => `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}}\n`;
    const names = (loaded: Awaited<ReturnType<typeof loadManifests>>): string[] =>
      loaded.objects.map((o) => (o.manifest['metadata'] as { name: string }).name);

    /** The real file system with hooks around listings and reads (file names relative to `dir`). */
    const hooked = (hooks: {
      list?: (entries: string[]) => string[];
      read?: (file: string, read: () => Promise<string>) => Promise<string>;
    }) => {
      let listings = 0;
      const fs: ManifestFs = {
        ...NODE_FS,
        readdir: async (d) => {
          listings++;
          const entries = await NODE_FS.readdir(d);
          return hooks.list?.(entries) ?? entries;
        },
        readFile: (path) =>
          hooks.read?.(path.slice(dir.length + 1), () => NODE_FS.readFile(path)) ?? NODE_FS.readFile(path),
      };
      return { fs, listings: () => listings };
    };

    it('reads a file that is being replaced when the loader reaches it in its new version', async () => {
      await write('a.yaml', svc('a'));
      await write('b.yaml', svc('b-old'));
      let replaced = false;
      // The writer removes b.yaml, the loader's read of it fails, then the writer puts the new version in place.
      const { fs, listings } = hooked({
        read: async (file, read) => {
          if (file !== 'b.yaml' || replaced) return read();
          replaced = true;
          await unlink(join(dir, 'b.yaml'));
          try {
            return await read();
          } finally {
            await writeFile(join(dir, 'b.yaml'), svc('b-new'));
          }
        },
      });
      const loaded = await loadManifests(dir, { fs });
      expect(names(loaded)).toEqual(['a', 'b-new']);
      expect(loaded.diagnostics).toEqual([]);
      expect(listings()).toBe(2);
    });

    it('leaves out, without a diagnostic, a file deleted after the listing', async () => {
      await write('a.yaml', svc('a'));
      await write('b.yaml', svc('b'));
      const { fs, listings } = hooked({
        read: async (file, read) => {
          if (file === 'a.yaml') await rm(join(dir, 'b.yaml'), { force: true });
          return read();
        },
      });
      const loaded = await loadManifests(dir, { fs });
      expect(names(loaded)).toEqual(['a']);
      expect(loaded.diagnostics).toEqual([]);
      expect(listings()).toBe(2);
    });

    it('gives up, with a stable code, when a listed name is gone on every pass', async () => {
      await write('a.yaml', svc('a'));
      const { fs, listings } = hooked({ list: (entries) => [...entries, 'ghost.yaml'] });
      await expect(loadManifests(dir, { fs })).rejects.toMatchObject({
        code: ErrorCode.ManifestInvalid,
        message: expect.stringContaining('ghost.yaml') as string,
      });
      expect(listings()).toBe(MAX_LOAD_ATTEMPTS);
    });

    it('skips a dangling link at once: it is there, it just is no manifest', async () => {
      await write('a.yaml', svc('a'));
      await symlink(join(dir, 'nowhere.yaml'), join(dir, 'dangling.yaml'));
      const { fs, listings } = hooked({});
      expect(names(await loadManifests(dir, { fs }))).toEqual(['a']);
      expect(listings()).toBe(1);
    });
  });
});
