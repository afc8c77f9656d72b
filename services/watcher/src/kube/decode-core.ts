import { isIPv4, isIPv6 } from 'node:net';
import type { EndpointSlice, Meta, Secret, Service, SliceEndpoint, SlicePort } from './kinds.js';
import type { FieldReader, Fields } from './read.js';

/** The label that ties an EndpointSlice to its Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

const PORT_RANGE = { min: 1, max: 65535 } as const;

/** Reads the routing-relevant fields of a `v1` Service. */
export function decodeService(r: FieldReader, manifest: Fields, meta: Meta): Service {
  const spec = r.fields(manifest, 'spec', '') ?? {};
  const ports = r.list(spec, 'ports', 'spec', (value, path): ServicePort | undefined => {
    const item = r.item(value, path);
    if (item === undefined) return undefined;
    const port = r.int(item, 'port', path, { ...PORT_RANGE, required: true });
    if (port === undefined) return undefined;
    return {
      name: r.string(item, 'name', path) ?? '',
      port,
      protocol: r.string(item, 'protocol', path) ?? 'TCP',
    };
  });
  return {
    kind: 'Service',
    meta,
    type: r.string(spec, 'type', 'spec') ?? 'ClusterIP',
    externalName: r.string(spec, 'externalName', 'spec') ?? '',
    ports,
  };
}

type ServicePort = Service['ports'][number];

/** Reads a `discovery.k8s.io/v1` EndpointSlice; the service-name label is required. */
export function decodeEndpointSlice(r: FieldReader, manifest: Fields, meta: Meta): EndpointSlice {
  const serviceName = meta.labels[SERVICE_NAME_LABEL] ?? '';
  if (serviceName === '')
    r.fail(`metadata.labels.${SERVICE_NAME_LABEL}`, 'is required to tie the slice to a Service');
  const addressType = r.string(manifest, 'addressType', '', true) ?? '';
  const endpoints = r.list(manifest, 'endpoints', '', (value, path): SliceEndpoint | undefined => {
    const item = r.item(value, path);
    if (item === undefined) return undefined;
    const addresses = r.strings(item, 'addresses', path);
    if (addresses.length === 0) return r.fail(`${path}.addresses`, 'needs at least one address');
    // Envoy rejects a whole EDS response for one malformed address, so a bad slice is refused here.
    const isAddress = addressType === 'IPv4' ? isIPv4 : addressType === 'IPv6' ? isIPv6 : undefined;
    const bad = isAddress === undefined ? undefined : addresses.find((a) => !isAddress(a));
    if (bad !== undefined) return r.fail(`${path}.addresses`, `"${bad}" is not an ${addressType} address`);
    const conditions = r.fields(item, 'conditions', path) ?? {};
    const ready = conditions['ready'];
    // A boolean needs no path: one per endpoint (100,000) was garbage.
    if (typeof ready === 'boolean') return { addresses, ready };
    return { addresses, ready: r.bool(conditions, 'ready', `${path}.conditions`) ?? true };
  });
  const ports = r.list(manifest, 'ports', '', (value, path): SlicePort | undefined => {
    const item = r.item(value, path);
    if (item === undefined) return undefined;
    const port = r.int(item, 'port', path, PORT_RANGE);
    return {
      name: r.string(item, 'name', path) ?? '',
      ...(port === undefined ? {} : { port }),
      protocol: r.string(item, 'protocol', path) ?? 'TCP',
    };
  });
  return { kind: 'EndpointSlice', meta, serviceName, addressType, endpoints, ports };
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * The bytes of `value` when it is base64 in the canonical form the API server writes (padded, no
 * whitespace), else undefined. Decoding skips characters that are not base64, so only a value that
 * encodes back to itself is known good: a round trip in C++ costs a fraction of a pass in JavaScript over
 * the characters of 2,000 certificates and keys.
 */
function canonicalBase64(value: string): Buffer | undefined {
  const bytes = Buffer.from(value, 'base64');
  return bytes.toString('base64') === value ? bytes : undefined;
}

/** Reads a `v1` Secret, decoding `data` and merging `stringData` over it as the API server would. */
export function decodeSecret(r: FieldReader, manifest: Fields, meta: Meta): Secret {
  const data = new Map<string, Buffer>();
  for (const [key, value] of Object.entries(r.stringMap(manifest, 'data', ''))) {
    const canonical = canonicalBase64(value);
    if (canonical !== undefined) {
      data.set(key, canonical);
      continue;
    }
    const compact = value.replace(/\s+/g, '');
    if (!BASE64.test(compact) || compact.length % 4 === 1) r.fail(`data.${key}`, 'is not valid base64');
    else data.set(key, Buffer.from(compact, 'base64'));
  }
  for (const [key, value] of Object.entries(r.stringMap(manifest, 'stringData', ''))) {
    data.set(key, Buffer.from(value, 'utf8'));
  }
  return { kind: 'Secret', meta, type: r.string(manifest, 'type', '') ?? 'Opaque', data };
}
