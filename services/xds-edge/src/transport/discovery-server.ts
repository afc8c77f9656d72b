import { Server, status, type ServerDuplexStream } from '@grpc/grpc-js';
import type { DiscoveryResponse } from '../protocol/codec.js';
import type { DeltaDiscoveryResponse } from '../protocol/delta-codec.js';
import { serverOptions, type EdgeLimits } from './credentials.js';
import { serveDeltaCall } from './delta-call.js';
import type { ActiveStream, StreamContext } from './serve-call.js';
import { serviceDefinition, type DiscoveryService } from './services.js';
import { serveSotwCall } from './sotw-call.js';

/**
 * A grpc-js server with the state-of-the-world and delta methods of `services`. Its streams join `active`
 * (shared by every server of an edge), and a stream beyond `limits.maxStreams` is refused at once with
 * RESOURCE_EXHAUSTED, so a flood of clients cannot exhaust the edge's memory.
 */
export function createDiscoveryServer(options: {
  services: readonly DiscoveryService[];
  ctx: StreamContext;
  limits: EdgeLimits;
  active: Set<ActiveStream>;
}): Server {
  const { ctx, active, limits } = options;
  const admit = (call: ServerDuplexStream<unknown, unknown>): boolean => {
    if (active.size < limits.maxStreams) return true;
    ctx.metrics.streamErrors.inc({ code: status[status.RESOURCE_EXHAUSTED] });
    ctx.logger.warn({ limit: limits.maxStreams, peer: call.getPeer() }, 'stream refused: too many streams');
    call.emit('error', {
      code: status.RESOURCE_EXHAUSTED,
      details: `this xDS edge serves at most ${limits.maxStreams} streams; try another replica`,
    });
    return false;
  };
  const track = (stream: ActiveStream): void => {
    active.add(stream);
    void stream.done.then(() => active.delete(stream));
  };
  const server = new Server(serverOptions(limits));
  for (const service of options.services) {
    server.addService(serviceDefinition(service), {
      [service.sotwMethod]: (call: ServerDuplexStream<Buffer, DiscoveryResponse>) => {
        if (admit(call)) track(serveSotwCall(call, service, ctx));
      },
      [service.deltaMethod]: (call: ServerDuplexStream<Buffer, DeltaDiscoveryResponse>) => {
        if (admit(call)) track(serveDeltaCall(call, service, ctx));
      },
    });
  }
  return server;
}
