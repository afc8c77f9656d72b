import { startServer, type TestServer } from './server-process.js';

/** A nats-server child process; `url` is what `--bus` takes. */
export interface NatsTestServer extends TestServer {
  readonly url: string;
}

/**
 * Starts `nats-server` on a free loopback port, with JetStream storing under the server's data dir (so a
 * restart with `keepData` finds its streams again). Extra `args` are passed through (e.g. `--user`).
 */
export async function startNatsServer(
  options: { jetstream?: boolean; args?: readonly string[] } = {},
): Promise<NatsTestServer> {
  const jetstream = options.jetstream ?? true;
  const server = await startServer({
    name: 'nats',
    command: 'nats-server',
    args: (port, dataDir) => [
      '-a',
      '127.0.0.1',
      '-p',
      String(port),
      ...(jetstream ? ['-js', '-sd', dataDir] : []),
      ...(options.args ?? []),
    ],
    ready: /Server is ready/,
    addressInUse: /address already in use/i,
  });
  return Object.assign(server, { url: `nats://127.0.0.1:${server.port}` });
}
