import { createHash } from 'node:crypto';
import type { CaSecret, Cluster, TlsSecret, Upstream } from '../model/model.js';
import { canonicalJson } from '../util/order.js';
import { cachedFor } from '../util/memo.js';

/** The plaintext listener, as Contour names it. */
export const LISTENER_HTTP = 'ingress_http';
/** The TLS listener, as Contour names it; present only with a secure virtual host. */
export const LISTENER_HTTPS = 'ingress_https';
/** The route configuration of the plaintext listener. */
export const ROUTE_CONFIG_HTTP = 'ingress_http';

/** The route configuration of one secure virtual host. */
export function secureRouteConfigName(fqdn: string): string {
  return `https/${fqdn}`;
}

/** Prefix of the route configurations of the gRPC view (`grpc/<fqdn>`). */
export const GRPC_ROUTE_CONFIG_PREFIX = 'grpc/';

/** The route configuration proxyless gRPC clients follow for one host (its API listener is the fqdn). */
export function grpcRouteConfigName(fqdn: string): string {
  return `${GRPC_ROUTE_CONFIG_PREFIX}${fqdn}`;
}

/** Contour's name length limit for generated names. */
const NAME_LIMIT = 60;
const SHORT_HASH = 6;

/**
 * Contour's `Hashname`: joins `parts` with `/`; if the result is not shorter than `limit`, shortens parts
 * from the last one, each to `limit / parts` characters ending in a hash of the whole, until it fits.
 */
export function hashname(limit: number, ...parts: string[]): string {
  const joined = parts.join('/');
  if (limit > joined.length) return joined;
  const hash = sha256Hex(joined);
  const shortened = [...parts];
  for (let n = shortened.length - 1; n >= 0; n--) {
    shortened[n] = truncate(Math.floor(limit / parts.length), shortened[n] ?? '', hash.slice(0, SHORT_HASH));
    const candidate = shortened.join('/');
    if (limit > candidate.length) return candidate;
  }
  return hash.slice(0, limit);
}

function truncate(limit: number, s: string, suffix: string): string {
  if (limit >= s.length) return s;
  if (limit <= suffix.length) return suffix.slice(0, limit);
  return `${s.slice(0, limit - suffix.length - 1)}-${suffix}`;
}

/**
 * What, besides the upstream, makes two clusters differ (Contour hashes load balancing, health checks,
 * upstream validation, protocol, SNI, timeouts and slow start). A cluster with every default hashes the
 * empty string, `da39a3ee5e`, as Contour's default cluster does.
 */
function clusterSettings(cluster: Cluster): string {
  const settings = {
    ...(cluster.lbStrategy === 'RoundRobin' ? {} : { lb: cluster.lbStrategy }),
    ...(cluster.healthCheck === undefined ? {} : { hc: cluster.healthCheck }),
    ...(cluster.protocol === '' ? {} : { protocol: cluster.protocol }),
    ...(cluster.sni === '' ? {} : { sni: cluster.sni }),
    ...(cluster.idleConnectionTimeout === undefined ? {} : { idle: cluster.idleConnectionTimeout }),
  };
  return Object.keys(settings).length === 0 ? '' : canonicalJson(settings);
}

const clusterNames = new WeakMap<Cluster, string>();
/** SHA-1 prefixes of cluster settings: few distinct settings among ~10,000 clusters, and a hash costs more than a lookup. */
const settingsHashes = new Map<string, string>();

function settingsHash(settings: string): string {
  let hash = settingsHashes.get(settings);
  if (hash === undefined) {
    hash = createHash('sha1').update(settings).digest('hex').slice(0, 10);
    // Bounded: settings that vary per cluster (an SNI per host) must not grow it forever.
    if (settingsHashes.size >= 4096) settingsHashes.clear();
    settingsHashes.set(settings, hash);
  }
  return hash;
}

/** `<namespace>/<service>/<port>/<hash of the settings>`, e.g. `default/echo/80/da39a3ee5e`. */
export function clusterName(cluster: Cluster): string {
  return cachedFor(clusterNames, cluster, () => {
    const { namespace, name, port } = cluster.upstream;
    return hashname(NAME_LIMIT, namespace, name, String(port), settingsHash(clusterSettings(cluster)));
  });
}

/** Contour's `alt_stat_name`: `<namespace>_<service>_<port>`. */
export function clusterStatName(cluster: Cluster): string {
  const { namespace, name, port } = cluster.upstream;
  return `${namespace}_${name}_${port}`;
}

/** The EDS resource of an upstream: `<namespace>/<service>/<port name, or number when unnamed>`. */
export function edsServiceName(upstream: Upstream): string {
  return cachedFor(
    edsNames,
    upstream,
    () =>
      `${upstream.namespace}/${upstream.name}/${upstream.portName === '' ? String(upstream.port) : upstream.portName}`,
  );
}

/** EDS names by upstream (cached per Service): each cluster, endpoint link and integrity check asks. */
const edsNames = new WeakMap<Upstream, string>();

/**
 * Secret names by model object (cached per Secret): hashing a certificate is the costly part, and a host's
 * secrets are named on every render, reference count and integrity check.
 */
const secretNames = new WeakMap<TlsSecret, string>();
const caSecretNames = new WeakMap<CaSecret, string>();

/** `<namespace>/<secret>/<hash of the certificate>`, so a renewed certificate is a new SDS resource. */
export function secretName(secret: TlsSecret): string {
  return cachedFor(secretNames, secret, () => {
    const hash = createHash('sha1').update(secret.certificate).digest('hex').slice(0, 10);
    return hashname(NAME_LIMIT, secret.namespace, secret.name, hash);
  });
}

/**
 * The SDS validation context of a CA bundle: `<namespace>/<secret>/<hash>`, the hash taken over a marked
 * copy so that a Secret whose `ca.crt` equals its `tls.crt` still names two different resources.
 */
export function caSecretName(secret: CaSecret): string {
  return cachedFor(caSecretNames, secret, () => {
    const hash = createHash('sha1').update('ca.crt\0').update(secret.ca).digest('hex').slice(0, 10);
    return hashname(NAME_LIMIT, secret.namespace, secret.name, hash);
  });
}

/** Contour names virtual hosts `Hashname(60, fqdn)`. */
export function virtualHostName(fqdn: string): string {
  return hashname(NAME_LIMIT, fqdn);
}

function sha256Hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}
