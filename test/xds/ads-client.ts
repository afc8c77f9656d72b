// A scripted, Envoy-like xDS client for conformance tests. Unlike a real client it never answers on its own:
// the test sends each request, awaits each response with a deadline, and ACKs or NACKs explicitly. It is
// written against the protos only (not the edge's own codec), so a symmetric encoding bug cannot hide.
import { Metadata, type Client, type ClientDuplexStream, type StatusObject } from '@grpc/grpc-js';
import {
  decodeMessage,
  encodeMessage,
  lookupMessage,
  TypeUrl,
  type HostPort,
  type TlsMaterial,
} from '@sesame/shared';
import { Inbox, openChannel } from './scripted-stream.js';

const REQUEST = 'envoy.service.discovery.v3.DiscoveryRequest';
const RESPONSE = 'envoy.service.discovery.v3.DiscoveryResponse';

/** The gRPC method of ADS and of each per-type state-of-the-world service. */
export const SOTW_METHODS: Readonly<Record<'ads' | TypeUrl, string>> = {
  ads: '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources',
  [TypeUrl.Listener]: '/envoy.service.listener.v3.ListenerDiscoveryService/StreamListeners',
  [TypeUrl.RouteConfiguration]: '/envoy.service.route.v3.RouteDiscoveryService/StreamRoutes',
  [TypeUrl.Cluster]: '/envoy.service.cluster.v3.ClusterDiscoveryService/StreamClusters',
  [TypeUrl.ClusterLoadAssignment]: '/envoy.service.endpoint.v3.EndpointDiscoveryService/StreamEndpoints',
  [TypeUrl.Secret]: '/envoy.service.secret.v3.SecretDiscoveryService/StreamSecrets',
};

/** A node as sent on the wire (proto field names). */
export interface NodeObject {
  id: string;
  cluster?: string;
  user_agent_name?: string;
}

/** A DiscoveryRequest as sent on the wire (proto field names); anything may be left out. */
export interface RawRequest {
  version_info?: string;
  node?: NodeObject;
  resource_names?: readonly string[];
  type_url?: string;
  response_nonce?: string;
  error_detail?: { code: number; message: string };
}

/** One resource of a response: its bytes and its decoded form. */
export interface ReceivedResource {
  readonly name: string;
  readonly typeUrl: string;
  readonly body: Uint8Array;
  readonly decoded: Record<string, unknown>;
}

/** A response as received. */
export interface ReceivedResponse {
  readonly typeUrl: string;
  readonly versionInfo: string;
  readonly nonce: string;
  readonly resources: readonly ReceivedResource[];
  /** Resource names in the order received. */
  readonly names: readonly string[];
  readonly controlPlane: string | undefined;
}

/** Where and how to connect. */
export interface ScriptedClientOptions {
  readonly address: HostPort;
  readonly tls: TlsMaterial;
  readonly serverName?: string;
  /** 'ads' (default) or a type, for that type's own service. */
  readonly service?: 'ads' | TypeUrl;
  /** Sent on the first request only, as Envoy does with set_node_on_first_message_only. */
  readonly node?: NodeObject;
  /** Present no client certificate (only `tls.ca` is used). */
  readonly noClientCert?: boolean;
  /** Plaintext (the proxyless port without TLS). */
  readonly insecure?: boolean;
}

interface DecodedResponse {
  version_info?: string;
  type_url?: string;
  nonce?: string;
  resources?: Array<{ type_url?: string; value?: Uint8Array }>;
  control_plane?: { identifier?: string } | null;
}

/** A scripted ADS (or per-type) stream. */
export class ScriptedAdsClient {
  private readonly client: Client;
  private readonly call: ClientDuplexStream<RawRequest, ReceivedResponse>;
  private readonly inbox = new Inbox<ReceivedResponse>();
  private readonly lastNonce = new Map<string, string>();
  private readonly accepted = new Map<string, string>();
  private readonly lastNames = new Map<string, readonly string[]>();
  private nodeSent = false;
  readonly node: NodeObject;

