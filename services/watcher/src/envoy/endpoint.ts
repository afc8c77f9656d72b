import type { Upstream } from '../model/model.js';
import { edsServiceName } from './names.js';

/** The endpoints of an upstream; with none ready it is still sent, empty, so its cluster can warm. */
export function clusterLoadAssignment(upstream: Upstream): Record<string, unknown> {
  const lbEndpoints = upstream.endpoints.map((e) => ({
    endpoint: { address: { socket_address: { address: e.address, port_value: e.port } } },
  }));
  return {
    cluster_name: edsServiceName(upstream),
    endpoints: lbEndpoints.length === 0 ? [] : [{ lb_endpoints: lbEndpoints }],
  };
}
