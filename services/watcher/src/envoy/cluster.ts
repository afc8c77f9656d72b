import type { Cluster } from '../model/model.js';
import { ADS_CONFIG_SOURCE } from './config-source.js';
import { clusterName, clusterStatName, edsServiceName } from './names.js';

/** Contour's default upstream connect timeout. */
const CONNECT_TIMEOUT_SECONDS = 2;

/** An EDS cluster whose endpoints come over ADS under the upstream's EDS name. */
export function envoyCluster(cluster: Cluster): Record<string, unknown> {
  return {
    name: clusterName(cluster),
    alt_stat_name: clusterStatName(cluster),
    type: 'EDS',
    eds_cluster_config: { eds_config: ADS_CONFIG_SOURCE, service_name: edsServiceName(cluster.upstream) },
    connect_timeout: { seconds: CONNECT_TIMEOUT_SECONDS },
  };
}
