import type { TlsSecret } from '../model/model.js';
import { secretName } from './names.js';

/** A certificate and its key for SDS, inline; only SDS ever carries the key. */
export function tlsCertificateSecret(secret: TlsSecret): Record<string, unknown> {
  return {
    name: secretName(secret),
    tls_certificate: {
      certificate_chain: { inline_bytes: secret.certificate },
      private_key: { inline_bytes: secret.privateKey },
    },
  };
}
