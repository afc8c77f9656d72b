import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@sesame/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTranslator } from '../translate-incremental.js';
import { RACY_WINDOW_MS } from './folder-cache.js';
import { createFolderSource } from './folder-source.js';
import { NODE_FS, type ManifestFs } from './manifest-files.js';

const logger = createLogger({ level: 'silent' });
const svc = (name: string, port = 80): string =>
  `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}}\nspec: {ports: [{port: ${port}}]}\n`;
/** A clock far enough ahead that every file written by the test counts as settled. */
const later = (): number => Date.now() + 10 * RACY_WINDOW_MS;

describe('createFolderSource', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sesame-folder-source-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** The real file system, counting reads by file name (relative to `dir`). */
  const counting = (
    hooks: { read?: (file: string, read: () => Promise<string>) => Promise<string> } = {},
  ) => {
    const reads: string[] = [];
    let listings = 0;
    const fs: ManifestFs = {
      ...NODE_FS,
      readdir: (d) => {
        listings++;
        return NODE_FS.readdir(d);
      },
      readFile: (path) => {
        const file = path.slice(dir.length + 1);
        reads.push(file);
        return hooks.read?.(file, () => NODE_FS.readFile(path)) ?? NODE_FS.readFile(path);
      },
    };
    return { fs, reads, listings: () => listings };
  };
  const names = (objects: readonly { manifest: Readonly<Record<string, unknown>> }[] = []): string[] =>
    objects.map((o) => (o.manifest['metadata'] as { name: string }).name).sort();

  it('reads only the file that changed among 1,000, and hands over only its object', async () => {
    for (let i = 0; i < 1000; i++) await writeFile(join(dir, `svc-${i}.yaml`), svc(`svc-${i}`));
    const { fs, reads } = counting();
    const source = createFolderSource({ dir, logger, fs, now: later });
    expect((await source.load()).objects).toHaveLength(1000);
    expect(reads).toHaveLength(1000);

    reads.length = 0;
    expect(await source.takeChanges?.()).toEqual({ upserts: [], deletes: [], diagnostics: [] });
    expect(reads).toEqual([]);

    await writeFile(join(dir, 'svc-500.yaml'), svc('svc-500', 8080));
    const changes = await source.takeChanges?.();
    expect(reads).toEqual(['svc-500.yaml']);
    expect(names(changes?.upserts)).toEqual(['svc-500']);
    expect(changes?.deletes).toEqual([{ kind: 'Service', namespace: 'default', name: 'svc-500' }]);
    expect(changes?.upserts?.[0]?.origin).toEqual({ file: join(dir, 'svc-500.yaml'), line: 1 });
  });

  it('reads a recently changed file on every pass: a same-size rewrite in one clock tick looks unchanged', async () => {
    await writeFile(join(dir, 'a.yaml'), svc('a', 80));
    // Every stat says the same: same inode, size and times, as for two writes in one tick.
    const frozen = await NODE_FS.stat(join(dir, 'a.yaml'));
    const { fs, reads } = counting();
    const settledClock = { now: Date.now() };
    const source = createFolderSource({
      dir,
      logger,
      fs: { ...fs, stat: async (path) => (path === dir ? NODE_FS.stat(path) : frozen) },
      now: () => settledClock.now,
    });
    await source.load();
    await writeFile(join(dir, 'a.yaml'), svc('a', 81));
    const changes = await source.takeChanges?.();
    expect(reads).toEqual(['a.yaml', 'a.yaml']);
    expect(JSON.stringify(changes?.upserts?.[0]?.manifest)).toContain('81');

    // Once a read comes long enough after the file's last change, the file is trusted and left unread.
    settledClock.now = later();
    await source.takeChanges?.();
    reads.length = 0;
    await writeFile(join(dir, 'a.yaml'), svc('a', 82));
    expect(await source.takeChanges?.()).toEqual({ upserts: [], deletes: [], diagnostics: [] });
    expect(reads).toEqual([]);
  });

  it('drops a decoding failure when the object becomes a kind that is accepted and ignored', async () => {
    const ingressClass = (apiVersion: string): string =>
      `apiVersion: ${apiVersion}\nkind: IngressClass\nmetadata: {name: sesame}\n`;
    await writeFile(join(dir, 'class.yaml'), ingressClass('v9'));
    const source = createFolderSource({ dir, logger });
    const translator = createTranslator();
    translator.apply({ upserts: (await source.load()).objects });
    expect(translator.current().diagnostics).toHaveLength(1);
    await writeFile(join(dir, 'class.yaml'), ingressClass('networking.k8s.io/v1'));
    translator.apply((await source.takeChanges?.()) ?? {});
    expect(translator.current().diagnostics).toEqual([]);
  });

  it('settles an object found in two files as a full load does, and lets go when one goes', async () => {
    await writeFile(join(dir, 'a.yaml'), svc('echo', 80));
    await writeFile(join(dir, 'b.yaml'), svc('echo', 81));
    const source = createFolderSource({ dir, logger });
    const loaded = await source.load();
    expect(loaded.objects.map((o) => o.origin?.file)).toEqual([join(dir, 'a.yaml')]);
    expect(loaded.diagnostics.map((d) => `${d.file ?? ''}: ${d.reason}`)).toEqual([
      `${join(dir, 'b.yaml')}: duplicate Service: the one at ${join(dir, 'a.yaml')}:1 is used`,
    ]);
    await unlink(join(dir, 'a.yaml'));
    const changes = await source.takeChanges?.();
    expect(changes?.upserts?.map((o) => o.origin?.file)).toEqual([join(dir, 'b.yaml')]);
    expect(changes?.diagnostics).toEqual([]);
  });

  it('lists and reads again when a changed file vanishes under the read (it is being replaced)', async () => {
    await writeFile(join(dir, 'a.yaml'), svc('a'));
    await writeFile(join(dir, 'b.yaml'), svc('b-old'));
    let replacing = false;
    // The writer removes b.yaml, the source's read of it fails, then the writer puts the new version in place.
    const { fs, listings } = counting({
      read: async (file, read) => {
        if (file !== 'b.yaml' || !replacing) return read();
        replacing = false;
        await unlink(join(dir, 'b.yaml'));
        try {
          return await read();
        } finally {
          await writeFile(join(dir, 'b.yaml'), svc('b-new'));
        }
      },
    });
    const source = createFolderSource({ dir, logger, fs });
    await source.load();
    replacing = true;
    await writeFile(join(dir, 'b.yaml'), svc('b-mid'));
    const before = listings();
    const changes = await source.takeChanges?.();
    expect(names(changes?.upserts)).toEqual(['b-new']);
    expect(changes?.diagnostics).toEqual([]);
    expect(listings() - before).toBe(2);
  });
});
