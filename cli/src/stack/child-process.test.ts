import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeExit, startChild, type ChildOptions } from './child-process.js';

const dir = mkdtempSync(join(tmpdir(), 'sesame-child-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A Node.js child running `script`. */
function node(name: string, script: string, extra: Partial<ChildOptions> = {}): ChildOptions {
  return {
    name,
    command: process.execPath,
    args: ['-e', script],
    env: process.env,
    logFile: join(dir, `${name}.log`),
    ...extra,
  };
}

describe('startChild', () => {
  it('hands over output lines, past and future, and logs every byte to its file', async () => {
    const lines: string[] = [];
    const child = startChild(
      node(
        'talker',
        `console.log('one'); console.error('two'); setTimeout(() => console.log('ready 42'), 50);`,
        {
          onLine: (line) => lines.push(line),
        },
      ),
    );
    const port = await child.waitForLine((l) => /^ready (\d+)$/.exec(l)?.[1], 'it was ready');
    expect(port).toBe('42');
    expect(await child.waitForLine((l) => (l === 'one' ? l : undefined), 'one')).toBe('one');
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(lines).toEqual(expect.arrayContaining(['one', 'two', 'ready 42']));
    expect(readFileSync(join(dir, 'talker.log'), 'utf8')).toContain('ready 42');
    expect(child.tail()).toContain('ready 42');
  });

  it('rejects a wait when the child exits first, with its last output and log file', async () => {
    const child = startChild(node('quitter', `console.error('no config'); process.exit(3);`));
    await expect(child.waitForLine(() => undefined, 'it was ready')).rejects.toThrow(
      `quitter exited with code 3 before it was ready (last output: no config); see ${join(dir, 'quitter.log')}`,
    );
  });

  it('stops with SIGTERM, then SIGKILL when the grace period is over', async () => {
    const polite = startChild(node('polite', `setInterval(() => {}, 1000); console.log('up');`));
    await polite.waitForLine((l) => (l === 'up' ? true : undefined), 'up');
    expect(await polite.stop(10_000)).toEqual({ code: null, signal: 'SIGTERM' });

    const stubborn = startChild(
      node(
        'stubborn',
        `process.on('SIGTERM', () => console.log('ignored')); setInterval(() => {}, 1000); console.log('up');`,
      ),
    );
    await stubborn.waitForLine((l) => (l === 'up' ? true : undefined), 'up');
    const exit = await stubborn.stop(200);
    expect(exit).toEqual({ code: null, signal: 'SIGKILL' });
    expect(describeExit(exit)).toBe('was killed by SIGKILL');
    expect(stubborn.tail()).toContain('ignored');
    // Stopping again is a no-op.
    expect(await stubborn.stop(200)).toEqual(exit);
  });

  it('reports a command that cannot be run as exit 127', async () => {
    const child = startChild({ ...node('missing', ''), command: join(dir, 'no-such-binary') });
    expect((await child.exited).code).toBe(127);
    expect(child.tail().join('\n')).toContain('ENOENT');
  });
});
