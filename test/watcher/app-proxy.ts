// The scenario the HTTPProxy translation tests share: an `app` HTTPProxy at app.example.com in front of two
// backends, `echo` (named port 80 → 8080) and `api` (port 8080 → 9090), each with one ready endpoint.
import { TypeUrl } from '@sesame/shared';
import { translate, type KubeObject } from '@sesame/watcher';
import { decoded, endpointSlice, httpProxy, routesOf, service } from './fixtures.js';

/** The cluster names of the two backends. */
export const ECHO = 'default/echo/80/da39a3ee5e';
export const API = 'default/api/8080/da39a3ee5e';

/** The Services and EndpointSlices of `echo` and `api`. */
export const backends: KubeObject[] = [
  service('echo', [{ name: 'http', port: 80, targetPort: 8080 }]),
  endpointSlice('echo', { ports: [{ name: 'http', port: 8080 }], endpoints: [{ address: '10.0.1.1' }] }),
  service('api', [{ port: 8080 }]),
  endpointSlice('api', { ports: [{ port: 9090 }], endpoints: [{ address: '10.0.2.1' }] }),
];

/** An HTTPProxy route: an optional prefix condition, its services and any other fields. */
export const route = (
  prefix: string | undefined,
  services: Record<string, unknown>[],
  extra: Record<string, unknown> = {},
) => ({
  ...(prefix === undefined ? {} : { conditions: [{ prefix }] }),
  services,
  ...extra,
});

/** The `app` HTTPProxy with these routes (and virtual host fields). */
export const proxy = (routes: Record<string, unknown>[], vhost: Record<string, unknown> = {}): KubeObject =>
  httpProxy('app', { virtualhost: { fqdn: 'app.example.com', ...vhost }, routes });

/** The routes of `fqdn` in the `ingress_http` route configuration translated from `objects`. */
export const plainRoutes = (objects: readonly KubeObject[], fqdn = 'app.example.com'): unknown[] => {
  const { resources } = translate(objects);
  return routesOf(decoded(resources, TypeUrl.RouteConfiguration, 'ingress_http'), fqdn);
};
