import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import { generateRsaKey, type KeySource } from '@sesame/certgen';

const generate = promisify(generateKeyPair);

/** The key size the pool holds; any other size is generated on demand. */
const POOL_KEY_SIZE = 2048;

/**
 * RSA keys generated once (in parallel, off the main thread) and then handed out in turn, for certgen's
 * `keySource`: certificates stay real while tests skip the quarter second each key costs. Objects issued
 * within `size` calls of each other get different keys.
 */
export async function createKeyPool(size = 8): Promise<KeySource> {
  const keys = await Promise.all(
    Array.from({ length: size }, async () => {
      const { privateKey } = await generate('rsa', {
        modulusLength: POOL_KEY_SIZE,
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      });
      return privateKey;
    }),
  );
  let next = 0;
  return (keySize) => {
    if (keySize !== POOL_KEY_SIZE) return generateRsaKey(keySize);
    const key = keys[next % keys.length] as string;
    next += 1;
    return key;
  };
}
