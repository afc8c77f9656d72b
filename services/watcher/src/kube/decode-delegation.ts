import type { Meta, TLSCertificateDelegation } from './kinds.js';
import type { FieldReader, Fields } from './read.js';

/** Reads a `projectsesame.io/v1` TLSCertificateDelegation. */
export function decodeDelegation(r: FieldReader, manifest: Fields, meta: Meta): TLSCertificateDelegation {
  const spec = r.fields(manifest, 'spec', '', true) ?? {};
  const delegations = r.list(spec, 'delegations', 'spec', (value, path) => {
    const item = r.item(value, path);
    if (item === undefined) return undefined;
    const secretName = r.string(item, 'secretName', path, true);
    const targetNamespaces = r.strings(item, 'targetNamespaces', path);
    if (targetNamespaces.length === 0)
      r.fail(`${path}.targetNamespaces`, 'needs at least one namespace (or "*")');
    return secretName === undefined ? undefined : { secretName, targetNamespaces };
  });
  return { kind: 'TLSCertificateDelegation', meta, delegations };
}
