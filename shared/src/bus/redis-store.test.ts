import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { busContract } from '../../../test/servers/bus-contract.js';
import { quietLogger } from '../../../test/servers/bus-fixtures.js';
import { startRedisServer, type RedisTestServer } from '../../../test/servers/redis-server.js';
import { createRedisStore } from './redis-store.js';

let server: RedisTestServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server.stop();
});

busContract('Redis', () => ({
  namespace: () => {
    const prefix = `t${randomBytes(6).toString('hex')}:`;
    return Promise.resolve({
      connect: () => createRedisStore({ url: server.url, prefix, logger: quietLogger }),
    });
  },
}));
