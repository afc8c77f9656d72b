import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { busContract } from '../../../test/servers/bus-contract.js';
import { quietLogger } from '../../../test/servers/bus-fixtures.js';
import { startNatsServer, type NatsTestServer } from '../../../test/servers/nats-server.js';
import { createNatsStore } from './nats-store.js';

let server: NatsTestServer;
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server.stop();
});

busContract('NATS JetStream KV', () => ({
  namespace: () => {
    const bucket = `t${randomBytes(6).toString('hex')}`;
    return Promise.resolve({
      connect: () => createNatsStore({ servers: [`127.0.0.1:${server.port}`], bucket, logger: quietLogger }),
    });
  },
}));
