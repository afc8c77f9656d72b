// A scripted, Envoy-like incremental (delta) xDS client for conformance tests. Like ScriptedAdsClient it never
// answers on its own: the test subscribes, awaits each response with a deadline, and ACKs or NACKs
// explicitly. It is written against the protos only, not the edge's codec.
import { Metadata, type Client, type ClientDuplexStream, type StatusObject } from '@grpc/grpc-js';
import {
  decodeMessage,
  encodeMessage,
  lookupMessage,
  TypeUrl,
  type HostPort,
  type TlsMaterial,
} from '@sesame/shared';
import type { NodeObject } from './ads-client.js';
import { Inbox, openChannel } from './scripted-stream.js';

const REQUEST = 'envoy.service.discovery.v3.DeltaDiscoveryRequest';
const RESPONSE = 'envoy.service.discovery.v3.DeltaDiscoveryResponse';

/** The gRPC method of delta ADS and of each per-type delta service. */
export const DELTA_METHODS: Readonly<Record<'ads' | TypeUrl, string>> = {
  ads: '/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources',
  [TypeUrl.Listener]: '/envoy.service.listener.v3.ListenerDiscoveryService/DeltaListeners',
  [TypeUrl.RouteConfiguration]: '/envoy.service.route.v3.RouteDiscoveryService/DeltaRoutes',
  [TypeUrl.Cluster]: '/envoy.service.cluster.v3.ClusterDiscoveryService/DeltaClusters',
  [TypeUrl.ClusterLoadAssignment]: '/envoy.service.endpoint.v3.EndpointDiscoveryService/DeltaEndpoints',
  [TypeUrl.Secret]: '/envoy.service.secret.v3.SecretDiscoveryService/DeltaSecrets',
};

/** A DeltaDiscoveryRequest as sent on the wire (proto field names); anything may be left out. */
export interface RawDeltaRequest {
  node?: NodeObject;
  type_url?: string;
  resource_names_subscribe?: readonly string[];
  resource_names_unsubscribe?: readonly string[];
  initial_resource_versions?: Record<string, string>;
  response_nonce?: string;
  error_detail?: { code: number; message: string };
}

/** One resource of a delta response. */
export interface ReceivedDeltaResource {
  readonly name: string;
  readonly version: string;
  readonly typeUrl: string;
  readonly body: Uint8Array;
  readonly decoded: Record<string, unknown>;
}

/** A delta response as received. */
export interface ReceivedDeltaResponse {
  readonly typeUrl: string;
  readonly systemVersionInfo: string;
  readonly nonce: string;
  readonly resources: readonly ReceivedDeltaResource[];
  /** Resource names in the order received. */
  readonly names: readonly string[];
  readonly removed: readonly string[];
  readonly controlPlane: string | undefined;
}

/** Where and how to connect. */
export interface ScriptedDeltaClientOptions {
  readonly address: HostPort;
  readonly tls: TlsMaterial;
  readonly serverName?: string;
  /** 'ads' (default) or a type, for that type's own delta service. */
  readonly service?: 'ads' | TypeUrl;
  readonly node?: NodeObject;
  readonly noClientCert?: boolean;
  readonly insecure?: boolean;
}

interface DecodedResponse {
  system_version_info?: string;
  type_url?: string;
  nonce?: string;
  resources?: Array<{
    name?: string;
    version?: string;
    resource?: { type_url?: string; value?: Uint8Array } | null;
  }>;
  removed_resources?: string[];
  control_plane?: { identifier?: string } | null;
}

/** A scripted delta stream (ADS or per-type). */
export class ScriptedDeltaClient {
  private readonly client: Client;
  private readonly call: ClientDuplexStream<RawDeltaRequest, ReceivedDeltaResponse>;
  private readonly inbox = new Inbox<ReceivedDeltaResponse>();
  private nodeSent = false;
  /** What the client holds, per type: name → version (as Envoy tracks it, for a reconnect). */
  readonly held = new Map<string, Map<string, string>>();
  readonly node: NodeObject;

