import { ApiException, CoreV1Api, KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { ErrorCode, SesameError } from '@sesame/shared';
import { SecretConflictError, type SecretClient, type StoredSecret } from './secret-store.js';
import type { TlsSecret } from './secrets.js';

/** Options of `createSecretClient`. */
export interface SecretClientOptions {
  /** Namespace of the Secrets. */
  readonly namespace: string;
  /** A kubeconfig file; without one, `KUBECONFIG`, `~/.kube/config` or the pod's service account, in that order. */
  readonly kubeconfig?: string;
}

/** The message of a Kubernetes `Status` body, or what the client said. */
function apiMessage(error: ApiException<unknown>): string {
  const body = error.body;
  if (typeof body === 'string') {
    try {
      const status = JSON.parse(body) as { message?: unknown };
      if (typeof status.message === 'string') return `${error.code} ${status.message}`;
    } catch {
      // Not a Status: fall through to the client's own words.
    }
  }
  return `${error.code} ${error.message}`;
}

function failure(what: string, cause: unknown): SesameError {
  if (cause instanceof ApiException) {
    const message = `cannot ${what}: ${apiMessage(cause)}`;
    return cause.code === 409
      ? new SecretConflictError(message, { cause })
      : new SesameError(ErrorCode.TlsMaterial, message, { cause });
  }
  return new SesameError(ErrorCode.TlsMaterial, `cannot ${what}: ${(cause as Error).message}`, { cause });
}

function loadKubeConfig(kubeconfig: string | undefined): KubeConfig {
  const config = new KubeConfig();
  try {
    if (kubeconfig === undefined) config.loadFromDefault();
    else config.loadFromFile(kubeconfig);
  } catch (cause) {
    const source = kubeconfig ?? 'the default kubeconfig';
    throw new SesameError(ErrorCode.ConfigInvalid, `cannot load ${source}: ${(cause as Error).message}`, {
      cause,
    });
  }
  return config;
}

/** A SecretClient over the Kubernetes API (in-cluster, or the kubeconfig given). */
export function createSecretClient(options: SecretClientOptions): SecretClient {
  const api = loadKubeConfig(options.kubeconfig).makeApiClient(CoreV1Api);
  const { namespace } = options;
  return {
    namespace,

    async get(name): Promise<StoredSecret | undefined> {
      try {
        const secret = await api.readNamespacedSecret({ name, namespace });
        return { type: secret.type, data: secret.data ?? {}, object: secret };
      } catch (cause) {
        if (cause instanceof ApiException && cause.code === 404) return undefined;
        throw failure(`read Secret ${namespace}/${name}`, cause);
      }
    },

    async create(secret: TlsSecret): Promise<void> {
      try {
        await api.createNamespacedSecret({ namespace, body: { ...secret, data: { ...secret.data } } });
      } catch (cause) {
        throw failure(`create Secret ${namespace}/${secret.metadata.name}`, cause);
      }
    },

    async update(found: StoredSecret, secret: TlsSecret): Promise<void> {
      const existing = found.object as V1Secret;
      const { name } = secret.metadata;
      // The read's resourceVersion rides along: a Secret changed since then is a 409, not overwritten.
      const body: V1Secret = {
        ...existing,
        metadata: {
          ...existing.metadata,
          labels: { ...existing.metadata?.labels, ...secret.metadata.labels },
        },
        type: secret.type,
        data: { ...secret.data },
      };
      try {
        await api.replaceNamespacedSecret({ name, namespace, body });
      } catch (cause) {
        throw failure(`update Secret ${namespace}/${name}`, cause);
      }
    },
  };
}
