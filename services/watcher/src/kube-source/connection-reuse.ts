import { createHash } from 'node:crypto';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

/** How long a pooled connection may sit idle. */
const IDLE_TIMEOUT_MS = 4_000;

/** The TLS settings of an agent that decide whether a pooled one can stand in for it. */
const TLS_KEYS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const;

type RequestContext = Parameters<KubeConfig['applySecurityAuthentication']>[0];

/**
 * A view of `kubeConfig` whose API clients (`makeApiClient`) keep their connections open. client-node 1.x
 * builds a fresh Agent for every request, so every status write or lease renewal would open a new TCP
 * connection and, against a real API server, do a new TLS handshake: at thousands of status writes that is
 * most of the cost. This swaps in one keep-alive agent per distinct TLS setting (credentials read afresh
 * for each request still apply: a rotated certificate gets a new agent). Proxy agents are left alone.
 */
export function reuseConnections(kubeConfig: KubeConfig): { kubeConfig: KubeConfig; close(): void } {
  const agents = new Map<string, HttpAgent>();
  const pooled = Object.create(kubeConfig) as KubeConfig;
  pooled.applySecurityAuthentication = async (context: RequestContext): Promise<void> => {
    await kubeConfig.applySecurityAuthentication(context);
    const fresh = context.getAgent();
    if (fresh === undefined) return;
    const isHttps = fresh.constructor === HttpsAgent;
    if (!isHttps && fresh.constructor !== HttpAgent) return;
    const options = (fresh as unknown as { options?: Record<string, unknown> }).options ?? {};
    const key = `${isHttps ? 'https' : 'http'} ${fingerprint(options)}`;
    let agent = agents.get(key);
    if (agent === undefined) {
      // Idle connections are dropped before a server's own keep-alive timeout (Node's default is 5 s), so a
      // request never goes out on a socket the server is closing at that moment.
      const settings = { ...pickTls(options), keepAlive: true, timeout: IDLE_TIMEOUT_MS };
      agent = isHttps ? new HttpsAgent(settings) : new HttpAgent(settings);
      agents.set(key, agent);
    }
    context.setAgent(agent);
  };
  return {
    kubeConfig: pooled,
    close() {
      for (const agent of agents.values()) agent.destroy();
      agents.clear();
    },
  };
}

function pickTls(options: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of TLS_KEYS) if (options[key] !== undefined) out[key] = options[key];
  return out;
}

function fingerprint(options: Record<string, unknown>): string {
  const hash = createHash('sha256');
  for (const key of TLS_KEYS) {
    hash.update(`${key}=`);
    for (const part of [options[key]].flat()) {
      if (Buffer.isBuffer(part)) hash.update(part);
      else hash.update(JSON.stringify(part ?? null));
      hash.update(',');
    }
    hash.update(';');
  }
  return hash.digest('base64');
}
