import { isDnsName, type Result } from '@sesame/shared';
import { uint32Annotation, upstreamProtocols } from '../kube/annotations.js';
import { nsName, type BackendPort, type Secret, type Service } from '../kube/kinds.js';
import { caBundleProblem, keyPairProblem } from './key-pair.js';
import type { CaSecret, CircuitBreakers, TlsSecret, Upstream, UpstreamProtocol } from './model.js';
import type { World } from './world.js';

/** The Secret type whose `tls.crt` and `tls.key` Sesame serves. */
export const TLS_SECRET_TYPE = 'kubernetes.io/tls';
/** The key of a CA bundle in a Secret. */
export const CA_KEY = 'ca.crt';

const upstreamCache = new WeakMap<Service, Map<string, Result<Upstream, string>>>();

/**
 * Resolves a Service port (by number or name) into an upstream: its protocol and circuit breakers from the
 * Service's annotations, its DNS name for an ExternalName Service. The error says what is missing, in
 * Contour's words where Contour has them. Results are cached per Service object.
 */
export function resolveUpstream(
  world: World,
  namespace: string,
  serviceName: string,
  port: BackendPort,
): Result<Upstream, string> {
  const key = nsName(namespace, serviceName);
  const service = world.service(namespace, serviceName);
  if (service === undefined) return { ok: false, errors: `service "${key}" not found` };
  const externalNames = world.options.enableExternalNameService === true;
  const portKey = `${port.number ?? ''}\0${port.name ?? ''}\0${externalNames}`;
  let byPort = upstreamCache.get(service);
  if (byPort === undefined) {
    byPort = new Map();
    upstreamCache.set(service, byPort);
  }
  let found = byPort.get(portKey);
  if (found === undefined) {
    found = upstreamOf(service, key, port, externalNames);
    byPort.set(portKey, found);
  }
  return found;
}

