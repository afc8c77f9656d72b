// A fleet of simulated Envoys for fault tests and benchmarks: each its own mutual-TLS connection and node id,
// ADS state-of-the-world like Envoy (CDS and LDS wildcard, then EDS, RDS and SDS for what they reference),
// ACK or NACK every response, reconnect to another edge on failure. Run in-process or in a child process.
export type { MarkerSpec } from './derive.js';
export {
  createFleet,
  summarize,
  type ArmResult,
  type Fleet,
  type FleetOptions,
  type FleetSummary,
} from './fleet.js';
export { inProcessFleet, startFleetProcess, waitForFleet, type FleetHandle } from './fleet-handle.js';
export type { FleetMemory } from './fleet-memory.js';
export type {
  ArmSpec,
  EnvoyState,
  HistoryEntry,
  MarkerRecord,
  ShortType,
  TypeRecord,
} from './envoy-state.js';
export { grpcFrame, openStalledEnvoy, type StalledEnvoy } from './stalled-envoy.js';
export {
  contentDigest,
  createRequestEncoder,
  parseResponse,
  resourceName,
  type RequestParts,
  type WireResource,
  type WireResponse,
} from './wire.js';
