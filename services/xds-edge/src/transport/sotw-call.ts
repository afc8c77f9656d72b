import type { ServerDuplexStream } from '@grpc/grpc-js';
import { decodeDiscoveryRequest, type DiscoveryRequest, type DiscoveryResponse } from '../protocol/codec.js';
import { SotwStream } from '../protocol/sotw-stream.js';
import type { PendingResponse } from '../protocol/sotw-type-state.js';
import { serveCall, type ActiveStream, type CallFlavour, type StreamContext } from './serve-call.js';
import type { DiscoveryService } from './services.js';

export type { ActiveStream, StreamContext } from './serve-call.js';

const SOTW: CallFlavour<DiscoveryRequest, PendingResponse, SotwStream> = {
  protocol: 'sotw',
  createStream: (options) => new SotwStream(options),
  decode: (bytes, stream) => decodeDiscoveryRequest(bytes, stream.knownNameEncodings()),
  message: (r, controlPlane): DiscoveryResponse => ({
    typeUrl: r.typeUrl,
    versionInfo: r.versionInfo,
    nonce: r.nonce,
    resources: r.resources,
    controlPlane,
    ...(r.shared === undefined ? {} : { shared: r.shared }),
  }),
  describeResponse: (r) => ({ version: r.versionInfo, nonce: r.nonce, resources: r.resources.length }),
  describeRequest: (request) => ({ nonce: request.responseNonce, names: request.resourceNames.length }),
};

/** Serves one state-of-the-world call (ADS or per-type). */
export function serveSotwCall(
  call: ServerDuplexStream<Buffer, DiscoveryResponse>,
  service: DiscoveryService,
  ctx: StreamContext,
): ActiveStream {
  return serveCall(call as ServerDuplexStream<Buffer, unknown>, service, ctx, SOTW);
}
