import { status, type ServerDuplexStream } from '@grpc/grpc-js';
import { TYPE_SHORT_NAMES, TypeUrl, type Logger } from '@sesame/shared';
import type { ResourceCache } from '../cache/resource-cache.js';
import type { DiscoveryRequest, DiscoveryResponse } from '../protocol/codec.js';
import { SotwStream } from '../protocol/sotw-stream.js';
import type { PendingResponse } from '../protocol/sotw-type-state.js';
import type { EdgeMetrics } from './metrics.js';
import type { NodeRegistry } from './nodes.js';
import type { DiscoveryService } from './services.js';
import { toGrpcStatus, type GrpcStatus } from './status.js';

/** What every stream of one edge shares. */
export interface StreamContext {
  readonly cache: ResourceCache;
  readonly nodes: NodeRegistry;
  readonly metrics: EdgeMetrics;
  readonly logger: Logger;
  /** Monotonic milliseconds, the clock of snapshot arrival times. */
  readonly now: () => number;
  /** Sent as `control_plane.identifier` in every response. */
  readonly controlPlane: string;
}

/** A live stream, as the edge sees it for shutdown. */
export interface ActiveStream {
  /** Ends the stream with UNAVAILABLE, so the client reconnects (to another replica). */
  close(details: string): void;
  /** Resolves once the stream is over, whoever ended it. */
  readonly done: Promise<void>;
}

type Call = ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>;

let streamIds = 0;

/**
 * Serves one state-of-the-world call: requests go into a `SotwStream`, responses come out when the call can
 * take them. When grpc-js buffers (write returns false) nothing more is computed until 'drain'; by then the
 * responses reflect the latest snapshot, so a slow client costs memory for one response per type at most
 * and never delays another stream.
 */
export function serveSotwCall(call: Call, service: DiscoveryService, ctx: StreamContext): ActiveStream {
  const { metrics, nodes } = ctx;
  let log = ctx.logger.child({ stream: ++streamIds, service: service.label, peer: call.getPeer() });
  let closed = false;
  let blocked = false;
  let pumping = false;
  let again = false;
  let detachNode: (() => void) | undefined;
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));

  const stream = new SotwStream({ cache: ctx.cache, serviceType: service.typeUrl, wake: () => pump() });

  const write = (r: PendingResponse): void => {
    const type = TYPE_SHORT_NAMES[r.typeUrl];
    const message: DiscoveryResponse = {
      typeUrl: r.typeUrl,
      versionInfo: r.versionInfo,
      nonce: r.nonce,
      resources: r.resources,
      controlPlane: ctx.controlPlane,
    };
    const pendingSince = r.pendingSince;
    const ok = call.write(message, () => {
      if (pendingSince !== undefined)
        metrics.pushLatency.observe({ type }, (ctx.now() - pendingSince) / 1000);
    });
    metrics.responses.inc({ type });
    log.debug(
      { type, version: r.versionInfo, nonce: r.nonce, resources: r.resources.length },
      'response sent',
    );
    if (r.typeUrl === TypeUrl.Cluster && r.edsNames.length > 0) {
      // The client now warms these clusters until it gets their endpoints, changed or not.
      if (stream.node !== undefined) nodes.clustersSent(stream.node.id, r.edsNames);
      else stream.forceEndpoints(r.edsNames);
    }
    if (!ok) {
      blocked = true;
      call.once('drain', () => {
        blocked = false;
        pump();
      });
    }
  };

  function pump(): void {
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    try {
      do {
        again = false;
        while (!closed && !blocked) {
          const response = stream.nextResponse();
          if (response === undefined) break;
          write(response);
        }
      } while (again && !closed && !blocked);
    } catch (err) {
      fail(err);
    } finally {
      pumping = false;
    }
  }

  const finish = (): void => {
    if (closed) return;
    closed = true;
    stream.close();
    detachNode?.();
    metrics.openStreams.dec({ service: service.label });
    log.debug('stream closed');
    resolveDone();
  };

  const end = (s: GrpcStatus): void => {
    if (closed) return;
    finish();
    call.emit('error', s);
  };

  const fail = (err: unknown): void => {
    const s = toGrpcStatus(err);
    metrics.streamErrors.inc({ code: status[s.code] });
    (s.code === status.INTERNAL ? log.error.bind(log) : log.info.bind(log))(
      { err, code: status[s.code] },
      `ending stream: ${s.details}`,
    );
    end(s);
  };

  const onRequest = (request: DiscoveryRequest): void => {
    if (closed) return;
    let handled;
    try {
      handled = stream.handleRequest(request);
    } catch (err) {
      fail(err);
      return;
    }
    const { typeUrl, outcome, identified } = handled;
    if (identified !== undefined) {
      detachNode = nodes.attach(identified.id, stream);
      log = log.child({ node: identified.id, view: stream.view });
      log.debug({ cluster: identified.cluster, userAgent: identified.userAgentName }, 'node identified');
    }
    const type = TYPE_SHORT_NAMES[typeUrl];
    switch (outcome.kind) {
      case 'ack':
        metrics.acks.inc({ type });
        log.debug({ type, version: outcome.version }, 'ACK');
        break;
      case 'nack':
        metrics.nacks.inc({ type });
        // The node ID is bound to `log` once the stream identified itself.
        log.warn(
          {
            type,
            version: outcome.version,
            acceptedVersion: request.versionInfo,
            error: outcome.message,
          },
          'client rejected a response (NACK)',
        );
        break;
      case 'stale':
        metrics.staleRequests.inc({ type });
        log.debug({ type, nonce: request.responseNonce }, 'ignoring request with a stale nonce');
        break;
      case 'update':
        log.debug({ type, names: request.resourceNames.length }, 'subscription updated');
        break;
    }
    pump();
  };

  metrics.openStreams.inc({ service: service.label });
  log.debug('stream opened');
  call.on('data', onRequest);
  // The client half-closed: nothing more can be asked, so finish with OK.
  call.on('end', () => {
    if (closed) return;
    finish();
    call.end();
  });
  call.on('cancelled', finish);
  call.on('error', finish);
  call.on('close', finish);

  return { close: (details) => end({ code: status.UNAVAILABLE, details }), done };
}
