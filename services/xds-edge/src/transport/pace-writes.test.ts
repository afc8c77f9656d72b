import { once } from 'node:events';
import { connect, createServer, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { paceWrites } from './http2-tuning.js';

describe('paceWrites', () => {
  it('hands HTTP/2 one piece at a time, in order, and ends after the writes before it', async () => {
    const big = Buffer.alloc(10_000, 1).map((_, i) => i % 251);
    const small = Buffer.from('tail');
    const given: number[] = [];
    const done: string[] = [];
    const server = createServer();
    server.on('stream', (stream: ServerHttp2Stream) => {
      const write = stream.write.bind(stream);
      // What HTTP/2 is given, under the pacing.
      stream.write = ((chunk: Uint8Array, cb: () => void) => {
        given.push(chunk.length);
        return write(chunk, cb);
      }) as typeof stream.write;
      paceWrites(stream, 1024);
      stream.respond({ ':status': 200 });
      stream.write(big, () => done.push('big'));
      stream.write(small, () => done.push('small'));
      stream.end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const client = connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    try {
      const request = client.request({ ':path': '/' });
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      await once(request, 'end');
      expect(Buffer.concat(chunks)).toEqual(Buffer.concat([big, small]));
      expect(done).toEqual(['big', 'small']);
      expect(given).toEqual([...Array<number>(9).fill(1024), 784, 4]);
    } finally {
      client.close();
      server.close();
    }
  });
});
