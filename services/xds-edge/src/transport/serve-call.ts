import { status, type ServerDuplexStream } from '@grpc/grpc-js';
import {
  ErrorCode,
  SesameError,
  TYPE_SHORT_NAMES,
  TypeUrl,
  type Logger,
  type Resource,
} from '@sesame/shared';
import type { ResourceCache } from '../cache/resource-cache.js';
import type { ViewName } from '../cache/views.js';
import type { TypedRequest, XdsStream, XdsStreamOptions } from '../protocol/xds-stream.js';
import type { EdgeMetrics, Protocol } from './metrics.js';
import type { NodeRegistry } from './nodes.js';
import type { DiscoveryService } from './services.js';
import { toGrpcStatus, type GrpcStatus } from './status.js';

/** What every stream of one listener shares. */
export interface StreamContext {
  readonly cache: ResourceCache;
  readonly nodes: NodeRegistry;
  readonly metrics: EdgeMetrics;
  readonly logger: Logger;
  /** Monotonic milliseconds, the clock of snapshot arrival times. */
  readonly now: () => number;
  /** Sent as `control_plane.identifier` in every response. */
  readonly controlPlane: string;
  /** Serve this view whatever the node says (the proxyless port: the gRPC view only). */
  readonly forcedView?: ViewName;
}

/** A live stream, as the edge sees it for shutdown. */
export interface ActiveStream {
  /** Ends the stream with UNAVAILABLE, so the client reconnects (to another replica). */
  close(details: string): void;
  /** Resolves once the stream is over, whoever ended it. */
  readonly done: Promise<void>;
}

/** The part of a pending response the transport reads, whatever the protocol variant. */
export interface PendingBase {
  readonly typeUrl: TypeUrl;
  readonly nonce: string;
  readonly resources: readonly Resource[];
  readonly pendingSince: number | undefined;
  readonly edsNames: readonly string[];
}

/** What differs between state-of-the-world and delta calls. */
export interface CallFlavour<
  Request extends TypedRequest,
  Response extends PendingBase,
  Stream extends XdsStream<Request, Response>,
> {
  readonly protocol: Protocol;
  createStream(options: XdsStreamOptions): Stream;
  /** Decodes a request off the wire (the stream may know what the client is likely to repeat). */
  decode(bytes: Buffer, stream: Stream): Request;
  /** The message grpc-js serializes for a response. */
  message(response: Response, controlPlane: string): unknown;
  /** Log fields of a response and of a request that changed a subscription. */
  describeResponse(response: Response): Record<string, unknown>;
  describeRequest(request: Request): Record<string, unknown>;
}

let streamIds = 0;

/** A request that is not a valid message ends its stream with INVALID_ARGUMENT. */
function decodeOrFail<T>(decode: () => T): T {
  try {
    return decode();
  } catch (cause) {
    throw new SesameError(
      ErrorCode.XdsInvalidRequest,
      `the request is not a valid xDS message: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
}

/**
 * Serves one call: requests go into a stream state machine, responses come out when the call can take them.
 * When grpc-js buffers (write returns false) nothing more is computed until 'drain'; by then the responses
 * reflect the latest snapshot, so a slow client costs memory for one response per type at most and never
 * delays another stream.
 */
export function serveCall<
  Request extends TypedRequest,
  Response extends PendingBase,
  Stream extends XdsStream<Request, Response>,
>(
  call: ServerDuplexStream<Buffer, unknown>,
  service: DiscoveryService,
  ctx: StreamContext,
  flavour: CallFlavour<Request, Response, Stream>,
): ActiveStream {
  const { metrics, nodes } = ctx;
  const labels = { service: service.label, protocol: flavour.protocol };
  let log = ctx.logger.child({
    stream: ++streamIds,
    service: service.label,
    protocol: flavour.protocol,
    peer: call.getPeer(),
  });
  // Debug logs build objects; on the hot path they are skipped unless enabled.
  const debug = log.isLevelEnabled('debug');
  let closed = false;
  let blocked = false;
  let pumping = false;
  let again = false;
  let detachNode: (() => void) | undefined;
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  const stream = flavour.createStream({
    cache: ctx.cache,
    ...(service.typeUrl === undefined ? {} : { serviceType: service.typeUrl }),
    ...(ctx.forcedView === undefined ? {} : { forcedView: ctx.forcedView }),
    wake: () => pump(),
  });
  const onDrain = (): void => {
    blocked = false;
    pump();
  };

  const write = (r: Response): void => {
    const type = TYPE_SHORT_NAMES[r.typeUrl];
    const pendingSince = r.pendingSince;
    const ok = call.write(flavour.message(r, ctx.controlPlane), () => {
      if (pendingSince !== undefined)
        metrics.pushLatency.observe({ type }, (ctx.now() - pendingSince) / 1000);
    });
    metrics.responses.inc({ type });
    if (log.isLevelEnabled('debug')) log.debug({ type, ...flavour.describeResponse(r) }, 'response sent');
    if (r.typeUrl === TypeUrl.Cluster && r.edsNames.length > 0) {
      // The client now warms these clusters until it gets their endpoints, changed or not.
      if (stream.node !== undefined) nodes.clustersSent(stream.node.id, r.edsNames);
      else stream.forceEndpoints(r.edsNames);
    }
    if (!ok) {
      blocked = true;
      call.once('drain', onDrain);
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
    for (const typeUrl of stream.typeUrls())
      metrics.typeStreams.dec({ type: TYPE_SHORT_NAMES[typeUrl], protocol: flavour.protocol });
    stream.close();
    detachNode?.();
    metrics.openStreams.dec(labels);
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

  const onRequest = (bytes: Buffer): void => {
    if (closed) return;
    const known = stream.typeCount();
    let request: Request;
    let handled;
    try {
      request = decodeOrFail(() => flavour.decode(bytes, stream));
      handled = stream.handleRequest(request);
    } catch (err) {
      fail(err);
      return;
    }
    const { typeUrl, outcome, identified } = handled;
    const type = TYPE_SHORT_NAMES[typeUrl];
    if (stream.typeCount() > known) metrics.typeStreams.inc({ type, protocol: flavour.protocol });
    if (identified !== undefined) {
      detachNode = nodes.attach(identified.id, stream);
      log = log.child({ node: identified.id, view: stream.view });
      log.debug({ cluster: identified.cluster, userAgent: identified.userAgentName }, 'node identified');
    }
    const typeMetrics = metrics.forType(type);
    switch (outcome.kind) {
      case 'ack':
        typeMetrics.ack();
        if (debug) log.debug({ type, version: outcome.version }, 'ACK');
        break;
      case 'nack':
        typeMetrics.nack();
        // The node ID is bound to `log` once the stream identified itself.
        log.warn(
          { type, version: outcome.version, error: outcome.message },
          'client rejected a response (NACK)',
        );
        break;
      case 'stale':
        typeMetrics.stale();
        if (debug) log.debug({ type }, 'request answers an older response (stale nonce)');
        break;
      case 'update':
        if (debug) log.debug({ type, ...flavour.describeRequest(request) }, 'subscription updated');
        break;
    }
    pump();
  };

  metrics.openStreams.inc(labels);
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
