import { status, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import { TypeUrl } from '@sesame/shared';
import type { DiscoveryRequestObject, RawDiscoveryResponse } from '../protocol/codec.js';
import type { DeltaDiscoveryRequestObject, RawDeltaResponse } from '../protocol/delta-codec.js';
import { decodeDeltaResponseJson, decodeResponse, type XdsResponse } from './decode.js';
import { ResponseQueue } from './response-queue.js';

/** Options of one ADS stream. */
export interface AdsSessionOptions {
  /** NACK every response (true), or those for which the function returns an error message; ACK the rest. */
  readonly nack?: boolean | ((response: XdsResponse) => string | undefined);
}

/** One ADS stream that ACKs (or NACKs) like Envoy; iterate it for responses. */
export interface AdsSession extends AsyncIterable<XdsResponse> {
  /**
   * Subscribes to a type. Without names: LDS and CDS subscribe to everything the legacy way (no names), the
   * other types with an explicit `*`. State of the world: the names replace the type's subscription; delta:
   * they are added to it.
   */
  subscribe(typeUrl: TypeUrl, names?: readonly string[]): void;
  /** The next response; rejects when the stream fails, or after `timeoutMs`. */
  next(options?: { timeoutMs?: number }): Promise<XdsResponse>;
  /** Ends the stream; iteration then finishes. */
  close(): void;
}

/** The node of the first request, with proto field names. */
export type NodeObject = NonNullable<DiscoveryRequestObject['node']>;

function defaultNames(typeUrl: TypeUrl, names: readonly string[] | undefined): readonly string[] {
  const legacy = typeUrl === TypeUrl.Listener || typeUrl === TypeUrl.Cluster;
  return names ?? (legacy ? [] : ['*']);
}

function nackMessage(options: AdsSessionOptions, response: XdsResponse): string | undefined {
  const nack = options.nack;
  return typeof nack === 'function' ? nack(response) : nack === true ? 'rejected by request' : undefined;
}

abstract class Session<Request, Raw> implements AdsSession {
  protected readonly queue = new ResponseQueue<XdsResponse>();
  private nodeSent = false;

  constructor(
    private readonly call: ClientDuplexStream<Request, Raw>,
    private readonly node: NodeObject,
    protected readonly options: AdsSessionOptions,
  ) {
    call.on('data', (raw: Raw) => this.queue.push(this.onResponse(raw)));
    call.on('error', (err: ServiceError) => this.queue.finish(err.code === status.CANCELLED ? null : err));
    call.on('end', () => this.queue.finish(null));
  }

  abstract subscribe(typeUrl: TypeUrl, names?: readonly string[]): void;

  /** ACKs or NACKs a response; returns it decoded. */
  protected abstract onResponse(raw: Raw): XdsResponse;

  next(options: { timeoutMs?: number } = {}): Promise<XdsResponse> {
    return this.queue.take(options.timeoutMs).then((r) => {
      if (r === undefined) throw new Error('the xDS stream ended');
      return r;
    });
  }

  close(): void {
    if (!this.queue.isEnded()) this.call.cancel();
    this.queue.finish(null);
  }

  [Symbol.asyncIterator](): AsyncIterator<XdsResponse> {
    return this.queue.iterate(() => this.close());
  }

  /** Writes a request, with the node on the first one only (like Envoy's set_node_on_first_message_only). */
  protected write(request: Request): void {
    if (this.queue.isEnded()) return;
    this.call.write(this.nodeSent ? request : { ...request, node: this.node });
    this.nodeSent = true;
  }
}

/** A state-of-the-world ADS session. */
export class SotwSession extends Session<DiscoveryRequestObject, RawDiscoveryResponse> {
  private readonly names = new Map<string, readonly string[]>();
  private readonly accepted = new Map<string, string>();
  private readonly nonces = new Map<string, string>();

  subscribe(typeUrl: TypeUrl, names?: readonly string[]): void {
    this.names.set(typeUrl, defaultNames(typeUrl, names));
    this.send(typeUrl);
  }

  protected onResponse(raw: RawDiscoveryResponse): XdsResponse {
    const response = decodeResponse(raw);
    this.nonces.set(raw.typeUrl, raw.nonce);
    const error = nackMessage(this.options, response);
    if (error === undefined) this.accepted.set(raw.typeUrl, raw.versionInfo);
    this.send(raw.typeUrl, error);
    return response;
  }

  private send(typeUrl: string, error?: string): void {
    this.write({
      type_url: typeUrl,
      version_info: this.accepted.get(typeUrl) ?? '',
      response_nonce: this.nonces.get(typeUrl) ?? '',
      resource_names: this.names.get(typeUrl) ?? [],
      ...(error === undefined ? {} : { error_detail: { code: status.INVALID_ARGUMENT, message: error } }),
    });
  }
}

/** An incremental (delta) ADS session. */
export class DeltaSession extends Session<DeltaDiscoveryRequestObject, RawDeltaResponse> {
  subscribe(typeUrl: TypeUrl, names?: readonly string[]): void {
    this.write({ type_url: typeUrl, resource_names_subscribe: defaultNames(typeUrl, names) });
  }

  protected onResponse(raw: RawDeltaResponse): XdsResponse {
    const response = decodeDeltaResponseJson(raw);
    const error = nackMessage(this.options, response);
    this.write({
      type_url: raw.typeUrl,
      response_nonce: raw.nonce,
      ...(error === undefined ? {} : { error_detail: { code: status.INVALID_ARGUMENT, message: error } }),
    });
    return response;
  }
}
