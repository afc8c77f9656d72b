import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { Result } from '@sesame/shared';
import { nsName, type BackendPort, type EndpointSlice, type ServicePort } from '../kube/kinds.js';
import type { KubeCache } from '../kube/kube-cache.js';
import { compareStrings } from '../util/order.js';
import type { Endpoint, TlsSecret, Upstream } from './model.js';

/** The Secret type whose `tls.crt` and `tls.key` Sesame serves. */
export const TLS_SECRET_TYPE = 'kubernetes.io/tls';

/**
 * Resolves a Service port (by number or name) into an upstream with its ready endpoints. The error string
 * says what is missing, in Contour's words where Contour has them.
 */
export function resolveUpstream(
  cache: KubeCache,
  namespace: string,
  serviceName: string,
  port: BackendPort,
): Result<Upstream, string> {
  const key = nsName(namespace, serviceName);
  const service = cache.services.get(key);
  if (service === undefined) return { ok: false, errors: `service "${key}" not found` };
  if (service.type === 'ExternalName') {
    return { ok: false, errors: `service "${key}" is of type ExternalName, which is not supported yet` };
  }
  const found = service.ports.find((p) =>
    port.number !== undefined ? p.port === port.number : port.name !== undefined && p.name === port.name,
  );
  if (found === undefined) {
    return { ok: false, errors: `port "${port.number ?? port.name ?? ''}" on service "${key}" not matched` };
  }
  if (found.protocol !== 'TCP') {
    return {
      ok: false,
      errors: `port "${found.port}" on service "${key}" uses ${found.protocol}; only TCP is routed`,
    };
  }
  return {
    ok: true,
    value: {
      namespace,
      name: serviceName,
      port: found.port,
      portName: found.name,
      endpoints: readyEndpoints(cache.endpointSlices.get(key) ?? [], found),
    },
  };
}

/**
 * The ready endpoints of a Service port across all its slices: the first address of each ready endpoint
 * (kubernetes/kubernetes#106267) with the target port of the slice port that has the Service port's name.
 * Slices may repeat endpoints, so the result is deduplicated, then sorted.
 */
export function readyEndpoints(slices: readonly EndpointSlice[], servicePort: ServicePort): Endpoint[] {
  const byKey = new Map<string, Endpoint>();
  for (const slice of slices) {
    if (slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6') continue;
    const ports = slice.ports.filter((p) => p.name === servicePort.name && p.protocol === 'TCP');
    for (const endpoint of slice.endpoints) {
      const address = endpoint.addresses[0];
      if (!endpoint.ready || address === undefined) continue;
      for (const p of ports) {
        if (p.port !== undefined) byKey.set(`${address}\0${p.port}`, { address, port: p.port });
      }
    }
  }
  return [...byKey.values()].sort((a, b) => compareStrings(a.address, b.address) || a.port - b.port);
}

/**
 * Resolves a TLS secret reference (`name`, or `namespace/name` in the referrer's own namespace) and checks
 * that the certificate and key are PEM, parse, and belong together, so Envoy never rejects them.
 */
export function resolveTlsSecret(
  cache: KubeCache,
  reference: string,
  fromNamespace: string,
): Result<TlsSecret, string> {
  const slash = reference.indexOf('/');
  const namespace = slash === -1 ? fromNamespace : reference.slice(0, slash);
  const name = slash === -1 ? reference : reference.slice(slash + 1);
  const key = nsName(namespace, name);
  if (namespace !== fromNamespace) {
    return {
      ok: false,
      errors: `secret "${key}" is in another namespace; certificate delegation is not supported yet`,
    };
  }
  const secret = cache.secrets.get(key);
  if (secret === undefined) return { ok: false, errors: `secret "${key}" not found` };
  if (secret.type !== TLS_SECRET_TYPE) {
    return { ok: false, errors: `secret "${key}" is of type ${secret.type}, expected ${TLS_SECRET_TYPE}` };
  }
  const certificate = secret.data.get('tls.crt');
  const privateKey = secret.data.get('tls.key');
  if (certificate === undefined || privateKey === undefined) {
    return { ok: false, errors: `secret "${key}" needs both tls.crt and tls.key` };
  }
  const problem = checkKeyPair(certificate, privateKey);
  if (problem !== undefined) return { ok: false, errors: `secret "${key}": ${problem}` };
  return { ok: true, value: { namespace, name, certificate, privateKey } };
}

function checkKeyPair(certificate: Buffer, privateKey: Buffer): string | undefined {
  // Envoy reads PEM only; X509Certificate would also accept DER.
  if (!certificate.toString('latin1').includes('-----BEGIN CERTIFICATE-----'))
    return 'tls.crt is not a PEM certificate';
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(privateKey.toString('latin1')))
    return 'tls.key is not a PEM private key';
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certificate);
  } catch (err) {
    return `tls.crt does not parse (${(err as Error).message})`;
  }
  try {
    if (!cert.checkPrivateKey(createPrivateKey(privateKey)))
      return 'tls.key does not match the certificate in tls.crt';
  } catch (err) {
    return `tls.key does not parse (${(err as Error).message})`;
  }
  return undefined;
}
