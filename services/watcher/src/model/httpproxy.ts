import type { HTTPProxy, ProxyTls } from '../kube/kinds.js';
import { createConditionSink, type ConditionRecorder, type ConditionSink } from './conditions.js';
import { computeRoutes, proxyOrigin, unsupportedFields } from './httpproxy-routes.js';
import { processTcpProxy } from './httpproxy-tcp.js';
import { resolveCaSecret, resolveTlsSecret, secretRef } from './lookups.js';
import { normalizeHost } from './match.js';
import type { Contribution, DownstreamValidation, TcpProxy, TlsSettings, TlsVersion } from './model.js';
import type { World } from './world.js';

/** What one unit of the model (an Ingress, or a root HTTPProxy with its includes) yields. */
export interface UnitResult {
  readonly contributions: readonly Contribution[];
  /** Conditions of every object the unit touched (an HTTPProxy reached from a root is not orphaned). */
  readonly conditions: ConditionSink['touched'];
}

/** The lower-cased fqdn a root HTTPProxy claims, or undefined when it has none. */
export function claimedFqdn(proxy: HTTPProxy): string | undefined {
  const fqdn = proxy.virtualhost?.fqdn;
  return fqdn === undefined || fqdn.trim() === '' ? undefined : fqdn.toLowerCase();
}

/**
 * Contour's computeHTTPProxy for one root HTTPProxy (one with `spec.virtualhost`): checks the virtual host
 * and its TLS, then computes its routes through its includes and its tcpproxy. Every problem is a
 * condition on the object it belongs to; the root contributes nothing when it is invalid as a whole.
 */
export function processRootProxy(world: World, proxy: HTTPProxy): UnitResult {
  const sink = createConditionSink();
  const cond = sink.for(proxyOrigin(proxy));
  const contribution = rootContribution(world, proxy, sink, cond);
  return { contributions: contribution === undefined ? [] : [contribution], conditions: sink.touched };
}

function rootContribution(
  world: World,
  proxy: HTTPProxy,
  sink: ConditionSink,
  cond: ConditionRecorder,
): Contribution | undefined {
  const vhost = proxy.virtualhost;
  const claimed = claimedFqdn(proxy);
  if (vhost === undefined || claimed === undefined) {
    cond.error('VirtualHostError', 'FQDNNotSpecified', 'Spec.VirtualHost.Fqdn must be specified');
    return undefined;
  }
  const fqdn = normalizeHost(vhost.fqdn);
  if (fqdn === undefined) {
    cond.error(
      'VirtualHostError',
      'FQDNInvalid',
      `Spec.VirtualHost.Fqdn "${vhost.fqdn}" is not a valid host name`,
    );
    return undefined;
  }
  const claimants = world.fqdnClaimants(claimed);
  if (claimants.length > 1) {
    cond.error(
      'VirtualHostError',
      'DuplicateVhost',
      `fqdn "${fqdn}" is used in multiple HTTPProxies: ${claimants.join(', ')}`,
    );
    return undefined;
  }
  const roots = world.options.rootNamespaces ?? [];
  if (roots.length > 0 && !roots.includes(proxy.meta.namespace)) {
    cond.error(
      'RootNamespaceError',
      'RootProxyNotAllowedInNamespace',
      'root HTTPProxy cannot be defined in this namespace',
    );
    return undefined;
  }
  if (!unsupportedFields(proxy, cond)) return undefined;
  if (proxy.routes.length === 0 && proxy.includes.length === 0 && proxy.tcpproxy === undefined) {
    cond.error(
      'SpecError',
      'NothingDefined',
      'HTTPProxy.Spec must have at least one Route, Include, or a TCPProxy',
    );
    return undefined;
  }
  let tls: TlsSettings | undefined;
  let passthrough = false;
  if (vhost.tls !== undefined) {
    const checked = checkTls(world, proxy, vhost.tls, cond);
    if (checked === undefined) return undefined;
    tls = checked.tls;
    passthrough = checked.passthrough;
  }
  const tlsEnabled = tls !== undefined || passthrough;
  let tcpProxy: TcpProxy | undefined;
  if (proxy.tcpproxy !== undefined) {
    if (!tlsEnabled) {
      cond.error(
        'TCPProxyError',
        'TLSMustBeConfigured',
        'Spec.TCPProxy requires that either Spec.TLS.Passthrough or Spec.TLS.SecretName be set',
      );
      return undefined;
    }
    tcpProxy = processTcpProxy(world, sink, proxy, []);
    if (tcpProxy === undefined) return undefined;
  }
  const routes = computeRoutes({ world, sink, fqdn, enforceTls: tlsEnabled }, proxy, [], []) ?? [];
  return {
    origin: proxyOrigin(proxy),
    fqdn,
    routes,
    secureRoutes: tls !== undefined && tcpProxy === undefined ? routes : [],
    ...(tls === undefined ? {} : { tls }),
    passthrough,
    ...(tcpProxy === undefined ? {} : { tcpProxy }),
    grpc: true,
  };
}