function upstreamOf(
  service: Service,
  key: string,
  port: BackendPort,
  externalNames: boolean,
): Result<Upstream, string> {
  let externalName = '';
  if (service.type === 'ExternalName') {
    if (!externalNames) {
      return {
        ok: false,
        errors: `service "${key}" is an ExternalName service, which Sesame serves only with enableExternalNameService set`,
      };
    }
    externalName = service.externalName.toLowerCase();
    if (!isDnsName(externalName) || externalName === 'localhost' || externalName.endsWith('.localhost')) {
      return {
        ok: false,
        errors: `service "${key}": externalName "${service.externalName}" is not a routable DNS name`,
      };
    }
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
  const annotated = Object.keys(service.meta.annotations).length > 0;
  const protocols = annotated ? upstreamProtocols(service.meta) : new Map<string, UpstreamProtocol>();
  const breakers: CircuitBreakers = {};
  const set = (field: keyof CircuitBreakers, annotation: string): void => {
    const v = uint32Annotation(service.meta, annotation);
    if (v !== undefined) (breakers as Record<string, number>)[field] = v;
  };
  if (annotated) {
    set('maxConnections', 'max-connections');
    set('maxPendingRequests', 'max-pending-requests');
    set('maxRequests', 'max-requests');
    set('maxRetries', 'max-retries');
    set('perHostMaxConnections', 'per-host-max-connections');
  }
  return {
    ok: true,
    value: {
      namespace: service.meta.namespace,
      name: service.meta.name,
      port: found.port,
      portName: found.name,
      externalName,
      protocol:
        (found.name === '' ? undefined : protocols.get(found.name)) ??
        protocols.get(String(found.port)) ??
        '',
      circuitBreakers: breakers,
    },
  };
}

/** Why a secret may not be used from `targetNamespace`: Contour's TLSCertificateDelegation rule. */
export function delegationPermitted(
  world: World,
  secretNamespace: string,
  secretName: string,
  targetNamespace: string,
): boolean {
  if (secretNamespace === targetNamespace) return true;
  for (const delegation of world.delegations(secretNamespace)) {
    for (const d of delegation.delegations) {
      if (d.secretName !== secretName) continue;
      if (d.targetNamespaces.includes('*') || d.targetNamespaces.includes(targetNamespace)) return true;
    }
  }
  return false;
}

/** A failed secret lookup: `delegation` tells the caller to use Contour's DelegationNotPermitted wording. */
export interface SecretProblem {
  readonly delegation: boolean;
  readonly message: string;
}

/** Splits `name` or `namespace/name` (a reference from `fromNamespace`). */
export function secretRef(reference: string, fromNamespace: string): { namespace: string; name: string } {
  const slash = reference.indexOf('/');
  return slash === -1
    ? { namespace: fromNamespace, name: reference }
    : { namespace: reference.slice(0, slash), name: reference.slice(slash + 1) };
}

const tlsCache = new WeakMap<Secret, Result<TlsSecret, string>>();
const caCache = new WeakMap<Secret, Result<CaSecret, string>>();

/**
 * Resolves a TLS secret for use from `targetNamespace`: it must exist, be a parseable `kubernetes.io/tls`
 * pair that Envoy accepts, and be delegated when it lives in another namespace (Contour's LookupTLSSecret).
 */
export function resolveTlsSecret(
  world: World,
  ref: { namespace: string; name: string },
  targetNamespace: string,
): Result<TlsSecret, SecretProblem> {
  const secret = world.secret(ref.namespace, ref.name);
  if (secret === undefined) return fail(`secret "${nsName(ref.namespace, ref.name)}" not found`);
  let checked = tlsCache.get(secret);
  if (checked === undefined) {
    checked = checkTlsSecret(secret);
    tlsCache.set(secret, checked);
  }
  if (!checked.ok) return fail(checked.errors);
  const rejected = world.check.tlsSecret(checked.value);
  if (rejected !== undefined) return fail(rejected);
  if (!delegationPermitted(world, ref.namespace, ref.name, targetNamespace)) {
    return { ok: false, errors: { delegation: true, message: 'certificate delegation not permitted' } };
  }
  return checked;
}

/** Resolves a CA bundle (`ca.crt` of any Secret type) for client validation (Contour's LookupCASecret). */
export function resolveCaSecret(
  world: World,
  ref: { namespace: string; name: string },
  targetNamespace: string,
): Result<CaSecret, SecretProblem> {
  const secret = world.secret(ref.namespace, ref.name);
  if (secret === undefined) return fail(`secret "${nsName(ref.namespace, ref.name)}" not found`);
  let checked = caCache.get(secret);
  if (checked === undefined) {
    checked = checkCaSecret(secret);
    caCache.set(secret, checked);
  }
  if (!checked.ok) return fail(checked.errors);
  const rejected = world.check.caSecret(checked.value);
  if (rejected !== undefined) return fail(rejected);
  if (!delegationPermitted(world, ref.namespace, ref.name, targetNamespace)) {
    return { ok: false, errors: { delegation: true, message: 'certificate delegation not permitted' } };
  }
  return checked;
}

function fail<T>(message: string): Result<T, SecretProblem> {
  return { ok: false, errors: { delegation: false, message } };
}

function checkTlsSecret(secret: Secret): Result<TlsSecret, string> {
  const key = nsName(secret.meta.namespace, secret.meta.name);
  if (secret.type !== TLS_SECRET_TYPE) {
    return { ok: false, errors: `secret "${key}" is of type ${secret.type}, expected ${TLS_SECRET_TYPE}` };
  }
  const certificate = secret.data.get('tls.crt');
  const privateKey = secret.data.get('tls.key');
  if (certificate === undefined || privateKey === undefined) {
    return { ok: false, errors: `secret "${key}" needs both tls.crt and tls.key` };
  }
  const problem = keyPairProblem(certificate, privateKey);
  if (problem !== undefined) return { ok: false, errors: `secret "${key}": ${problem}` };
  return {
    ok: true,
    value: { namespace: secret.meta.namespace, name: secret.meta.name, certificate, privateKey },
  };
}

function checkCaSecret(secret: Secret): Result<CaSecret, string> {
  const key = nsName(secret.meta.namespace, secret.meta.name);
  const ca = secret.data.get(CA_KEY);
  if (ca === undefined || ca.length === 0) return { ok: false, errors: `secret "${key}" has no ${CA_KEY}` };
  const problem = caBundleProblem(ca);
  if (problem !== undefined) return { ok: false, errors: `secret "${key}": ${CA_KEY} ${problem}` };
  return { ok: true, value: { namespace: secret.meta.namespace, name: secret.meta.name, ca } };
}
