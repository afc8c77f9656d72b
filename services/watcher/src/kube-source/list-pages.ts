import {
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
  NetworkingV1Api,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';
import type { WatchedKind } from './watched-kinds.js';

/** A list result as the informer consumes it. */
export type ObjectList = KubernetesListObject<KubernetesObject>;

/** Fetches one page of a collection. */
export type ListPage = (page: { limit: number; continueToken?: string }) => Promise<ObjectList>;

/** Page size of the initial list: what client-go's pager uses, so a large cluster is read in bites. */
export const LIST_PAGE_SIZE = 500;

/** One page of `kind` (in `namespace`, or across all), through the generated client for that group. */
export function createListPage(kc: KubeConfig, kind: WatchedKind, namespace?: string): ListPage {
  const ns = namespace === undefined || !kind.namespaced ? undefined : { namespace };
  const list = listFunction(kc, kind, ns);
  return ({ limit, continueToken }) =>
    list({
      limit,
      ...(continueToken === undefined ? {} : { _continue: continueToken }),
      ...(kind.fieldSelector === undefined ? {} : { fieldSelector: kind.fieldSelector }),
    });
}

interface ListParams {
  readonly limit: number;
  readonly _continue?: string;
  readonly fieldSelector?: string;
}

function listFunction(
  kc: KubeConfig,
  kind: WatchedKind,
  ns: { namespace: string } | undefined,
): (params: ListParams) => Promise<ObjectList> {
  switch (`${kind.group} ${kind.plural}`) {
    case ' services': {
      const api = kc.makeApiClient(CoreV1Api);
      return (p) =>
        ns === undefined ? api.listServiceForAllNamespaces(p) : api.listNamespacedService({ ...p, ...ns });
    }
    case ' secrets': {
      const api = kc.makeApiClient(CoreV1Api);
      return (p) =>
        ns === undefined ? api.listSecretForAllNamespaces(p) : api.listNamespacedSecret({ ...p, ...ns });
    }
    case 'discovery.k8s.io endpointslices': {
      const api = kc.makeApiClient(DiscoveryV1Api);
      return (p) =>
        ns === undefined
          ? api.listEndpointSliceForAllNamespaces(p)
          : api.listNamespacedEndpointSlice({ ...p, ...ns });
    }
    case 'networking.k8s.io ingresses': {
      const api = kc.makeApiClient(NetworkingV1Api);
      return (p) =>
        ns === undefined ? api.listIngressForAllNamespaces(p) : api.listNamespacedIngress({ ...p, ...ns });
    }
    case 'networking.k8s.io ingressclasses': {
      const api = kc.makeApiClient(NetworkingV1Api);
      return (p) => api.listIngressClass(p);
    }
    default: {
      // Custom resources: the dynamic client, which hands back the JSON as the server sent it.
      const api = kc.makeApiClient(CustomObjectsApi);
      const target = { group: kind.group, version: kind.version, plural: kind.plural };
      return (p) => {
        const list: Promise<unknown> =
          ns === undefined
            ? api.listClusterCustomObject({ ...target, ...p })
            : api.listNamespacedCustomObject({ ...target, ...p, ...ns });
        return list as Promise<ObjectList>;
      };
    }
  }
}

/**
 * Lists a whole collection page by page; every page is read at the first page's resourceVersion, so the
 * result is one consistent state. If the continue token expires mid-way (410), lists again in one request,
 * as client-go's pager does.
 */
export async function listAllPages(page: ListPage, pageSize = LIST_PAGE_SIZE): Promise<ObjectList> {
  const items: KubernetesObject[] = [];
  let first: ObjectList | undefined;
  let continueToken: string | undefined;
  do {
    let list: ObjectList;
    try {
      list = await page({ limit: pageSize, ...(continueToken === undefined ? {} : { continueToken }) });
    } catch (err) {
      if (continueToken !== undefined && statusCode(err) === 410) return page({ limit: 0 });
      throw err;
    }
    first ??= list;
    items.push(...list.items);
    continueToken = continueOf(list);
  } while (continueToken !== undefined);
  return { ...first, items };
}

/** The continue token of a page: `_continue` in the generated models, `continue` in raw JSON. */
function continueOf(list: ObjectList): string | undefined {
  const meta = list.metadata as { _continue?: unknown; continue?: unknown } | undefined;
  const token = meta?._continue ?? meta?.continue;
  return typeof token === 'string' && token !== '' ? token : undefined;
}

/** The HTTP status of a failed API call (client-node's ApiException, or a watch error), if any. */
export function statusCode(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { code, statusCode: status } = err as { code?: unknown; statusCode?: unknown };
  if (typeof code === 'number') return code;
  if (typeof status === 'number') return status;
  return undefined;
}
