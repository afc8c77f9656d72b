export { busContract, type ContractBackend } from './bus-contract.js';
export {
  busFactory,
  contents,
  FAST_TUNING,
  largeSnapshot,
  metricValue,
  paddedSnapshotAt,
  pausable,
  quietLogger,
  snapshotAt,
  snapshotOf,
  track,
  type Tracker,
} from './bus-fixtures.js';
export { startNatsServer, type NatsTestServer } from './nats-server.js';
export { startRedisServer, type RedisTestServer } from './redis-server.js';
export { freePort, startServer, type ServerSpec, type TestServer } from './server-process.js';
