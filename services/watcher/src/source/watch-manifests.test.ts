import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@sesame/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { watchManifests, type ManifestWatch } from './watch-manifests.js';

/** Polls `check` every few ms until it holds or `ms` pass; says whether it held. */
async function within(ms: number, check: () => boolean): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return true;
}

describe('watchManifests', () => {
  let dir: string;
  let watch: ManifestWatch | undefined;
  let events = 0;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sesame-watch-'));
    events = 0;
    watch = watchManifests({ dir, logger: createLogger({ level: 'silent' }), onChange: () => events++ });
  });
  afterEach(async () => {
    watch?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Makes the change, and says whether an event followed it. */
  const seen = async (change: () => Promise<void>): Promise<boolean> => {
    const before = events;
    await change();
    return within(2_000, () => events > before);
  };
  /**
   * Writes `file` until a write is seen, then once more: the watch of a new folder begins a little after
   * the folder's own event (and announces itself with an event), so only the second write proves it.
   */
  const followed = async (file: string): Promise<boolean> => {
    const deadline = Date.now() + 10_000;
    let n = 0;
    while (!(await seen(() => writeFile(file, `n: ${n++}\n`)))) if (Date.now() > deadline) return false;
    return seen(() => writeFile(file, `n: ${n++}\n`));
  };

  it('follows writes in folders created, removed and created again after the watch began', async () => {
    await mkdir(join(dir, 'sub', 'deep'), { recursive: true });
    expect(await followed(join(dir, 'sub', 'deep', 'a.yaml'))).toBe(true);
    await rm(join(dir, 'sub'), { recursive: true });
    await mkdir(join(dir, 'sub'));
    expect(await followed(join(dir, 'sub', 'b.yaml'))).toBe(true);
  });

  it('sees a file renamed over another and a ConfigMap volume swapping its ..data link', async () => {
    await writeFile(join(dir, '.a.yaml.tmp'), 'n: 1\n');
    expect(await seen(() => rename(join(dir, '.a.yaml.tmp'), join(dir, 'a.yaml')))).toBe(true);
    await mkdir(join(dir, '..v1'));
    await writeFile(join(dir, '..v1', 'x.yaml'), 'n: 1\n');
    expect(await seen(() => symlink('..v1', join(dir, '..data')))).toBe(true);
    await mkdir(join(dir, '..v2'));
    await writeFile(join(dir, '..v2', 'x.yaml'), 'n: 2\n');
    await symlink('..v2', join(dir, '..data.tmp'));
    expect(await seen(() => rename(join(dir, '..data.tmp'), join(dir, '..data')))).toBe(true);
  });
});
