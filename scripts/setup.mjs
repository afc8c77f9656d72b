// The set-up step behind `npm start` and `npm test`: installs dependencies when they are missing and
// builds what is stale, so both work on a fresh clone with nothing typed first.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });

if (!existsSync(`${root}/node_modules/.package-lock.json`)) {
  process.stderr.write('setup: installing dependencies (npm ci)\n');
  run(npm, ['ci', '--no-audit', '--no-fund']);
}
// Incremental: a no-op when dist is up to date.
run(process.execPath, [`${root}/node_modules/typescript/bin/tsc`, '-b']);
