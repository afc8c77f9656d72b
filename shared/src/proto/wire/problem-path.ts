/** Where the checked encoder is in a message, and how it reports a problem there. */

/**
 * The path of the value being walked, kept as a stack (field names, list indexes, map keys) and turned into
 * text only when a problem is reported: building a path string per field costs more than the check.
 */
export const path: (string | number | { readonly key: string })[] = [];

/** The current path as text, e.g. `routes[0].match.prefix`. */
export function pathText(): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (typeof segment === 'string') text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment.key)}]`;
  }
  return text;
}

/** Records `problem` at the current path. */
export function report(problems: string[], problem: string): void {
  const text = pathText();
  problems.push(`${text === '' ? '(root)' : text}: ${problem}`);
}

/** True for `{…}` (not null, not a list, not bytes). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
  );
}
