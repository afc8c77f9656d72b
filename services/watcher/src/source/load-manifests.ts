import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join, sep } from 'node:path';
import { ErrorCode, SesameError } from '@sesame/shared';
import { isNode, LineCounter, parseAllDocuments, type Document } from 'yaml';
import { compareStrings } from '../util/order.js';
import type { Diagnostic, KubeObject } from '../kube/object.js';
import { jsonErrorOffset } from './json-error.js';
import { isFields } from '../kube/read.js';

/** What a source read: the objects, and the problems that kept others out. */
export interface LoadedObjects {
  readonly objects: KubeObject[];
  readonly diagnostics: Diagnostic[];
}

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/**
 * Reads every `*.yaml`, `*.yml` and `*.json` file under `dir` (recursively, in sorted order, skipping
 * dot-files and dot-folders such as a ConfigMap volume's `..data` copies). YAML files may hold many
 * documents; `kind: List` objects are unpacked. Each object remembers its file and line. A file that does
 * not parse is reported and skipped; only a missing or unreadable `dir` rejects.
 */
export async function loadManifests(dir: string): Promise<LoadedObjects> {
  const files = await manifestFiles(dir);
  const objects: KubeObject[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const relative of files) {
    const file = join(dir, relative);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      diagnostics.push(fileProblem(file, 0, `cannot read file: ${(err as Error).message}`));
      continue;
    }
    const parsed = extname(file).toLowerCase() === '.json' ? parseJson(file, text) : parseYaml(file, text);
    objects.push(...parsed.objects);
    diagnostics.push(...parsed.diagnostics);
  }
  return { objects, diagnostics };
}

async function manifestFiles(dir: string): Promise<string[]> {
  let entries: string[];
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error('not a directory');
    entries = await readdir(dir, { recursive: true });
  } catch (err) {
    throw new SesameError(ErrorCode.ManifestInvalid, `manifests folder ${dir}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const files: string[] = [];
  for (const entry of entries) {
    if (!MANIFEST_EXTENSIONS.has(extname(entry).toLowerCase())) continue;
    if (entry.split(sep).some((segment) => segment.startsWith('.'))) continue;
    // stat follows symbolic links, so a link to a manifest counts as a manifest.
    const isFile = await stat(join(dir, entry)).then(
      (s) => s.isFile(),
      () => false,
    );
    if (isFile) files.push(entry);
  }
  return files.sort(compareStrings);
}

function parseYaml(file: string, text: string): LoadedObjects {
  const lineCounter = new LineCounter();
  const objects: KubeObject[] = [];
  const diagnostics: Diagnostic[] = [];
  const parsed = parseAllDocuments(text, { lineCounter, merge: true });
  const documents: Document[] = Array.isArray(parsed) ? parsed : [];
  for (const doc of documents) {
    const start = doc.contents?.range?.[0] ?? doc.range?.[0] ?? 0;
    const line = lineCounter.linePos(start).line;
    const [error] = doc.errors;
    if (error !== undefined) {
      const at = error.linePos?.[0].line ?? line;
      diagnostics.push(fileProblem(file, at, `invalid YAML: ${firstLine(error.message)}`));
      continue;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      diagnostics.push(fileProblem(file, line, `invalid YAML: ${(err as Error).message}`));
      continue;
    }
    const itemLine = (i: number): number => {
      const node: unknown = doc.getIn(['items', i], true);
      const range = isNode(node) ? node.range : undefined;
      return range === undefined || range === null ? line : lineCounter.linePos(range[0]).line;
    };
    collect(value, { file, line, itemLine }, objects, diagnostics);
  }
  return { objects, diagnostics };
}

function parseJson(file: string, text: string): LoadedObjects {
  const objects: KubeObject[] = [];
  const diagnostics: Diagnostic[] = [];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const line = jsonErrorLine(text);
    diagnostics.push(fileProblem(file, line, `invalid JSON: ${message}`));
    return { objects, diagnostics };
  }
  collect(value, { file, line: 1, itemLine: () => 1 }, objects, diagnostics);
  return { objects, diagnostics };
}

/** Adds one parsed document: an object, a `List` of objects, or nothing for an empty document. */
function collect(
  value: unknown,
  at: { file: string; line: number; itemLine: (i: number) => number },
  objects: KubeObject[],
  diagnostics: Diagnostic[],
): void {
  if (value === null || value === undefined) return;
  if (!isFields(value)) {
    diagnostics.push(fileProblem(at.file, at.line, 'document is not a mapping (a Kubernetes object)'));
    return;
  }
  const kind = value['kind'];
  const items = value['items'];
  if (typeof kind === 'string' && kind.endsWith('List') && Array.isArray(items)) {
    items.forEach((item: unknown, i) => {
      const line = at.itemLine(i);
      if (isFields(item)) objects.push({ manifest: item, origin: { file: at.file, line } });
      else diagnostics.push(fileProblem(at.file, line, `items[${i}] of the ${kind} is not a mapping`));
    });
    return;
  }
  objects.push({ manifest: value, origin: { file: at.file, line: at.line } });
}

/** The line of a JSON syntax error: V8 names the position in some of its messages only. */
function jsonErrorLine(text: string): number {
  const offset = jsonErrorOffset(text) ?? 0;
  return text.slice(0, offset).split('\n').length;
}

function fileProblem(file: string, line: number, reason: string): Diagnostic {
  return { file, ...(line > 0 ? { line } : {}), kind: '', namespace: '', name: '', reason };
}

function firstLine(message: string): string {
  return message.split('\n', 1)[0] ?? message;
}
