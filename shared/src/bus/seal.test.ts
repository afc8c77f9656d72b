import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../errors.js';
import { createSealer, readBusKeyFile } from './seal.js';

const dir = mkdtempSync(join(tmpdir(), 'sesame-seal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bus sealing', () => {
  const secret = Buffer.from('correct horse battery staple');
  const plain = Buffer.from('-----BEGIN PRIVATE KEY-----');

  it('seals (encrypts) and opens with the same key', () => {
    const sealer = createSealer(secret);
    const sealed = sealer.seal('cp.1.0', plain);
    expect(Buffer.from(sealed).includes(plain)).toBe(false);
    const opened = sealer.open('cp.1.0', sealed);
    expect(opened.ok && Buffer.from(opened.value).equals(plain)).toBe(true);
    expect(Buffer.from(sealer.seal('cp.1.0', plain)).equals(Buffer.from(sealed))).toBe(false);
  });

  it('refuses another key, another storage key, a flipped bit, a truncated value', () => {
    const sealer = createSealer(secret);
    const sealed = Buffer.from(sealer.seal('chg.2.0', plain));
    expect(createSealer(Buffer.from('another secret')).open('chg.2.0', sealed).ok).toBe(false);
    expect(sealer.open('chg.3.0', sealed).ok).toBe(false);
    const flipped = Buffer.from(sealed);
    flipped[20] = (flipped[20] ?? 0) ^ 1;
    expect(sealer.open('chg.2.0', flipped).ok).toBe(false);
    expect(sealer.open('chg.2.0', sealed.subarray(0, 10)).ok).toBe(false);
  });

  it('keeps sealed and clear values apart', () => {
    const clear = createSealer();
    expect(clear.sealed).toBe(false);
    const framed = clear.seal('head', plain);
    expect(clear.open('head', framed)).toEqual({ ok: true, value: plain });
    expect(createSealer(secret).open('head', framed).ok).toBe(false);
    expect(clear.open('head', createSealer(secret).seal('head', plain)).ok).toBe(false);
    expect(clear.open('head', Buffer.from('garbage')).ok).toBe(false);
  });

  it('reads a key file, ignoring trailing whitespace, and refuses an empty or missing one', async () => {
    writeFileSync(join(dir, 'a'), 'secret\n');
    writeFileSync(join(dir, 'b'), 'secret');
    writeFileSync(join(dir, 'empty'), '\n');
    expect(await readBusKeyFile(join(dir, 'a'))).toEqual(await readBusKeyFile(join(dir, 'b')));
    await expect(readBusKeyFile(join(dir, 'empty'))).rejects.toMatchObject({ code: ErrorCode.ConfigInvalid });
    await expect(readBusKeyFile(join(dir, 'missing'))).rejects.toMatchObject({
      code: ErrorCode.ConfigInvalid,
    });
  });
});
