import { isIP } from 'node:net';
import type { KubernetesObject } from '@kubernetes/client-node';
import { isDnsName, type Result } from '@sesame/shared';

/** One entry of `status.loadBalancer.ingress`. */
export interface LoadBalancerIngress {
  readonly ip?: string;
  readonly hostname?: string;
}

/**
 * Parses `--ingress-status-address`: comma-separated IP addresses (→ `ip`) and host names (→ `hostname`),
 * as Contour does.
 */
export function parseStatusAddress(value: string): Result<LoadBalancerIngress[], string> {
  const out: LoadBalancerIngress[] = [];
  for (const part of value.split(',').map((p) => p.trim())) {
    if (part === '') continue;
    if (isIP(part) !== 0) out.push({ ip: part });
    else if (isDnsName(part) && !part.startsWith('*')) out.push({ hostname: part });
    else return { ok: false, errors: `"${part}" is neither an IP address nor a DNS name` };
  }
  if (out.length === 0) return { ok: false, errors: 'expected an IP address or a DNS name' };
  return { ok: true, value: out };
}

/**
 * The addresses in a Service's `status.loadBalancer.ingress` (the Envoy Service's, for Ingress status);
 * undefined when there is no such Service, so nothing is written until it exists.
 */
export function serviceLoadBalancer(
  service: KubernetesObject | undefined,
): LoadBalancerIngress[] | undefined {
  if (service === undefined) return undefined;
  const status = (service as { status?: { loadBalancer?: { ingress?: unknown } } }).status;
  const ingress = status?.loadBalancer?.ingress;
  if (!Array.isArray(ingress)) return [];
  const out: LoadBalancerIngress[] = [];
  for (const entry of ingress as { ip?: unknown; hostname?: unknown }[]) {
    const ip = typeof entry.ip === 'string' && entry.ip !== '' ? entry.ip : undefined;
    const hostname = typeof entry.hostname === 'string' && entry.hostname !== '' ? entry.hostname : undefined;
    if (ip !== undefined || hostname !== undefined) {
      out.push({ ...(ip === undefined ? {} : { ip }), ...(hostname === undefined ? {} : { hostname }) });
    }
  }
  return out;
}
