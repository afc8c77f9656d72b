import {
  Client,
  credentials,
  Metadata,
  status,
  type ClientDuplexStream,
  type ServiceError,
} from '@grpc/grpc-js';
import { formatHostPort, TYPE_SHORT_NAMES, TypeUrl, type HostPort, type TlsMaterial } from '@sesame/shared';
import {
  decodeDiscoveryResponse,
  encodeDiscoveryRequest,
  type DiscoveryRequestObject,
  type RawDiscoveryResponse,
} from '../protocol/codec.js';
import { ADS_SERVICE, sotwPath } from '../transport/services.js';
import { decodeResponse, type XdsResponse } from './decode.js';

/** The node a client presents, with proto field names. */
export interface XdsNode {
  readonly id: string;
  readonly cluster?: string;
  /** "envoy" by default; a gRPC library name (e.g. "grpc-node-js") selects the gRPC view. */
  readonly user_agent_name?: string;
}

/** How to reach an edge. */
export interface XdsClientOptions {
  readonly server: HostPort;
  readonly tls: TlsMaterial;
  /** The name checked in the edge's certificate (default "sesame-xds"). */
  readonly serverName?: string;
  readonly node: XdsNode;
}

/** Options of one ADS stream. */
export interface AdsSessionOptions {
  /** NACK every response (true), or those for which the function returns an error message; ACK the rest. */
  readonly nack?: boolean | ((response: XdsResponse) => string | undefined);
}

/** One ADS state-of-the-world stream that ACKs (or NACKs) like Envoy; iterate it for responses. */
export interface AdsSession extends AsyncIterable<XdsResponse> {
  /**
   * Sets the complete subscription of a type. Without names: LDS and CDS subscribe to everything the legacy
   * way (an empty list), the other types with an explicit `*`.
   */
  subscribe(typeUrl: TypeUrl, names?: readonly string[]): void;
  /** The next response; rejects when the stream fails, or after `timeoutMs`. */
  next(options?: { timeoutMs?: number }): Promise<XdsResponse>;
  /** Ends the stream; iteration then finishes. */
  close(): void;
}

/** A debug and test client of the edge. */
export interface XdsClient {
  ads(options?: AdsSessionOptions): AdsSession;
  /** Subscribes to each type and returns the first response for each, in the order asked. */
  fetchResources(
    subscriptions: ReadonlyArray<TypeUrl | { readonly typeUrl: TypeUrl; readonly names?: readonly string[] }>,
    options?: { timeoutMs?: number },
  ): Promise<XdsResponse[]>;
  close(): void;
}

/** Connects (lazily) to an edge over mutual TLS. */
export function createXdsClient(options: XdsClientOptions): XdsClient {
  const serverName = options.serverName ?? 'sesame-xds';
  const client = new Client(
    formatHostPort(options.server),
    credentials.createSsl(options.tls.ca, options.tls.key, options.tls.cert),
    { 'grpc.ssl_target_name_override': serverName, 'grpc.default_authority': serverName },
  );
  const node = {
    id: options.node.id,
    ...(options.node.cluster === undefined ? {} : { cluster: options.node.cluster }),
    user_agent_name: options.node.user_agent_name ?? 'envoy',
  };
  const ads = (sessionOptions: AdsSessionOptions = {}): AdsSession => {
    const call = client.makeBidiStreamRequest<DiscoveryRequestObject, RawDiscoveryResponse>(
      sotwPath(ADS_SERVICE),
      encodeDiscoveryRequest,
      decodeDiscoveryResponse,
      new Metadata(),
    );
    return new Session(call, node, sessionOptions);
  };
  return {
    ads,
    async fetchResources(subscriptions, fetchOptions = {}) {
      const wanted = subscriptions.map((s) => (typeof s === 'string' ? { typeUrl: s } : s));
      const session = ads();
      try {
        for (const s of wanted) session.subscribe(s.typeUrl, s.names);
        const first = new Map<string, XdsResponse>();
        const deadline = Date.now() + (fetchOptions.timeoutMs ?? 10_000);
        while (first.size < new Set(wanted.map((w) => w.typeUrl)).size) {
          const missing = wanted.filter((w) => !first.has(w.typeUrl)).map((w) => TYPE_SHORT_NAMES[w.typeUrl]);
          const response = await session
            .next({ timeoutMs: Math.max(1, deadline - Date.now()) })
            .catch((err) => {
              throw new Error(`no response for ${missing.join(', ')}: ${(err as Error).message}`, {
                cause: err,
              });
            });
          if (!first.has(response.typeUrl)) first.set(response.typeUrl, response);
        }
        return wanted.map((w) => first.get(w.typeUrl) as XdsResponse);
      } finally {
        session.close();
      }
    },
    close: () => client.close(),
  };
}

