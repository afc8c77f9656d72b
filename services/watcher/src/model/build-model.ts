import type { KubeCache } from '../kube/kube-cache.js';
import type { Diagnostic } from '../kube/object.js';
import { createBuildContext } from './build-context.js';
import { processHTTPProxies } from './httpproxy.js';
import { processIngresses } from './ingress.js';
import type { Model } from './model.js';

/** Options of the model builder. */
export interface ModelOptions {
  /** Serve only Ingresses and HTTPProxies of this class; unset means no class or the default class. */
  readonly ingressClass?: string;
}

/**
 * Builds the routing model from checked objects. Ingresses go first and HTTPProxies second, as in Contour,
 * so an HTTPProxy's TLS settings win over an Ingress's for the same host.
 */
export function buildModel(
  cache: KubeCache,
  options: ModelOptions = {},
): { model: Model; diagnostics: Diagnostic[] } {
  const ctx = createBuildContext(cache);
  processIngresses(ctx, options.ingressClass);
  processHTTPProxies(ctx, options.ingressClass);
  return ctx.finish();
}
