import { startServer, type TestServer } from './server-process.js';

/** A redis-server child process; `url` is what `--bus` takes. */
export interface RedisTestServer extends TestServer {
  readonly url: string;
}

/**
 * Starts `redis-server` on a free loopback port. With `persist`, every write is appended and fsynced to the
 * data dir (so a kill -9 and a restart with `keepData` loses nothing acknowledged); without it, nothing is saved.
 */
export async function startRedisServer(
  options: { persist?: boolean; args?: readonly string[] } = {},
): Promise<RedisTestServer> {
  const persist = options.persist ?? false;
  const server = await startServer({
    name: 'redis',
    command: 'redis-server',
    args: (port, dataDir) => [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dataDir,
      '--save',
      '',
      '--appendonly',
      persist ? 'yes' : 'no',
      '--appendfsync',
      'always',
      ...(options.args ?? []),
    ],
    ready: /Ready to accept connections/,
    addressInUse: /Address already in use/i,
  });
  return Object.assign(server, { url: `redis://127.0.0.1:${server.port}` });
}
