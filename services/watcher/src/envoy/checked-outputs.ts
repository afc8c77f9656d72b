import { encodeChecked, TypeUrl, type Result } from '@sesame/shared';
import type { CaSecret, Cluster, Route, TlsSecret } from '../model/model.js';
import type { OutputCheck } from '../model/world.js';
import { envoyCluster } from './cluster.js';
import { envoyRoute, type RouteView } from './route.js';
import { caCertificateSecret, tlsCertificateSecret } from './secret.js';
import { cachedFor } from '../util/memo.js';

const clusters = new WeakMap<Cluster, Result<Uint8Array>>();
const tlsSecrets = new WeakMap<TlsSecret, Result<Uint8Array>>();
const caSecrets = new WeakMap<CaSecret, Result<Uint8Array>>();
const routes = new WeakMap<Route, Partial<Record<RouteView, Result<Uint8Array>>>>();

/** A cluster, checked and encoded once per model object. */
export function encodedCluster(cluster: Cluster): Result<Uint8Array> {
  return cachedFor(clusters, cluster, () => encodeChecked(TypeUrl.Cluster, envoyCluster(cluster)));
}

/** A TLS certificate as an SDS secret, checked and encoded once per model object. */
export function encodedTlsSecret(secret: TlsSecret): Result<Uint8Array> {
  return cachedFor(tlsSecrets, secret, () => encodeChecked(TypeUrl.Secret, tlsCertificateSecret(secret)));
}

/** A CA bundle as an SDS validation context, checked and encoded once per model object. */
export function encodedCaSecret(secret: CaSecret): Result<Uint8Array> {
  return cachedFor(caSecrets, secret, () => encodeChecked(TypeUrl.Secret, caCertificateSecret(secret)));
}

/** A route for one listener, checked and encoded once per model object and view. */
export function encodedRoute(route: Route, requested: RouteView): Result<Uint8Array> {
  // Only a redirecting route differs between the listeners: otherwise both views share one encoding.
  const view: RouteView = requested === 'http' && route.httpsRedirect ? 'http' : 'https';
  let byView = routes.get(route);
  if (byView === undefined) {
    byView = {};
    routes.set(route, byView);
  }
  let found = byView[view];
  if (found === undefined) {
    found = encodeChecked('envoy.config.route.v3.Route', envoyRoute(route, view));
    byView[view] = found;
  }
  return found;
}

/** The first problems of a failed check, for a status message. */
export function describeProblems(errors: readonly string[]): string {
  const shown = errors.slice(0, 3).join('; ');
  return errors.length > 3 ? `${shown}; and ${errors.length - 3} more` : shown;
}

function problem(result: Result<Uint8Array>): string | undefined {
  return result.ok ? undefined : `Envoy would reject it: ${describeProblems(result.errors)}`;
}

/** The checks the model runs before it uses a cluster or a secret (see `OutputCheck`). */
export const outputCheck: OutputCheck = {
  cluster: (cluster) => problem(encodedCluster(cluster)),
  tlsSecret: (secret) => problem(encodedTlsSecret(secret)),
  caSecret: (secret) => problem(encodedCaSecret(secret)),
};
