import { isAbsolute } from 'node:path';

/** One instruction of a Dockerfile, its continuation lines joined. */
export interface Instruction {
  readonly keyword: string;
  readonly args: string;
  readonly line: number;
}

/** A build stage: its base image, its name (`AS name`) and its instructions after FROM. */
export interface Stage {
  readonly from: string;
  readonly name: string | undefined;
  readonly instructions: readonly Instruction[];
}

/** Splits a Dockerfile into stages (comments dropped, `\` continuations joined). */
export function parseDockerfile(text: string): Stage[] {
  const instructions: Instruction[] = [];
  let pending: { text: string; line: number } | undefined;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (pending === undefined && (line === '' || line.startsWith('#'))) return;
    if (pending !== undefined && line.startsWith('#')) return;
    const continued = line.endsWith('\\');
    const body = continued ? line.slice(0, -1).trim() : line;
    pending =
      pending === undefined
        ? { text: body, line: index + 1 }
        : { ...pending, text: `${pending.text} ${body}` };
    if (continued) return;
    const match = /^(\S+)\s*(.*)$/.exec(pending.text);
    if (match !== null) {
      instructions.push({ keyword: match[1]!.toUpperCase(), args: match[2]!.trim(), line: pending.line });
    }
    pending = undefined;
  });
  const stages: Array<{ from: string; name: string | undefined; instructions: Instruction[] }> = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [from, as, name] = instruction.args.split(/\s+/);
      stages.push({
        from: from ?? '',
        name: as?.toUpperCase() === 'AS' ? name : undefined,
        instructions: [],
      });
    } else {
      const stage = stages.at(-1);
      if (stage === undefined)
        throw new Error(`line ${instruction.line}: ${instruction.keyword} before FROM`);
      stage.instructions.push(instruction);
    }
  }
  return stages;
}

/** A COPY: the stage it copies from (undefined: the build context), its sources and its destination. */
export interface Copy {
  readonly from: string | undefined;
  readonly sources: readonly string[];
  readonly dest: string;
}

/** Reads a COPY instruction, in shell or JSON form, with its `--from=` and other flags. */
export function parseCopy(instruction: Instruction): Copy {
  let words: string[];
  if (instruction.args.trimStart().startsWith('[')) {
    words = JSON.parse(instruction.args) as string[];
  } else {
    words = instruction.args.split(/\s+/);
  }
  let from: string | undefined;
  const paths: string[] = [];
  for (const word of words) {
    const flag = /^--([a-z-]+)=(.*)$/.exec(word);
    if (flag !== null) {
      if (flag[1] === 'from') from = flag[2];
      continue;
    }
    paths.push(word);
  }
  const dest = paths.pop();
  if (dest === undefined || paths.length === 0)
    throw new Error(`line ${instruction.line}: COPY needs a source`);
  return { from, sources: paths, dest };
}

/** The exec-form (JSON array) value of an instruction such as ENTRYPOINT, or undefined for shell form. */
export function execForm(instruction: Instruction | undefined): string[] | undefined {
  if (instruction === undefined || !instruction.args.startsWith('[')) return undefined;
  return JSON.parse(instruction.args) as string[];
}

/** Whether `path` (relative to the build context) is left out by these .dockerignore patterns. */
export function dockerIgnored(path: string, patterns: readonly string[]): boolean {
  if (isAbsolute(path)) throw new Error(`context paths are relative: ${path}`);
  const parts = path.split('/');
  // A pattern that matches a directory leaves out everything under it.
  const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const raw of patterns) {
    const pattern = raw.trim();
    if (pattern === '' || pattern.startsWith('#')) continue;
    const negated = pattern.startsWith('!');
    const regex = globToRegExp(negated ? pattern.slice(1) : pattern);
    if (prefixes.some((p) => regex.test(p))) ignored = !negated;
  }
  return ignored;
}

function globToRegExp(glob: string): RegExp {
  let out = '';
  const clean = glob.replace(/^\/+/, '').replace(/\/+$/, '');
  for (let i = 0; i < clean.length; i++) {
    const c = clean[i]!;
    if (c === '*' && clean[i + 1] === '*') {
      // `**/` matches any number of directories, none included.
      out += clean[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += clean[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}
