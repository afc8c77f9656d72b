import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findBinary } from './find-binary.js';

describe('findBinary', () => {
  const first = mkdtempSync(join(tmpdir(), 'sesame-path-a-'));
  const second = mkdtempSync(join(tmpdir(), 'sesame-path-b-'));
  writeFileSync(join(first, 'tool'), 'not executable');
  writeFileSync(join(second, 'tool'), '#!/bin/sh\n');
  chmodSync(join(second, 'tool'), 0o755);
  const path = [first, '', second].join(delimiter);

  afterAll(() => {
    rmSync(first, { recursive: true, force: true });
    rmSync(second, { recursive: true, force: true });
  });

  it('finds the first executable of that name, skipping files that cannot run', () => {
    expect(findBinary('tool', path)).toBe(join(second, 'tool'));
  });

  it('finds nothing for a missing name or an empty PATH', () => {
    expect(findBinary('no-such-tool', path)).toBeUndefined();
    expect(findBinary('tool', '')).toBeUndefined();
  });

  it('checks an absolute name as it is, and never takes a directory', () => {
    expect(findBinary(join(second, 'tool'), '')).toBe(join(second, 'tool'));
    expect(findBinary(second, '')).toBeUndefined();
  });
});
