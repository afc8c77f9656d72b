// Plumbing shared by the scripted xDS clients: a channel over mutual TLS (or server-only TLS, or plaintext for
// the proxyless port) and an inbox that hands out responses in order, with deadlines and the final status.
import { Client, credentials, type StatusObject } from '@grpc/grpc-js';
import { formatHostPort, TYPE_SHORT_NAMES, type HostPort, type TlsMaterial } from '@sesame/shared';

/** How a scripted client reaches the edge. */
export interface ChannelOptions {
  readonly address: HostPort;
  readonly tls: TlsMaterial;
  readonly serverName?: string;
  /** Present no client certificate (only `tls.ca` is used). */
  readonly noClientCert?: boolean;
  /** Plaintext (the proxyless port without TLS). */
  readonly insecure?: boolean;
}

/** A channel of its own (never shared with another client), as Envoy has one connection per xDS server. */
export function openChannel(options: ChannelOptions): Client {
  const serverName = options.serverName ?? 'sesame-xds';
  const creds =
    options.insecure === true
      ? credentials.createInsecure()
      : options.noClientCert === true
        ? credentials.createSsl(options.tls.ca)
        : credentials.createSsl(options.tls.ca, options.tls.key, options.tls.cert);
  return new Client(formatHostPort(options.address), creds, {
    'grpc.ssl_target_name_override': serverName,
    'grpc.default_authority': serverName,
    'grpc.use_local_subchannel_pool': 1,
  });
}

/** Responses in arrival order, each taken once; a stream's end rejects every waiter with its status. */
export class Inbox<T extends { readonly typeUrl: string }> {
  private readonly queue: T[] = [];
  private readonly waiters: Array<(r: T | StatusObject) => void> = [];
  private status: StatusObject | undefined;
  private readonly statusWaiters: Array<(s: StatusObject) => void> = [];

  push(response: T): void {
    const waiter = this.waiters.shift();
    if (waiter !== undefined) waiter(response);
    else this.queue.push(response);
  }

  end(status: StatusObject): void {
    this.status = status;
    for (const w of this.waiters.splice(0)) w(status);
    for (const w of this.statusWaiters.splice(0)) w(status);
  }

  /** The next response; rejects after `timeoutMs` or when the stream ends. */
  next(timeoutMs = 5_000): Promise<T> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.status !== undefined) return Promise.reject(statusError(this.status));
    return new Promise((resolve, reject) => {
      const waiter = (r: T | StatusObject): void => {
        clearTimeout(timer);
        if ('code' in r) reject(statusError(r));
        else resolve(r);
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`no xDS response within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** The next response, which must be of `typeUrl`. */
  async nextOf(typeUrl: string, timeoutMs?: number, describe?: (r: T) => string): Promise<T> {
    const r = await this.next(timeoutMs);
    if (r.typeUrl !== typeUrl) {
      throw new Error(
        `expected a ${short(typeUrl)} response, got ${short(r.typeUrl)} ${describe?.(r) ?? ''}`,
      );
    }
    return r;
  }

  /** Resolves with the stream's final status. */
  closed(): Promise<StatusObject> {
    if (this.status !== undefined) return Promise.resolve(this.status);
    return new Promise((resolve) => this.statusWaiters.push(resolve));
  }

  /** Responses received but not yet taken. */
  pending(): number {
    return this.queue.length;
  }
}

function statusError(s: StatusObject): Error {
  return Object.assign(new Error(`stream ended: ${s.code} ${s.details}`), {
    code: s.code,
    details: s.details,
  });
}

/** lds, cds, ... for a served type URL; the URL itself otherwise. */
export function short(typeUrl: string): string {
  return (TYPE_SHORT_NAMES as Record<string, string>)[typeUrl] ?? typeUrl;
}
