import { CustomObjectsApi, NetworkingV1Api, type KubeConfig, type V1Ingress } from '@kubernetes/client-node';
import type { CurrentState, StatusKind } from './render.js';

/** Names the object a status write is for. */
export interface StatusTarget {
  readonly kind: StatusKind;
  readonly namespace: string;
  readonly name: string;
}

/** The API calls the status writer makes. Failures reject with client-node's ApiException (`code`). */
export interface StatusClient {
  /**
   * Replaces the status through the status subresource, if the object is still at `resourceVersion`;
   * resolves with the resourceVersion the write produced.
   */
  replaceStatus(
    target: StatusTarget,
    resourceVersion: string,
    status: Readonly<Record<string, unknown>>,
  ): Promise<string | undefined>;
  /** Reads the object afresh (after a conflict); undefined when it is gone. */
  read(target: StatusTarget): Promise<CurrentState | undefined>;
}

const PROXIES = { group: 'projectsesame.io', version: 'v1', plural: 'httpproxies' } as const;

/**
 * Status writes through the Kubernetes API: a PUT to `/status` carrying only identity, resourceVersion and
 * status. The API server takes nothing but status from a status write (ResetObjectMetaForStatus), so there
 * is no need to send, or keep, the rest of the object; the resourceVersion makes it a compare-and-swap.
 */
export function createKubeStatusClient(kubeConfig: KubeConfig): StatusClient {
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const networking = kubeConfig.makeApiClient(NetworkingV1Api);
  return {
    async replaceStatus(target, resourceVersion, status) {
      const metadata = { name: target.name, namespace: target.namespace, resourceVersion };
      let written: unknown;
      if (target.kind === 'HTTPProxy') {
        const body = { apiVersion: 'projectsesame.io/v1', kind: 'HTTPProxy', metadata, status };
        written = await custom.replaceNamespacedCustomObjectStatus({ ...PROXIES, ...target, body });
      } else {
        const body = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata, status } as V1Ingress;
        written = await networking.replaceNamespacedIngressStatus({ ...target, body });
      }
      return currentStateOf(written)?.resourceVersion;
    },
    async read(target) {
      try {
        const object: unknown =
          target.kind === 'HTTPProxy'
            ? await custom.getNamespacedCustomObject({ ...PROXIES, ...target })
            : await networking.readNamespacedIngress(target);
        return currentStateOf(object);
      } catch (err) {
        if ((err as { code?: unknown }).code === 404) return undefined;
        throw err;
      }
    },
  };
}

/** The resourceVersion, generation and status of an object as the API returned it. */
export function currentStateOf(object: unknown): CurrentState | undefined {
  if (typeof object !== 'object' || object === null) return undefined;
  const { metadata, status } = object as {
    metadata?: { resourceVersion?: unknown; generation?: unknown };
    status?: unknown;
  };
  if (typeof metadata?.resourceVersion !== 'string') return undefined;
  return {
    resourceVersion: metadata.resourceVersion,
    ...(typeof metadata.generation === 'number' ? { generation: metadata.generation } : {}),
    ...(status === undefined ? {} : { status }),
  };
}
