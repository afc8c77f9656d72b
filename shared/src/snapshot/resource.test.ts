import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TypeUrl } from '../proto/type-urls.js';
import { resourceVersion, VERSION_BYTES, type Audience } from './resource.js';

/** The documented derivation, streamed piece by piece: versions must never change between releases. */
function expected(typeUrl: string, name: string, audience: Audience, body: Uint8Array): string {
  const digest = createHash('sha256');
  for (const part of [typeUrl, '\0', name, '\0', audience, '\0']) digest.update(part, 'utf8');
  return digest.update(body).digest().subarray(0, VERSION_BYTES).toString('base64url');
}

describe('resourceVersion', () => {
  const bodies = [new Uint8Array(), Buffer.from('x'), Buffer.alloc(70_000, 0xa5), Buffer.from([0, 255, 0])];
  const names = ['', 'ns/svc/80/da39a3ee5e', 'ünïcødé/名前', 'a\0b'];

  it('is the first 12 bytes of SHA-256 over type, name, audience and body, in base64url', () => {
    for (const body of bodies)
      for (const name of names)
        for (const audience of ['all', 'envoy', 'grpc'] as const) {
          const version = resourceVersion(TypeUrl.Cluster, name, audience, body);
          expect(version).toBe(expected(TypeUrl.Cluster, name, audience, body));
          expect(version).toMatch(/^[A-Za-z0-9_-]{16}$/);
        }
  });

  it('tells apart every field that goes into it', () => {
    const body = Buffer.from('body');
    const base = resourceVersion(TypeUrl.Cluster, 'n', 'all', body);
    expect(resourceVersion(TypeUrl.Listener, 'n', 'all', body)).not.toBe(base);
    expect(resourceVersion(TypeUrl.Cluster, 'm', 'all', body)).not.toBe(base);
    expect(resourceVersion(TypeUrl.Cluster, 'n', 'grpc', body)).not.toBe(base);
    expect(resourceVersion(TypeUrl.Cluster, 'n', 'all', Buffer.from('bodY'))).not.toBe(base);
  });
});