  constructor(options: ScriptedDeltaClientOptions) {
    this.node = options.node ?? { id: 'test-envoy', cluster: 'test', user_agent_name: 'envoy' };
    this.client = openChannel(options);
    this.call = this.client.makeBidiStreamRequest<RawDeltaRequest, ReceivedDeltaResponse>(
      DELTA_METHODS[options.service ?? 'ads'],
      (r) => Buffer.from(encodeMessage(REQUEST, r as Record<string, unknown>)),
      decodeResponse,
      new Metadata(),
    );
    this.call.on('data', (r: ReceivedDeltaResponse) => this.inbox.push(r));
    this.call.on('error', () => undefined);
    this.call.on('status', (s: StatusObject) => this.inbox.end(s));
  }

  /** Sends a request exactly as given (plus the node on the very first request, unless given). */
  send(request: RawDeltaRequest): void {
    const withNode = this.nodeSent || request.node !== undefined ? request : { ...request, node: this.node };
    this.nodeSent = true;
    this.call.write(withNode);
  }

  /** A spontaneous request: subscribe to and/or unsubscribe from names (no nonce). */
  subscribe(typeUrl: string, subscribe: readonly string[] = [], unsubscribe: readonly string[] = []): void {
    this.send({
      type_url: typeUrl,
      resource_names_subscribe: subscribe,
      resource_names_unsubscribe: unsubscribe,
    });
  }

  /** ACKs a response and records what it now holds; may carry subscription changes too. */
  ack(response: ReceivedDeltaResponse, changes: { subscribe?: string[]; unsubscribe?: string[] } = {}): void {
    let held = this.held.get(response.typeUrl);
    if (held === undefined) this.held.set(response.typeUrl, (held = new Map<string, string>()));
    for (const r of response.resources) held.set(r.name, r.version);
    for (const name of response.removed) held.delete(name);
    this.send({
      type_url: response.typeUrl,
      response_nonce: response.nonce,
      resource_names_subscribe: changes.subscribe ?? [],
      resource_names_unsubscribe: changes.unsubscribe ?? [],
    });
  }

  /** NACKs a response: error_detail set; nothing it carried is held. */
  nack(response: ReceivedDeltaResponse, message = 'rejected by test'): void {
    this.send({
      type_url: response.typeUrl,
      response_nonce: response.nonce,
      error_detail: { code: 3, message },
    });
  }

  /** The next response on the stream; rejects after `timeoutMs` or when the stream ends. */
  next(timeoutMs = 5_000): Promise<ReceivedDeltaResponse> {
    return this.inbox.next(timeoutMs);
  }

  /** The next response, which must be of `typeUrl`. */
  nextOf(typeUrl: string, timeoutMs?: number): Promise<ReceivedDeltaResponse> {
    return this.inbox.nextOf(
      typeUrl,
      timeoutMs,
      (r) => `[${r.names.join(', ')}] removed [${r.removed.join(', ')}]`,
    );
  }

  /**
   * Proves that nothing else is on its way, without sleeping: subscribes to `probe` (which must exist, so the
   * edge must answer) and checks that the very next response is exactly that answer.
   */
  async expectQuiet(probe: { typeUrl: string; name: string }): Promise<ReceivedDeltaResponse> {
    this.subscribe(probe.typeUrl, [probe.name]);
    const r = await this.nextOf(probe.typeUrl);
    if (r.names.length !== 1 || r.names[0] !== probe.name || r.removed.length > 0) {
      throw new Error(
        `expected only the probe ${probe.name}, got [${r.names.join(', ')}] removed [${r.removed.join(', ')}]`,
      );
    }
    return r;
  }

  /** Resolves with the stream's final status. */
  closed(): Promise<StatusObject> {
    return this.inbox.closed();
  }

  /** Cancels the stream and closes the channel. */
  close(): void {
    this.call.cancel();
    this.client.close();
  }
}

function decodeResponse(bytes: Buffer): ReceivedDeltaResponse {
  const m = lookupMessage(RESPONSE).decode(bytes) as unknown as DecodedResponse;
  const resources = (m.resources ?? []).map((r): ReceivedDeltaResource => {
    const typeUrl = r.resource?.type_url ?? '';
    const body = r.resource?.value ?? new Uint8Array();
    return {
      name: r.name ?? '',
      version: r.version ?? '',
      typeUrl,
      body,
      decoded: decodeMessage(typeUrl, body),
    };
  });
  return {
    typeUrl: m.type_url ?? '',
    systemVersionInfo: m.system_version_info ?? '',
    nonce: m.nonce ?? '',
    resources,
    names: resources.map((r) => r.name),
    removed: m.removed_resources ?? [],
    controlPlane: m.control_plane?.identifier ?? undefined,
  };
}
