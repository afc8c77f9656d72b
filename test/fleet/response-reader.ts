// What one simulated Envoy reads of a response while it streams in: the resources a marker or an armed change
// looks for, and the names its next subscriptions derive from (EDS names of clusters, RDS and SDS names of
// listeners), each body read and dropped as soon as its resource ended.
import { TypeUrl } from '@sesame/shared';
import type { Collector, Derivations, ListenerNames, MarkerSpec } from './derive.js';
import type { ArmSpec } from './envoy-state.js';
import type { Keep, ResponseSink, StreamedResponse } from './response-sink.js';
import type { WireResource } from './wire.js';

/** A response as an Envoy acts on it, once it ended. */
export interface ReadResponse extends StreamedResponse {
  /** Per marker of the response's type: the first resource that carries it. */
  readonly markers: ReadonlyMap<MarkerSpec, WireResource>;
  /** The arm spec one of its resources matched (the spec armed when the resource arrived). */
  readonly armedHit: ArmSpec | undefined;
  /** EDS names of a CDS response (when deriving). */
  readonly eds: readonly string[] | undefined;
  /** RDS and SDS names of an LDS response (when deriving). */
  readonly listeners: ListenerNames | undefined;
}

/** Whether a resource named `name` is what `spec` waits for. */
function armMatches(spec: ArmSpec, name: string): boolean {
  return spec.name !== undefined ? name === spec.name : name.startsWith(spec.prefix ?? '');
}

/** A sink for one response; `derive` is undefined when the Envoy derives nothing (it rejects everything). */
export function createResponseReader(options: {
  derive: Derivations | undefined;
  markers: readonly MarkerSpec[];
  armed: () => ArmSpec | undefined;
  onResponse: (response: ReadResponse) => void;
}): ResponseSink {
  const { derive } = options;
  const markers = new Map<MarkerSpec, WireResource>();
  let armedHit: { spec: ArmSpec; typeUrl: string | undefined } | undefined;
  let clusters: Collector<readonly string[]> | undefined;
  let listeners: Collector<ListenerNames> | undefined;
  /** Resources whose type was not known when they ended (the response's type_url came later). */
  const deferred: Array<{ name: string; body: Buffer | undefined }> = [];
  let first = '';
  let last = '';
  let count = 0;

  const markerFor = (spec: MarkerSpec, typeUrl: string | undefined, name: string): boolean =>
    spec.name === name && (typeUrl === undefined || spec.typeUrl === typeUrl);

  const derived = (typeUrl: string, name: string, body: Buffer | undefined): void => {
    if (derive === undefined || body === undefined) return;
    if (typeUrl === TypeUrl.Cluster) (clusters ??= derive.clusters()).add(name, body);
    else if (typeUrl === TypeUrl.Listener) (listeners ??= derive.listeners()).add(name, body);
  };

  return {
    keep(typeUrl, name): Keep {
      if (options.markers.some((spec) => markerFor(spec, typeUrl, name))) return 'body';
      if (derive === undefined) return false;
      // A listener can be big (a filter chain per TLS host): its names are read chain by chain.
      if (typeUrl === TypeUrl.Listener) return 'fields';
      return typeUrl === undefined || typeUrl === TypeUrl.Cluster ? 'body' : false;
    },
    fields(typeUrl, name, bytes) {
      if (derive !== undefined && typeUrl === TypeUrl.Listener)
        (listeners ??= derive.listeners()).add(name, bytes);
    },
    resource(typeUrl, name, body) {
      if (count++ === 0) first = name;
      last = name;
      const spec = options.armed();
      if (armedHit === undefined && spec !== undefined && armMatches(spec, name)) {
        if (typeUrl === undefined || typeUrl === spec.typeUrl) armedHit = { spec, typeUrl };
      }
      if (body !== undefined) {
        for (const m of options.markers) {
          if (!markers.has(m) && markerFor(m, typeUrl, name)) markers.set(m, { name, body });
        }
      }
      if (typeUrl === undefined) deferred.push({ name, body });
      else derived(typeUrl, name, body);
    },
    end(response) {
      for (const d of deferred) derived(response.typeUrl, d.name, d.body);
      for (const m of markers.keys()) if (m.typeUrl !== response.typeUrl) markers.delete(m);
      const key = { versionInfo: response.versionInfo, count, first, last };
      const isType = (typeUrl: string): boolean => derive !== undefined && response.typeUrl === typeUrl;
      options.onResponse({
        ...response,
        markers,
        armedHit:
          armedHit !== undefined && armedHit.spec.typeUrl === response.typeUrl ? armedHit.spec : undefined,
        eds: isType(TypeUrl.Cluster) ? (clusters ?? derive?.clusters())?.finish(key) : undefined,
        listeners: isType(TypeUrl.Listener) ? (listeners ?? derive?.listeners())?.finish(key) : undefined,
      });
    },
  };
}
