import { ErrorCode, SesameError } from '@sesame/shared';
import {
  caSecretData,
  leafSecretData,
  PREVIOUS_CA_KEYS,
  SECRET_NAMES,
  TLS_SECRET_TYPE,
  tlsSecret,
  type TlsSecret,
} from './secrets.js';
import type { CertificateStore, FoundCa, FoundLeaf } from './store.js';

/** A Secret as read, reduced to what certgen looks at, plus the object itself for a faithful update. */
export interface StoredSecret {
  readonly type: string | undefined;
  /** Base64 values, as the API returns them. */
  readonly data: Readonly<Record<string, string>>;
  /** The object as the client read it: an update starts from it, keeping every field certgen does not own. */
  readonly object: unknown;
}

/**
 * The Secret operations certgen performs, in one namespace, and nothing else: get, create and update of
 * its three names (what a Role can grant by name, except create).
 */
export interface SecretClient {
  readonly namespace: string;
  /** The Secret, or undefined when there is none. */
  get(name: string): Promise<StoredSecret | undefined>;
  /** Creates the Secret; a SecretConflictError when it exists by now. */
  create(secret: TlsSecret): Promise<void>;
  /** Replaces `found`'s data, type and labels, only if it is unchanged since read (else SecretConflictError). */
  update(found: StoredSecret, secret: TlsSecret): Promise<void>;
}

/** Another writer got there first (409 from the API); the run starts over from fresh reads. */
export class SecretConflictError extends SesameError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.TlsMaterial, message, options);
  }
}

function decode(value: string | undefined): string | undefined {
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
}

/**
 * The `--kube` store: `sesame-ca` (the CA pair as tls.crt/tls.key, the trust bundle as ca.crt, and during a
 * rotation `previous.crt`/`previous.key`), `sesame-edge-cert` and `sesame-envoy-cert`. A Secret is written
 * as a whole, so each object changes atomically; a store serves one run, since updates carry the versions
 * its reads saw.
 */
export function createSecretStore(client: SecretClient): CertificateStore {
  const read = new Map<string, StoredSecret | undefined>();

  const get = async (name: string): Promise<Record<string, string | undefined>> => {
    const secret = await client.get(name);
    if (secret !== undefined && secret.type !== TLS_SECRET_TYPE) {
      throw new SesameError(
        ErrorCode.TlsMaterial,
        `Secret ${client.namespace}/${name} has type ${secret.type ?? 'Opaque'}, not ${TLS_SECRET_TYPE}, ` +
          'and the type cannot be changed: delete it and run certgen again',
      );
    }
    read.set(name, secret);
    const data = secret?.data ?? {};
    return Object.fromEntries(Object.entries(data).map(([key, value]) => [key, decode(value)]));
  };

  const put = async (name: string, data: Readonly<Record<string, string>>): Promise<void> => {
    const secret = tlsSecret(name, client.namespace, data);
    const found = read.get(name);
    if (found === undefined) await client.create(secret);
    else await client.update(found, secret);
  };

  return {
    location: (object) => `secret ${client.namespace}/${SECRET_NAMES[object]}`,

    async readCa(): Promise<FoundCa> {
      const data = await get(SECRET_NAMES.ca);
      const previousCert = data[PREVIOUS_CA_KEYS.cert];
      return {
        current: { certPem: data['tls.crt'], keyPem: data['tls.key'] },
        previous:
          previousCert === undefined
            ? undefined
            : { certPem: previousCert, keyPem: data[PREVIOUS_CA_KEYS.key] },
      };
    },

    async readLeaf(object): Promise<FoundLeaf> {
      const data = await get(SECRET_NAMES[object]);
      return { caPem: data['ca.crt'], certPem: data['tls.crt'], keyPem: data['tls.key'] };
    },

    writeCa: (next) => put(SECRET_NAMES.ca, caSecretData(next)),
    writeLeaf: (object, next) => put(SECRET_NAMES[object], leafSecretData(next)),
  };
}