  constructor(options: ScriptedClientOptions) {
    this.node = options.node ?? { id: 'test-envoy', cluster: 'test', user_agent_name: 'envoy' };
    this.client = openChannel(options);
    this.call = this.client.makeBidiStreamRequest<RawRequest, ReceivedResponse>(
      SOTW_METHODS[options.service ?? 'ads'],
      (r) => Buffer.from(encodeMessage(REQUEST, r as Record<string, unknown>)),
      decodeResponse,
      new Metadata(),
    );
    this.call.on('data', (r: ReceivedResponse) => {
      this.lastNonce.set(r.typeUrl, r.nonce);
      this.inbox.push(r);
    });
    // 'error' carries the same status as 'status'; listening keeps it from being thrown.
    this.call.on('error', () => undefined);
    this.call.on('status', (s: StatusObject) => this.inbox.end(s));
  }

  /** Sends a request exactly as given (plus the node on the very first request, unless given). */
  send(request: RawRequest): void {
    const withNode = this.nodeSent || request.node !== undefined ? request : { ...request, node: this.node };
    this.nodeSent = true;
    if (request.type_url !== undefined) this.lastNames.set(request.type_url, request.resource_names ?? []);
    this.call.write(withNode);
  }

  /**
   * Sends what Envoy would for a subscription change: the complete `names`, the last accepted version and the
   * latest nonce received for the type.
   */
  request(typeUrl: string, names: readonly string[] = []): void {
    this.send({
      type_url: typeUrl,
      resource_names: names,
      version_info: this.accepted.get(typeUrl) ?? '',
      response_nonce: this.lastNonce.get(typeUrl) ?? '',
    });
  }

  /** ACKs a response, keeping (or replacing) the type's subscription. */
  ack(response: ReceivedResponse, names?: readonly string[]): void {
    this.accepted.set(response.typeUrl, response.versionInfo);
    this.send({
      type_url: response.typeUrl,
      resource_names: names ?? this.lastNames.get(response.typeUrl) ?? [],
      version_info: response.versionInfo,
      response_nonce: response.nonce,
    });
  }

  /** NACKs a response: error_detail set, version_info left at the last accepted version. */
  nack(response: ReceivedResponse, message = 'rejected by test', names?: readonly string[]): void {
    this.send({
      type_url: response.typeUrl,
      resource_names: names ?? this.lastNames.get(response.typeUrl) ?? [],
      version_info: this.accepted.get(response.typeUrl) ?? '',
      response_nonce: response.nonce,
      error_detail: { code: 3, message },
    });
  }

  /** The next response on the stream; rejects after `timeoutMs` or when the stream ends. */
  next(timeoutMs = 5_000): Promise<ReceivedResponse> {
    return this.inbox.next(timeoutMs);
  }

  /** The next response, which must be of `typeUrl`. */
  nextOf(typeUrl: string, timeoutMs?: number): Promise<ReceivedResponse> {
    return this.inbox.nextOf(typeUrl, timeoutMs, (r) => `[${r.names.join(', ')}]`);
  }

  /**
   * Proves that nothing else is on its way, without sleeping: sends `probe` (a request the server must answer)
   * and checks that the very next response answers it. A response the server owed or wrongly sent earlier
   * would come first, because one stream's responses arrive in the order the server wrote them.
   */
  async expectQuiet(probe: { typeUrl: string; names: readonly string[] }): Promise<ReceivedResponse> {
    this.request(probe.typeUrl, probe.names);
    return this.nextOf(probe.typeUrl);
  }

  /** Resolves with the stream's final status. */
  closed(): Promise<StatusObject> {
    return this.inbox.closed();
  }

  /** Responses received but not yet taken. */
  pending(): number {
    return this.inbox.pending();
  }

  /** Cancels the stream and closes the channel. */
  close(): void {
    this.call.cancel();
    this.client.close();
  }
}

function decodeResponse(bytes: Buffer): ReceivedResponse {
  const m = lookupMessage(RESPONSE).decode(bytes) as unknown as DecodedResponse;
  const resources = (m.resources ?? []).map((any): ReceivedResource => {
    const typeUrl = any.type_url ?? '';
    const body = any.value ?? new Uint8Array();
    const decoded = decodeMessage(typeUrl, body);
    const name = typeUrl === TypeUrl.ClusterLoadAssignment ? decoded['cluster_name'] : decoded['name'];
    return { name: typeof name === 'string' ? name : '', typeUrl, body, decoded };
  });
  return {
    typeUrl: m.type_url ?? '',
    versionInfo: m.version_info ?? '',
    nonce: m.nonce ?? '',
    resources,
    names: resources.map((r) => r.name),
    controlPlane: m.control_plane?.identifier ?? undefined,
  };
}
