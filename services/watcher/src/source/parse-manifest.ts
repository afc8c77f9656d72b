import { extname } from 'node:path';
import { isNode, LineCounter, parseAllDocuments, type Document } from 'yaml';
import type { Diagnostic, KubeObject } from '../kube/object.js';
import { isFields } from '../kube/read.js';
import { jsonErrorOffset } from './json-error.js';

/** What a source read: the objects, and the problems that kept others out. */
export interface LoadedObjects {
  readonly objects: KubeObject[];
  readonly diagnostics: Diagnostic[];
}

/**
 * Parses one manifest file: YAML (many documents) or JSON by its extension; `kind: List` objects are
 * unpacked. Each object remembers its file and line; what does not parse becomes a diagnostic.
 */
export function parseManifest(file: string, text: string): LoadedObjects {
  return extname(file).toLowerCase() === '.json' ? parseJson(file, text) : parseYaml(file, text);
}

/** A problem with a whole file (or a document in it) rather than with an object. */
export function fileProblem(file: string, line: number, reason: string): Diagnostic {
  return { file, ...(line > 0 ? { line } : {}), kind: '', namespace: '', name: '', reason };
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

function firstLine(message: string): string {
  return message.split('\n', 1)[0] ?? message;
}
