import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ErrorCode, SesameError } from '../errors.js';
import type { Result } from '../result.js';

/**
 * Protects every value written to the bus. With a key, values are sealed with AES-256-GCM: authenticated (a
 * tampered or foreign value fails to open) and encrypted (Secrets carry TLS private keys). The storage key is
 * the associated data, so a sealed value cannot be moved to another key. Without a key, values are framed
 * but travel in clear; a reader with a key refuses them, and one without a key refuses sealed values.
 */
export interface Sealer {
  /** Whether values are authenticated and encrypted. */
  readonly sealed: boolean;
  seal(storageKey: string, plain: Uint8Array): Uint8Array;
  open(storageKey: string, value: Uint8Array): Result<Uint8Array>;
}

const PLAIN = 0;
const SEALED = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const AAD_PREFIX = 'sesame-bus-v1\0';

/** Derives the 256-bit bus key from the key file's contents (HKDF-SHA256), so any length of secret works. */
export function deriveBusKey(secret: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'sesame-bus', 'sesame bus aes-256-gcm v1', 32));
}

/** Reads `--bus-key-file`: its contents (trailing whitespace ignored, so `echo` and `printf` agree). */
export async function readBusKeyFile(path: string): Promise<Uint8Array> {
  let text: Buffer;
  try {
    text = await readFile(path);
  } catch (cause) {
    throw new SesameError(ErrorCode.ConfigInvalid, `cannot read bus key file ${path}`, { cause });
  }
  let end = text.length;
  while (end > 0 && [0x20, 0x09, 0x0a, 0x0d].includes(text[end - 1] ?? 0)) end--;
  if (end === 0) throw new SesameError(ErrorCode.ConfigInvalid, `bus key file ${path} is empty`);
  return text.subarray(0, end);
}

/** A sealer for the given secret (the key file's contents), or a clear-text framer without one. */
export function createSealer(secret?: Uint8Array): Sealer {
  if (secret === undefined) return plainSealer;
  const key = deriveBusKey(secret);
  return {
    sealed: true,
    seal(storageKey, plain) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(AAD_PREFIX + storageKey));
      const body = cipher.update(plain);
      const final = cipher.final();
      return Buffer.concat([Buffer.of(SEALED), iv, body, final, cipher.getAuthTag()]);
    },
    open(storageKey, value) {
      if (value[0] !== SEALED) return { ok: false, errors: [`${storageKey} is not sealed with a bus key`] };
      if (value.length < 1 + IV_BYTES + TAG_BYTES)
        return { ok: false, errors: [`${storageKey} is truncated`] };
      const buf = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, buf.subarray(1, 1 + IV_BYTES));
        decipher.setAAD(Buffer.from(AAD_PREFIX + storageKey));
        decipher.setAuthTag(buf.subarray(buf.length - TAG_BYTES));
        const body = decipher.update(buf.subarray(1 + IV_BYTES, buf.length - TAG_BYTES));
        return { ok: true, value: Buffer.concat([body, decipher.final()]) };
      } catch {
        return { ok: false, errors: [`${storageKey} failed authentication (wrong bus key or tampered)`] };
      }
    },
  };
}

const plainSealer: Sealer = {
  sealed: false,
  seal(_storageKey, plain) {
    return Buffer.concat([Buffer.of(PLAIN), plain]);
  },
  open(storageKey, value) {
    if (value[0] === SEALED) {
      return { ok: false, errors: [`${storageKey} is sealed with a bus key, and this process has none`] };
    }
    if (value[0] !== PLAIN) return { ok: false, errors: [`${storageKey} is not a bus value`] };
    return { ok: true, value: value.subarray(1) };
  },
};
