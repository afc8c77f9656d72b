import { extname, join } from 'node:path';
import { ErrorCode, SesameError } from '@sesame/shared';
import { isNode, LineCounter, parseAllDocuments, type Document } from 'yaml';
import type { Diagnostic, KubeObject } from '../kube/object.js';
import { jsonErrorOffset } from './json-error.js';
import { isFields } from '../kube/read.js';
import { isMissing, manifestFiles, NODE_FS, VanishedError, type ManifestFs } from './manifest-files.js';

/** What a source read: the objects, and the problems that kept others out. */
export interface LoadedObjects {
  readonly objects: KubeObject[];
  readonly diagnostics: Diagnostic[];
}

/** How many passes over a folder whose files keep vanishing under the read before the load gives up. */
export const MAX_LOAD_ATTEMPTS = 5;

/**
 * Reads every `*.yaml`, `*.yml` and `*.json` file under `dir` (recursively, in sorted order, skipping
 * dot-files and dot-folders such as a ConfigMap volume's `..data` copies). YAML files may hold many
 * documents; `kind: List` objects are unpacked. Each object remembers its file and line. A file that does
 * not parse is reported and skipped; only a missing or unreadable `dir` rejects, or one whose files keep
 * vanishing between its listing and their reads for MAX_LOAD_ATTEMPTS passes.
 */
export async function loadManifests(dir: string, options: { fs?: ManifestFs } = {}): Promise<LoadedObjects> {
  const fs = options.fs ?? NODE_FS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await loadOnce(dir, fs);
    } catch (err) {
      if (!(err instanceof VanishedError)) throw err;
      // A file listed but gone when read was deleted, or is being replaced (removed, then written again).
      // Publishing without it would drop live objects for a while, so list and read the whole folder again:
      // a deleted file is then absent from the listing, a replaced one is read in its new version.
      if (attempt >= MAX_LOAD_ATTEMPTS) {
        const message = `manifests folder ${dir}: files kept vanishing while it was read (${err.message})`;
        throw new SesameError(ErrorCode.ManifestInvalid, message, { cause: err });
      }
    }
  }
}

async function loadOnce(dir: string, fs: ManifestFs): Promise<LoadedObjects> {
  const files = await manifestFiles(dir, fs);
  const objects: KubeObject[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const relative of files) {
    const file = join(dir, relative);
    let text: string;
    try {
      text = await fs.readFile(file);
    } catch (err) {
      if (isMissing(err)) throw new VanishedError(file);
      diagnostics.push(fileProblem(file, 0, `cannot read file: ${(err as Error).message}`));
      continue;
    }
    const parsed = extname(file).toLowerCase() === '.json' ? parseJson(file, text) : parseYaml(file, text);
    objects.push(...parsed.objects);
    diagnostics.push(...parsed.diagnostics);
  }
  return { objects, diagnostics };
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
