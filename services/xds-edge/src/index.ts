export { createEdge, type Edge, type EdgeOptions, type ProxylessOptions } from './edge.js';
export { DEFAULT_LIMITS, type EdgeLimits } from './transport/credentials.js';
export {
  DISCOVERY_SERVICES,
  deltaPath,
  sotwPath,
  type DiscoveryService,
  type ServiceLabel,
} from './transport/services.js';
export {
  createXdsClient,
  type AdsSession,
  type AdsSessionOptions,
  type XdsClient,
  type XdsClientOptions,
  type XdsNode,
} from './client/xds-client.js';
export {
  decodeDeltaResponseJson,
  decodeResponse,
  type XdsResourceJson,
  type XdsResponse,
} from './client/decode.js';
export {
  decodeDiscoveryResponse,
  encodeDiscoveryRequest,
  type DiscoveryRequestObject,
  type RawDiscoveryResponse,
} from './protocol/codec.js';
export {
  decodeDeltaResponse,
  encodeDeltaRequest,
  type DeltaDiscoveryRequestObject,
  type RawDeltaResponse,
} from './protocol/delta-codec.js';
export { viewForNode, type ViewName } from './cache/views.js';
