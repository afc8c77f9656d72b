import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createLogger } from '@sesame/shared';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { baseObjects, kubeObject } from '../../../../test/watcher/arbitraries.js';
import { compareDiagnostics, type Diagnostic, type KubeObject } from '../kube/object.js';
import { createTranslator, type Translator } from '../translate-incremental.js';
import { createFolderSource } from './folder-source.js';
import { loadManifests } from './load-manifests.js';
import type { ObjectSource } from './object-source.js';

const FILES = ['a.yaml', 'b.yaml', 'c.json', 'sub/d.yaml', 'sub/deep/e.yml', '.hidden.yaml'] as const;
const GARBAGE = [
  'kind: [this is not closed\n',
  '- just\n- a list\n',
  '{"apiVersion": "v1", "kind": "Service", "metadata": {"name": ',
  'apiVersion: v1\nkind: Service\nmetadata:\n  name: one\n  name: two\n',
  'apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: sesame}\n',
  'apiVersion: v9\nkind: IngressClass\nmetadata: {name: sesame}\n',
  'kind: Service\nmetadata: {name: echo}\n',
] as const;

type Op =
  | { op: 'write'; file: string; objects: KubeObject[]; list: boolean }
  | { op: 'garbage'; file: string; text: string }
  | { op: 'renameOver'; file: string; objects: KubeObject[] }
  | { op: 'delete'; file: string }
  | { op: 'deleteSub' }
  | { op: 'deleteFolder' }
  | { op: 'link'; file: string; target: string }
  | { op: 'configMap'; objects: KubeObject[] };

const file = fc.constantFrom(...FILES);
// A small pool of objects, so that the same object often lands in two files or moves between them.
const pool = fc.sample(kubeObject, { numRuns: 12, seed: 7 }).concat(baseObjects.slice(0, 4));
const objects = fc.array(fc.constantFrom(...pool), { maxLength: 4 });
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({ op: fc.constant('write' as const), file, objects, list: fc.boolean() }),
    weight: 8,
  },
  {
    arbitrary: fc.record({ op: fc.constant('garbage' as const), file, text: fc.constantFrom(...GARBAGE) }),
    weight: 3,
  },
  { arbitrary: fc.record({ op: fc.constant('renameOver' as const), file, objects }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('delete' as const), file }), weight: 3 },
  { arbitrary: fc.constant({ op: 'deleteSub' as const }), weight: 1 },
  { arbitrary: fc.constant({ op: 'deleteFolder' as const }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('link' as const), file, target: file }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('configMap' as const), objects }), weight: 2 },
);

function render(path: string, items: readonly KubeObject[], list: boolean): string {
  const manifests = items.map((o) => o.manifest);
  if (path.endsWith('.json'))
    return JSON.stringify(
      manifests.length === 1 && !list ? manifests[0] : { apiVersion: 'v1', kind: 'List', items: manifests },
    );
  if (list) return stringify({ apiVersion: 'v1', kind: 'List', items: manifests });
  return manifests.map((m) => stringify(m)).join('---\n');
}

/** What the watcher would publish and report, compared in a form that ignores nothing that matters. */
function view(translator: Translator, sourceDiagnostics: readonly Diagnostic[]) {
  const translation = translator.current();
  return {
    resources: translation.resources.map((r) => `${r.typeUrl} ${r.name} ${r.version}`),
    diagnostics: [...sourceDiagnostics, ...translation.diagnostics].sort(compareDiagnostics),
    statuses: translation.statuses,
  };
}

/** Drives a source as the watcher does: a fresh translation on a full load, then its changes. */
function driver(source: ObjectSource) {
  let translator: Translator | undefined;
  let diagnostics: readonly Diagnostic[] = [];
  return {
    async step(): Promise<ReturnType<typeof view>> {
      if (translator === undefined) {
        const loaded = await source.load();
        translator = createTranslator();
        translator.apply({ upserts: loaded.objects });
        diagnostics = loaded.diagnostics;
      } else {
        const changes = await source.takeChanges!();
        translator.apply(changes);
        diagnostics = changes.diagnostics ?? diagnostics;
      }
      return view(translator, diagnostics);
    },
    failed(): void {
      translator = undefined;
    },
  };
}

describe('the folder source, incrementally', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'sesame-folder-prop-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('translates to exactly what a full load of the folder does, after any sequence of file operations', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
        const dir = join(root, `run-${run++}`);
        await mkdir(dir);
        const source = createFolderSource({ dir, logger: createLogger({ level: 'silent' }) });
        const incremental = driver(source);
        await incremental.step();
        for (const o of ops) {
          await perform(dir, o);
          const full = await loadManifests(dir).then(
            (loaded) => {
              const translator = createTranslator();
              translator.replaceAll(loaded.objects);
              return view(translator, loaded.diagnostics);
            },
            (err: unknown) => err as Error,
          );
          if (full instanceof Error) {
            await expect(incremental.step()).rejects.toThrow(/manifests folder/);
            incremental.failed();
            await mkdir(dir, { recursive: true });
            continue;
          }
          expect(await incremental.step(), JSON.stringify(o)).toEqual(full);
        }
        await rm(dir, { recursive: true, force: true });
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});

/** Performs `o`; one that cannot be done (a write through a link that loops or dangles) does nothing. */
async function perform(dir: string, o: Op): Promise<void> {
  await attempt(dir, o).catch((err: NodeJS.ErrnoException) => {
    if (!['ELOOP', 'ENOENT', 'ENOTDIR', 'EISDIR'].includes(err.code ?? '')) throw err;
  });
}

async function attempt(dir: string, o: Op): Promise<void> {
  const at = (path: string): string => join(dir, path);
  const ensure = async (path: string): Promise<void> => {
    await mkdir(dirname(at(path)), { recursive: true });
    await rm(at(path), { force: true, recursive: true });
  };
  switch (o.op) {
    case 'write':
      await mkdir(dirname(at(o.file)), { recursive: true });
      await writeFile(at(o.file), render(o.file, o.objects, o.list));
      return;
    case 'garbage':
      await mkdir(dirname(at(o.file)), { recursive: true });
      await writeFile(at(o.file), o.text);
      return;
    case 'renameOver':
      // How editors, kubectl cp and ConfigMap volumes write: a new file renamed over the old one.
      await mkdir(dirname(at(o.file)), { recursive: true });
      await writeFile(at(`${o.file}.tmp`), render(o.file, o.objects, false));
      await rename(at(`${o.file}.tmp`), at(o.file));
      return;
    case 'delete':
      await rm(at(o.file), { force: true });
      return;
    case 'deleteSub':
      await rm(at('sub'), { recursive: true, force: true });
      return;
    case 'deleteFolder':
      await rm(dir, { recursive: true, force: true });
      return;
    case 'link':
      await ensure(o.file);
      await symlink(at(o.target), at(o.file));
      return;
    case 'configMap': {
      // A ConfigMap volume: cm/x.yaml → ..data/x.yaml, ..data → ..<version>, swapped by a rename.
      const version = `..v${Date.now()}-${Math.random().toString(36).slice(2)}`;
      await mkdir(at(join('cm', version)), { recursive: true });
      await writeFile(at(join('cm', version, 'x.yaml')), render('x.yaml', o.objects, false));
      await symlink(version, at('cm/..data.tmp'));
      await rename(at('cm/..data.tmp'), at('cm/..data'));
      await symlink('..data/x.yaml', at('cm/x.yaml')).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      });
      return;
    }
  }
}
