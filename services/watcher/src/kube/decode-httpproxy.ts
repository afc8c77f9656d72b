import type { HTTPProxy, MatchCondition, Meta, ProxyRoute, ProxyService, ProxyTls } from './kinds.js';
import type { FieldReader, Fields } from './read.js';

/** Top-level spec fields of Contour's HTTPProxy that this version reports as not implemented yet. */
const UNSUPPORTED_SPEC_FIELDS = ['includes', 'tcpproxy'] as const;
/** Path conditions this version implements; any other condition field is reported. */
const PATH_CONDITIONS = ['prefix', 'exact', 'regex'] as const;

/** Reads a `projectsesame.io/v1` HTTPProxy. */
export function decodeHTTPProxy(r: FieldReader, manifest: Fields, meta: Meta): HTTPProxy {
  const spec = r.fields(manifest, 'spec', '', true) ?? {};
  const vhostFields = r.fields(spec, 'virtualhost', 'spec');
  let virtualhost: HTTPProxy['virtualhost'];
  if (vhostFields !== undefined) {
    const tlsFields = r.fields(vhostFields, 'tls', 'spec.virtualhost');
    const tls = tlsFields === undefined ? undefined : decodeTls(r, tlsFields, 'spec.virtualhost.tls');
    virtualhost = {
      fqdn: r.string(vhostFields, 'fqdn', 'spec.virtualhost', true) ?? '',
      ...(tls === undefined ? {} : { tls }),
    };
  }
  const routes = r.list(spec, 'routes', 'spec', (value, path) => decodeRoute(r, value, path));
  return {
    kind: 'HTTPProxy',
    meta,
    className: r.string(spec, 'ingressClassName', 'spec') ?? '',
    ...(virtualhost === undefined ? {} : { virtualhost }),
    routes,
    unsupported: UNSUPPORTED_SPEC_FIELDS.filter((field) => spec[field] !== undefined && spec[field] !== null),
  };
}

function decodeTls(r: FieldReader, tls: Fields, path: string): ProxyTls {
  return {
    secretName: r.string(tls, 'secretName', path) ?? '',
    passthrough: r.bool(tls, 'passthrough', path) ?? false,
    minimumProtocolVersion: r.string(tls, 'minimumProtocolVersion', path) ?? '',
    maximumProtocolVersion: r.string(tls, 'maximumProtocolVersion', path) ?? '',
  };
}

function decodeRoute(r: FieldReader, value: unknown, path: string): ProxyRoute | undefined {
  const route = r.item(value, path);
  if (route === undefined) return undefined;
  const conditions = r.list(route, 'conditions', path, (v, p): MatchCondition | undefined => {
    const item = r.item(v, p);
    if (item === undefined) return undefined;
    const read: { prefix?: string; exact?: string; regex?: string } = {};
    for (const key of PATH_CONDITIONS) {
      const s = r.string(item, key, p);
      if (s !== undefined) read[key] = s;
    }
    const known: readonly string[] = PATH_CONDITIONS;
    const unsupported = Object.keys(item).filter((key) => !known.includes(key) && item[key] !== null);
    return { ...read, unsupported };
  });
  const services = r.list(route, 'services', path, (v, p): ProxyService | undefined => {
    const item = r.item(v, p);
    if (item === undefined) return undefined;
    const name = r.string(item, 'name', p, true);
    // Contour checks the range itself and reports it on the route; a CRD schema would reject it earlier.
    const port = r.int(item, 'port', p, { min: 1, max: 65535, required: true });
    const weight = r.int(item, 'weight', p, { min: 0, max: 2 ** 32 - 1 });
    if (name === undefined || port === undefined) return undefined;
    return { name, port, ...(weight === undefined ? {} : { weight }) };
  });
  return { conditions, services, permitInsecure: r.bool(route, 'permitInsecure', path) ?? false };
}
