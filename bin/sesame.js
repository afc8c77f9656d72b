#!/usr/bin/env node
// The `sesame` command. Runs the compiled CLI; `npm ci` builds it (the root package's `prepare` script).
import { existsSync } from 'node:fs';

const entry = new URL('../cli/dist/index.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('sesame: not built yet; run `npm run build` in the Sesame repository\n');
  process.exit(1);
}
const { runCli } = await import(entry.href);
process.exitCode = await runCli(process.argv.slice(2));
