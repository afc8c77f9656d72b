import { KubeConfig } from '@kubernetes/client-node';
import type { Result } from '@sesame/shared';

/**
 * The Kubernetes client configuration: `file` when given, else the pod's service account (`inCluster`).
 * A problem comes back as one line for the `--kubeconfig` flag.
 */
export function loadKubeConfig(options: { file?: string; inCluster: boolean }): Result<KubeConfig, string> {
  const kc = new KubeConfig();
  const { file } = options;
  try {
    if (file !== undefined && file !== '') kc.loadFromFile(file);
    else if (options.inCluster) kc.loadFromCluster();
    else return { ok: false, errors: 'is required outside a Kubernetes cluster' };
  } catch (err) {
    return { ok: false, errors: `cannot load "${file ?? 'in-cluster config'}": ${(err as Error).message}` };
  }
  const cluster = kc.getCurrentCluster();
  if (cluster === null) return { ok: false, errors: `"${file ?? ''}" names no current cluster` };
  if (cluster.server.startsWith('http:') && cluster.skipTLSVerify !== true) {
    // client-node refuses plain http unless told to skip TLS verification; say so before the first request.
    return { ok: false, errors: `cluster ${cluster.name} is plain http: set insecure-skip-tls-verify: true` };
  }
  return { ok: true, value: kc };
}
