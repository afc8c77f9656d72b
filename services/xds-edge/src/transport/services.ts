import type { ServiceDefinition } from '@grpc/grpc-js';
import { TypeUrl } from '@sesame/shared';
import {
  decodeDiscoveryResponse,
  encodeDiscoveryRequest,
  encodeDiscoveryResponse,
} from '../protocol/codec.js';
import { decodeDeltaResponse, encodeDeltaRequest, encodeDeltaResponse } from '../protocol/delta-codec.js';

/** Label of a discovery service in logs and metrics. */
export type ServiceLabel = 'ads' | 'lds' | 'rds' | 'cds' | 'eds' | 'sds';

/** One xDS discovery service: its state-of-the-world and delta streaming methods. */
export interface DiscoveryService {
  readonly label: ServiceLabel;
  /** Fully qualified service name, e.g. `envoy.service.listener.v3.ListenerDiscoveryService`. */
  readonly service: string;
  readonly sotwMethod: string;
  readonly deltaMethod: string;
  /** The one type a per-type service serves; undefined for ADS. */
  readonly typeUrl: TypeUrl | undefined;
}

/** ADS and the per-type services, with the names from envoy/service/{discovery,listener,...}/v3/*.proto. */
export const DISCOVERY_SERVICES: readonly DiscoveryService[] = [
  {
    label: 'ads',
    service: 'envoy.service.discovery.v3.AggregatedDiscoveryService',
    sotwMethod: 'StreamAggregatedResources',
    deltaMethod: 'DeltaAggregatedResources',
    typeUrl: undefined,
  },
  {
    label: 'lds',
    service: 'envoy.service.listener.v3.ListenerDiscoveryService',
    sotwMethod: 'StreamListeners',
    deltaMethod: 'DeltaListeners',
    typeUrl: TypeUrl.Listener,
  },
  {
    label: 'rds',
    service: 'envoy.service.route.v3.RouteDiscoveryService',
    sotwMethod: 'StreamRoutes',
    deltaMethod: 'DeltaRoutes',
    typeUrl: TypeUrl.RouteConfiguration,
  },
  {
    label: 'cds',
    service: 'envoy.service.cluster.v3.ClusterDiscoveryService',
    sotwMethod: 'StreamClusters',
    deltaMethod: 'DeltaClusters',
    typeUrl: TypeUrl.Cluster,
  },
  {
    label: 'eds',
    service: 'envoy.service.endpoint.v3.EndpointDiscoveryService',
    sotwMethod: 'StreamEndpoints',
    deltaMethod: 'DeltaEndpoints',
    typeUrl: TypeUrl.ClusterLoadAssignment,
  },
  {
    label: 'sds',
    service: 'envoy.service.secret.v3.SecretDiscoveryService',
    sotwMethod: 'StreamSecrets',
    deltaMethod: 'DeltaSecrets',
    typeUrl: TypeUrl.Secret,
  },
];

/** The ADS service entry. */
export const ADS_SERVICE: DiscoveryService = DISCOVERY_SERVICES[0] as DiscoveryService;

/** The gRPC method path of a service's state-of-the-world stream. */
export function sotwPath(service: DiscoveryService): string {
  return `/${service.service}/${service.sotwMethod}`;
}

/** The gRPC method path of a service's delta stream. */
export function deltaPath(service: DiscoveryService): string {
  return `/${service.service}/${service.deltaMethod}`;
}

function passBytes(bytes: Buffer): Buffer {
  return bytes;
}

/**
 * Both halves of a state-of-the-world method: the server decodes requests and writes responses whose
 * resources are shared encoded bodies; a client encodes request objects and decodes responses to raw `Any`s.
 */
function sotwMethod(service: DiscoveryService): ServiceDefinition[string] {
  return {
    path: sotwPath(service),
    originalName: service.sotwMethod,
    requestStream: true,
    responseStream: true,
    requestSerialize: encodeDiscoveryRequest,
    // Decoded by the stream itself, which knows what the client's ACKs repeat (see decodeDiscoveryRequest).
    requestDeserialize: passBytes,
    responseSerialize: encodeDiscoveryResponse,
    responseDeserialize: decodeDiscoveryResponse,
  };
}

/** Both halves of a delta method, like `sotwMethod`. */
function deltaMethod(service: DiscoveryService): ServiceDefinition[string] {
  return {
    path: deltaPath(service),
    originalName: service.deltaMethod,
    requestStream: true,
    responseStream: true,
    requestSerialize: encodeDeltaRequest,
    requestDeserialize: passBytes,
    responseSerialize: encodeDeltaResponse,
    responseDeserialize: decodeDeltaResponse,
  };
}

/** The grpc-js definition of one discovery service. */
export function serviceDefinition(service: DiscoveryService): ServiceDefinition {
  return {
    [service.sotwMethod]: sotwMethod(service),
    [service.deltaMethod]: deltaMethod(service),
  };
}
