import type { BackendPort, Ingress, IngressBackend, IngressPath, IngressRule, Meta } from './kinds.js';
import type { FieldReader, Fields } from './read.js';

/** Reads a `networking.k8s.io/v1` Ingress. */
export function decodeIngress(r: FieldReader, manifest: Fields, meta: Meta): Ingress {
  const spec = r.fields(manifest, 'spec', '') ?? {};
  const defaultBackendFields = r.fields(spec, 'defaultBackend', 'spec');
  const defaultBackend =
    defaultBackendFields === undefined
      ? undefined
      : decodeBackend(r, defaultBackendFields, 'spec.defaultBackend');
  const rules = r.list(spec, 'rules', 'spec', (value, path): IngressRule | undefined => {
    const item = r.item(value, path);
    if (item === undefined) return undefined;
    const http = r.fields(item, 'http', path) ?? {};
    const paths = r.list(http, 'paths', `${path}.http`, (v, p) => decodePath(r, v, p));
    return { host: r.string(item, 'host', path) ?? '', paths };
  });
  const tls = r.list(spec, 'tls', 'spec', (value, path) => {
    const item = r.item(value, path);
    if (item === undefined) return undefined;
    return { hosts: r.strings(item, 'hosts', path), secretName: r.string(item, 'secretName', path) ?? '' };
  });
  return {
    kind: 'Ingress',
    meta,
    className: r.string(spec, 'ingressClassName', 'spec') ?? '',
    ...(defaultBackend === undefined ? {} : { defaultBackend }),
    rules,
    tls,
  };
}

function decodePath(r: FieldReader, value: unknown, path: string): IngressPath | undefined {
  const item = r.item(value, path);
  if (item === undefined) return undefined;
  const backendFields = r.fields(item, 'backend', path, true);
  if (backendFields === undefined) return undefined;
  return {
    path: r.string(item, 'path', path) ?? '',
    // The API server requires pathType; Contour treats a missing one as ImplementationSpecific.
    pathType: r.string(item, 'pathType', path) ?? 'ImplementationSpecific',
    backend: decodeBackend(r, backendFields, `${path}.backend`),
  };
}

function decodeBackend(r: FieldReader, backend: Fields, path: string): IngressBackend {
  const resource = r.fields(backend, 'resource', path) !== undefined;
  const service = r.fields(backend, 'service', path);
  if (service === undefined) {
    if (!resource) r.fail(path, 'needs a service (or a resource)');
    return { resource };
  }
  const name = r.string(service, 'name', `${path}.service`, true) ?? '';
  const portFields = r.fields(service, 'port', `${path}.service`, true) ?? {};
  const number = r.int(portFields, 'number', `${path}.service.port`, { min: 1, max: 65535 });
  const portName = r.string(portFields, 'name', `${path}.service.port`);
  if ((number === undefined) === (portName === undefined || portName === '')) {
    r.fail(`${path}.service.port`, 'needs exactly one of number or name');
  }
  const port: BackendPort = number !== undefined ? { number } : { name: portName ?? '' };
  return { service: { name, port }, resource };
}
