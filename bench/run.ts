// `npm run bench -- <name> [args…]`: runs bench/<name>.ts, which prints its figures and writes them as JSON
// under bench/results/. Benchmarks measure; tests never time anything.
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const available = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.endsWith('.test.ts'))
  .map((f) => f.slice(0, -3))
  .sort();
const [name, ...args] = process.argv.slice(2);

if (name === undefined || name === '--help' || name === '-h') {
  console.log(`usage: npm run bench -- <name> [args…]\navailable: ${available.join(', ') || '(none yet)'}`);
  process.exit(name === undefined ? 2 : 0);
}
const file = new URL(`./${name}.ts`, import.meta.url);
if (!existsSync(file)) {
  console.error(`bench: no benchmark named "${name}" (available: ${available.join(', ') || 'none'})`);
  process.exit(2);
}
const bench = (await import(file.href)) as { main?: (args: string[]) => Promise<void> };
if (typeof bench.main !== 'function') {
  console.error(`bench: ${name}.ts does not export main(args)`);
  process.exit(2);
}
await bench.main(args);
