import type { ServerDuplexStream } from '@grpc/grpc-js';
import {
  decodeDeltaRequest,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
} from '../protocol/delta-codec.js';
import { DeltaStream } from '../protocol/delta-stream.js';
import type { PendingDeltaResponse } from '../protocol/delta-type-state.js';
import { serveCall, type ActiveStream, type CallFlavour, type StreamContext } from './serve-call.js';
import type { DiscoveryService } from './services.js';

const DELTA: CallFlavour<DeltaDiscoveryRequest, PendingDeltaResponse, DeltaStream> = {
  protocol: 'delta',
  createStream: (options) => new DeltaStream(options),
  decode: (bytes) => decodeDeltaRequest(bytes),
  message: (r, controlPlane): DeltaDiscoveryResponse => ({
    typeUrl: r.typeUrl,
    systemVersionInfo: r.systemVersionInfo,
    nonce: r.nonce,
    resources: r.resources,
    removed: r.removed,
    controlPlane,
    ...(r.shared === undefined ? {} : { shared: r.shared }),
  }),
  describeResponse: (r) => ({
    version: r.systemVersionInfo,
    nonce: r.nonce,
    resources: r.resources.length,
    removed: r.removed.length,
  }),
  describeRequest: (request) => ({
    nonce: request.responseNonce,
    subscribe: request.subscribe.length,
    unsubscribe: request.unsubscribe.length,
    initial: request.initialResourceVersions.size,
  }),
};

/** Serves one incremental (delta) call (ADS or per-type). */
export function serveDeltaCall(
  call: ServerDuplexStream<Buffer, DeltaDiscoveryResponse>,
  service: DiscoveryService,
  ctx: StreamContext,
): ActiveStream {
  return serveCall(call as ServerDuplexStream<Buffer, unknown>, service, ctx, DELTA);
}
