import type { CaSecret, TlsSecret } from '../model/model.js';
import { caSecretName, secretName } from './names.js';

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

/** A CA bundle for SDS, as the validation context of client certificates. */
export function caCertificateSecret(secret: CaSecret): Record<string, unknown> {
  return { name: caSecretName(secret), validation_context: { trusted_ca: { inline_bytes: secret.ca } } };
}