class Session implements AdsSession {
  private readonly queue: XdsResponse[] = [];
  private readonly waiters: Array<{
    resolve: (r: XdsResponse | undefined) => void;
    reject: (e: Error) => void;
  }> = [];
  private readonly names = new Map<string, readonly string[]>();
  private readonly accepted = new Map<string, string>();
  private readonly nonces = new Map<string, string>();
  private ended: Error | null | undefined;
  private nodeSent = false;

  constructor(
    private readonly call: ClientDuplexStream<DiscoveryRequestObject, RawDiscoveryResponse>,
    private readonly node: DiscoveryRequestObject['node'],
    private readonly options: AdsSessionOptions,
  ) {
    call.on('data', (raw: RawDiscoveryResponse) => this.onResponse(raw));
    call.on('error', (err: ServiceError) => this.finish(err.code === status.CANCELLED ? null : err));
    call.on('end', () => this.finish(null));
  }

  subscribe(typeUrl: TypeUrl, names?: readonly string[]): void {
    const legacy = typeUrl === TypeUrl.Listener || typeUrl === TypeUrl.Cluster;
    this.names.set(typeUrl, names ?? (legacy ? [] : ['*']));
    this.send(typeUrl);
  }

  next(options: { timeoutMs?: number } = {}): Promise<XdsResponse> {
    return this.take(options.timeoutMs).then((r) => {
      if (r === undefined) throw new Error('the xDS stream ended');
      return r;
    });
  }

  close(): void {
    if (this.ended === undefined) this.call.cancel();
    this.finish(null);
  }

  [Symbol.asyncIterator](): AsyncIterator<XdsResponse> {
    return {
      next: async () => {
        const value = await this.take(undefined);
        return value === undefined ? { done: true, value: undefined } : { done: false, value };
      },
      return: () => {
        this.close();
        return Promise.resolve({ done: true, value: undefined });
      },
    };
  }

  private take(timeoutMs: number | undefined): Promise<XdsResponse | undefined> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.ended === null) return Promise.resolve(undefined);
    if (this.ended !== undefined) return Promise.reject(this.ended);
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter = {
        resolve: (r: XdsResponse | undefined) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.waiters.push(waiter);
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          reject(new Error(`no xDS response within ${timeoutMs} ms`));
        }, timeoutMs);
      }
    });
  }

  private onResponse(raw: RawDiscoveryResponse): void {
    const response = decodeResponse(raw);
    this.nonces.set(raw.typeUrl, raw.nonce);
    const nack = this.options.nack;
    const error =
      typeof nack === 'function' ? nack(response) : nack === true ? 'rejected by request' : undefined;
    if (error === undefined) this.accepted.set(raw.typeUrl, raw.versionInfo);
    this.send(raw.typeUrl, error);
    const waiter = this.waiters.shift();
    if (waiter !== undefined) waiter.resolve(response);
    else this.queue.push(response);
  }

  private send(typeUrl: string, error?: string): void {
    if (this.ended !== undefined) return;
    const request: DiscoveryRequestObject = {
      type_url: typeUrl,
      version_info: this.accepted.get(typeUrl) ?? '',
      response_nonce: this.nonces.get(typeUrl) ?? '',
      resource_names: this.names.get(typeUrl) ?? [],
      ...(error === undefined ? {} : { error_detail: { code: status.INVALID_ARGUMENT, message: error } }),
      // Like Envoy's set_node_on_first_message_only: the edge must remember the node.
      ...(this.nodeSent ? {} : { node: this.node }),
    };
    this.nodeSent = true;
    this.call.write(request);
  }

  private finish(error: Error | null): void {
    if (this.ended !== undefined) return;
    this.ended = error;
    for (const w of this.waiters.splice(0)) {
      if (error === null) w.resolve(undefined);
      else w.reject(error);
    }
  }
}