/** A TLS version name, else the default (Contour's annotation.TLSVersion), with a warning for a typo. */
export function tlsVersion(
  value: string,
  fallback: TlsVersion,
  field: string,
  cond?: ConditionRecorder,
): TlsVersion {
  if (value === '1.2' || value === '1.3') return value;
  if (value !== '')
    cond?.warning(
      'TLSError',
      'TLSVersionIgnored',
      `${field} "${value}" is not 1.2 or 1.3; using ${fallback}`,
    );
  return fallback;
}

function checkTls(
  world: World,
  proxy: HTTPProxy,
  tls: ProxyTls,
  cond: ConditionRecorder,
): { tls?: TlsSettings; passthrough: boolean } | undefined {
  if (tls.passthrough && tls.secretName !== '') {
    cond.error(
      'TLSError',
      'TLSConfigNotValid',
      'Spec.VirtualHost.TLS: both Passthrough and SecretName were specified',
    );
    return undefined;
  }
  if (!tls.passthrough && tls.secretName === '') {
    cond.error(
      'TLSError',
      'TLSConfigNotValid',
      'Spec.VirtualHost.TLS: neither Passthrough nor SecretName were specified',
    );
    return undefined;
  }
  if (tls.passthrough && tls.clientValidation !== undefined) {
    cond.error(
      'TLSError',
      'TLSIncompatibleFeatures',
      'Spec.VirtualHost.TLS passthrough cannot be combined with tls.clientValidation',
    );
    return undefined;
  }
  if (tls.passthrough) return { passthrough: true };
  const namespace = proxy.meta.namespace;
  const secret = resolveTlsSecret(world, secretRef(tls.secretName, namespace), namespace);
  if (!secret.ok) {
    if (secret.errors.delegation) {
      cond.error(
        'TLSError',
        'DelegationNotPermitted',
        `Spec.VirtualHost.TLS Secret "${tls.secretName}" certificate delegation not permitted`,
      );
    } else {
      cond.error(
        'TLSError',
        'SecretNotValid',
        `Spec.VirtualHost.TLS Secret "${tls.secretName}" is invalid: ${secret.errors.message}`,
      );
    }
    return undefined;
  }
  const minTlsVersion = tlsVersion(
    tls.minimumProtocolVersion,
    '1.2',
    'Spec.VirtualHost.TLS.MinimumProtocolVersion',
    cond,
  );
  const maxTlsVersion = tlsVersion(
    tls.maximumProtocolVersion,
    '1.3',
    'Spec.VirtualHost.TLS.MaximumProtocolVersion',
    cond,
  );
  if (maxTlsVersion < minTlsVersion) {
    cond.error(
      'TLSError',
      'TLSConfigNotValid',
      'Spec.Virtualhost.TLS the minimum protocol version is greater than the maximum protocol version',
    );
    return undefined;
  }
  let clientValidation: DownstreamValidation | undefined;
  const cv = tls.clientValidation;
  if (cv !== undefined) {
    let ca: DownstreamValidation['ca'];
    if (cv.caSecret !== '') {
      const ref = secretRef(cv.caSecret, namespace);
      const resolved = resolveCaSecret(world, ref, namespace);
      if (!resolved.ok) {
        if (resolved.errors.delegation) {
          cond.error(
            'TLSError',
            'DelegationNotPermitted',
            `Spec.VirtualHost.TLS CA Secret "${cv.caSecret}" is invalid: certificate delegation not permitted`,
          );
        } else {
          cond.error(
            'TLSError',
            'ClientValidationInvalid',
            `Spec.VirtualHost.TLS client validation is invalid: invalid CA Secret "${ref.namespace}/${ref.name}": ${resolved.errors.message}`,
          );
        }
        return undefined;
      }
      ca = resolved.value;
    } else if (!cv.skipClientCertValidation) {
      cond.error(
        'TLSError',
        'ClientValidationInvalid',
        'Spec.VirtualHost.TLS client validation is invalid: CA Secret must be specified',
      );
      return undefined;
    }
    clientValidation = {
      ...(ca === undefined ? {} : { ca }),
      skipVerification: cv.skipClientCertValidation,
      optional: cv.optionalClientCertificate,
      ...(cv.forwardClientCertificate === undefined ? {} : { forward: cv.forwardClientCertificate }),
    };
  }
  return {
    tls: {
      secret: secret.value,
      minTlsVersion,
      maxTlsVersion,
      ...(clientValidation === undefined ? {} : { clientValidation }),
    },
    passthrough: false,
  };
}
