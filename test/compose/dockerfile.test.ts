import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { dockerIgnored, execForm, parseCopy, parseDockerfile, type Stage } from './dockerfile.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const stages = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
const rootPackage = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  workspaces: string[];
  bin: Record<string, string>;
};
const WORKSPACES = rootPackage.workspaces;

const build = stages[0]!;
const final = stages.at(-1)!;
const all = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);
const last = (stage: Stage, keyword: string) => all(stage, keyword).at(-1);

describe('Dockerfile', () => {
  it('builds in one stage and runs from a second, slim one, on the same Node.js', () => {
    expect(stages).toHaveLength(2);
    expect(build.name).toBe('build');
    expect(final.from).toBe(build.from);
    expect(final.from).toMatch(/^node:20[.\d]*-\S*slim$/);
    expect(
      all(final, 'COPY')
        .filter((i) => parseCopy(i).from !== undefined)
        .map((i) => parseCopy(i).from),
    ).toEqual(expect.arrayContaining(['build']));
  });

  it('runs `sesame` as an unprivileged user, in production mode', () => {
    const user = last(final, 'USER')?.args;
    expect(user).toBeDefined();
    expect(user?.split(':')[0]).not.toMatch(/^(0|root)$/);
    expect(all(final, 'ENV').map((i) => i.args)).toContain('NODE_ENV=production');
    const workdir = last(final, 'WORKDIR')?.args;
    expect(execForm(last(final, 'ENTRYPOINT'))).toEqual(['node', `${workdir}/${rootPackage.bin['sesame']}`]);
    expect(execForm(last(final, 'CMD'))).toEqual(['--help']);
  });

  it('copies only paths that exist and that .dockerignore lets through', () => {
    const sources = stages.flatMap((s) =>
      all(s, 'COPY')
        .map(parseCopy)
        .filter((c) => c.from === undefined)
        .flatMap((c) => c.sources),
    );
    expect(sources.length).toBeGreaterThan(5);
    for (const source of sources) {
      expect(existsSync(join(ROOT, source)), `${source} exists`).toBe(true);
      expect(dockerIgnored(source, ignore), `${source} is not ignored`).toBe(false);
    }
    // What the build must not receive: local installs and builds, which would shadow the image's own.
    for (const path of ['node_modules', 'shared/node_modules', 'cli/dist', 'services/watcher/dist', '.git']) {
      expect(dockerIgnored(path, ignore), `${path} is ignored`).toBe(true);
    }
  });

  it('installs and builds every workspace', () => {
    const copied = all(build, 'COPY').flatMap((i) => parseCopy(i).sources);
    const compile = all(build, 'RUN')
      .map((i) => i.args)
      .find((args) => args.includes('tsc -b'));
    for (const workspace of WORKSPACES) {
      expect(copied, `${workspace}/package.json before npm ci`).toContain(`${workspace}/package.json`);
      expect(copied, `${workspace} sources`).toContain(workspace.split('/')[0]);
      expect(compile?.split(/\s+/), `tsc -b builds ${workspace}`).toContain(workspace);
    }
    expect(copied).toEqual(expect.arrayContaining(['package.json', 'package-lock.json']));
    expect(
      all(build, 'RUN')
        .map((i) => i.args)
        .join('\n'),
    ).toMatch(/npm ci .*\n[^]*npm prune --omit=dev/);
  });

  it('leaves a directory the unprivileged user owns for the volumes of compose.yaml', () => {
    const uid = last(final, 'USER')?.args.split(':')[0];
    const runs = all(final, 'RUN').map((i) => i.args);
    expect(runs.join('\n')).toMatch(
      new RegExp(`mkdir -p /var/lib/sesame && chown ${uid}:\\d+ /var/lib/sesame`),
    );
  });

  it('needs no package at run time that is only a devDependency', () => {
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    for (const workspace of WORKSPACES) {
      const pkg = JSON.parse(readFileSync(join(ROOT, workspace, 'package.json'), 'utf8')) as {
        dependencies?: Record<string, string>;
      };
      const deps = new Set(Object.keys(pkg.dependencies ?? {}));
      for (const file of sourceFiles(join(ROOT, workspace, 'src'))) {
        const text = readFileSync(file, 'utf8');
        for (const [, spec] of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/g)) {
          if (spec === undefined || spec.startsWith('.') || builtins.has(spec)) continue;
          const isTypeOnly = new RegExp(`import\\s+type\\s[^;]*from\\s+'${spec}'`).test(text);
          if (isTypeOnly) continue;
          const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
          expect(
            deps.has(name),
            `${file.slice(ROOT.length)} imports ${name}, a dependency of ${workspace}`,
          ).toBe(true);
        }
      }
    }
  });

  describe('its production install, replayed outside Docker', () => {
    let app: string;
    afterAll(async () => {
      if (app !== undefined) await rm(app, { recursive: true, force: true });
    });

    it('runs the sesame command from production dependencies only', async () => {
      // What the final stage holds: the manifests, each workspace's package.json and dist, the bin and the
      // example manifests; then the same install as the build stage's `npm ci` + `npm prune --omit=dev`.
      app = await mkdtemp(join(tmpdir(), 'sesame-image-'));
      for (const file of ['package.json', 'package-lock.json']) await cp(join(ROOT, file), join(app, file));
      for (const workspace of WORKSPACES) {
        const dist = join(ROOT, workspace, 'dist');
        expect(existsSync(join(dist, 'index.js')), `${workspace} is built (npm run build)`).toBe(true);
        await mkdir(join(app, workspace), { recursive: true });
        await cp(join(ROOT, workspace, 'package.json'), join(app, workspace, 'package.json'));
        await cp(dist, join(app, workspace, 'dist'), { recursive: true });
      }
      await cp(join(ROOT, 'bin'), join(app, 'bin'), { recursive: true });
      await cp(join(ROOT, 'examples/manifests'), join(app, 'examples/manifests'), { recursive: true });
      await run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], {
        cwd: app,
        env: { ...process.env, NODE_ENV: 'production' },
      });
      for (const dev of ['typescript', 'vitest', 'eslint', 'tsx']) {
        expect(existsSync(join(app, 'node_modules', dev)), `${dev} is not installed`).toBe(false);
      }

      const sesame = (args: string[]) =>
        run(process.execPath, [join(app, rootPackage.bin['sesame']!), ...args], {
          cwd: app,
          env: { ...process.env, NODE_ENV: 'production' },
        });
      const help = await sesame(['--help']);
      for (const command of ['local', 'stack', 'watcher', 'edge', 'certgen', 'bootstrap', 'xds']) {
        expect(help.stdout).toContain(command);
      }
      const certgen = await sesame(['certgen', '--out-dir', join(app, 'certs'), '--edge-dns', 'edge']);
      expect(certgen.stdout).toMatch(/ca: created/);
      const bootstrap = await sesame([
        ...['bootstrap', join(app, 'envoy.json'), '--xds-address', 'edge', '--xds-port', '8001'],
        ...['--cafile', join(app, 'certs/envoy/ca.crt'), '--cert-file', join(app, 'certs/envoy/tls.crt')],
        ...['--key-file', join(app, 'certs/envoy/tls.key'), '--node-id', 'envoy'],
      ]);
      expect(bootstrap.stdout).toContain(join(app, 'envoy.json'));
      await expect(sesame(['edge', '--no-such-flag'])).rejects.toMatchObject({ code: 1 });
    }, 180_000);
  });
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}
