import { Client, credentials, Metadata } from '@grpc/grpc-js';
import {
  formatHostPort,
  TYPE_SHORT_NAMES,
  type HostPort,
  type TlsMaterial,
  type TypeUrl,
} from '@sesame/shared';
import {
  decodeDiscoveryResponse,
  encodeDiscoveryRequest,
  type DiscoveryRequestObject,
  type RawDiscoveryResponse,
} from '../protocol/codec.js';
import {
  decodeDeltaResponse,
  encodeDeltaRequest,
  type DeltaDiscoveryRequestObject,
  type RawDeltaResponse,
} from '../protocol/delta-codec.js';
import { ADS_SERVICE, deltaPath, sotwPath } from '../transport/services.js';
import type { XdsResponse } from './decode.js';
import { DeltaSession, SotwSession, type AdsSession, type AdsSessionOptions } from './sessions.js';

export type { AdsSession, AdsSessionOptions } from './sessions.js';

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
  /** Client certificate, key and CA for mutual TLS (required unless `plaintext`). */
  readonly tls?: TlsMaterial;
  /** Connect without TLS (the edge's proxyless port when it serves plaintext). */
  readonly plaintext?: boolean;
  /** The name checked in the edge's certificate (default "sesame-xds"). */
  readonly serverName?: string;
  readonly node: XdsNode;
}

/** A debug and test client of the edge. */
export interface XdsClient {
  /** A state-of-the-world ADS stream. */
  ads(options?: AdsSessionOptions): AdsSession;
  /** An incremental (delta) ADS stream. */
  deltaAds(options?: AdsSessionOptions): AdsSession;
  /** Subscribes to each type and returns the first response for each, in the order asked. */
  fetchResources(
    subscriptions: ReadonlyArray<TypeUrl | { readonly typeUrl: TypeUrl; readonly names?: readonly string[] }>,
    options?: { timeoutMs?: number; delta?: boolean },
  ): Promise<XdsResponse[]>;
  close(): void;
}

/** Connects (lazily) to an edge over mutual TLS, or plaintext for a proxyless port. */
export function createXdsClient(options: XdsClientOptions): XdsClient {
  const serverName = options.serverName ?? 'sesame-xds';
  const tls = options.tls;
  if (options.plaintext !== true && tls === undefined) throw new Error('createXdsClient: tls is required');
  const client = new Client(
    formatHostPort(options.server),
    options.plaintext === true || tls === undefined
      ? credentials.createInsecure()
      : credentials.createSsl(tls.ca, tls.key, tls.cert),
    { 'grpc.ssl_target_name_override': serverName, 'grpc.default_authority': serverName },
  );
  const node = {
    id: options.node.id,
    ...(options.node.cluster === undefined ? {} : { cluster: options.node.cluster }),
    user_agent_name: options.node.user_agent_name ?? 'envoy',
  };
  const ads = (sessionOptions: AdsSessionOptions = {}): AdsSession =>
    new SotwSession(
      client.makeBidiStreamRequest<DiscoveryRequestObject, RawDiscoveryResponse>(
        sotwPath(ADS_SERVICE),
        encodeDiscoveryRequest,
        decodeDiscoveryResponse,
        new Metadata(),
      ),
      node,
      sessionOptions,
    );
  const deltaAds = (sessionOptions: AdsSessionOptions = {}): AdsSession =>
    new DeltaSession(
      client.makeBidiStreamRequest<DeltaDiscoveryRequestObject, RawDeltaResponse>(
        deltaPath(ADS_SERVICE),
        encodeDeltaRequest,
        decodeDeltaResponse,
        new Metadata(),
      ),
      node,
      sessionOptions,
    );
  return {
    ads,
    deltaAds,
    async fetchResources(subscriptions, fetchOptions = {}) {
      const wanted = subscriptions.map((s) => (typeof s === 'string' ? { typeUrl: s } : s));
      const session = fetchOptions.delta === true ? deltaAds() : ads();
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
