import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { CertificateBundle } from './bundle.js';
import { certificateSecrets, secretsAsYaml } from './secrets.js';

const bundle: CertificateBundle = {
  ca: { certPem: 'CA CERT\n', keyPem: 'CA KEY\n' },
  edge: { certPem: 'EDGE CERT\n', keyPem: 'EDGE KEY\n' },
  envoy: { certPem: 'ENVOY CERT\n', keyPem: 'ENVOY KEY\n' },
};
const b64 = (text: string): string => Buffer.from(text).toString('base64');

describe('certificateSecrets', () => {
  it('makes three TLS Secrets with ca.crt, the CA one holding the CA pair', () => {
    const secrets = certificateSecrets(bundle);
    expect(secrets.map((secret) => secret.metadata.name)).toEqual([
      'sesame-ca',
      'sesame-edge-cert',
      'sesame-envoy-cert',
    ]);
    for (const secret of secrets) {
      expect(secret).toMatchObject({ apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls' });
      expect(secret.metadata.namespace).toBe('projectsesame');
      expect(secret.data['ca.crt']).toBe(b64('CA CERT\n'));
    }
    expect(secrets[0]?.data).toEqual({
      'ca.crt': b64('CA CERT\n'),
      'tls.crt': b64('CA CERT\n'),
      'tls.key': b64('CA KEY\n'),
    });
    expect(secrets[1]?.data['tls.crt']).toBe(b64('EDGE CERT\n'));
    expect(secrets[2]?.data['tls.key']).toBe(b64('ENVOY KEY\n'));
  });

  it('puts them in the namespace asked for', () => {
    expect(certificateSecrets(bundle, { namespace: 'ingress' }).map((s) => s.metadata.namespace)).toEqual([
      'ingress',
      'ingress',
      'ingress',
    ]);
  });
});

describe('certificateSecrets during a CA rotation', () => {
  const rotating: CertificateBundle = {
    ...bundle,
    edge: { certPem: 'EDGE CERT\nCROSS\n', keyPem: 'EDGE KEY\n' },
    previousCa: { certPem: 'OLD CA CERT\n', keyPem: 'OLD CA KEY\n' },
  };

  it('trusts both CAs everywhere and keeps the previous CA in sesame-ca', () => {
    const [ca, edge, envoy] = certificateSecrets(rotating);
    for (const secret of [ca, edge, envoy])
      expect(secret?.data['ca.crt']).toBe(b64('CA CERT\nOLD CA CERT\n'));
    expect(ca?.data).toMatchObject({
      'previous.crt': b64('OLD CA CERT\n'),
      'previous.key': b64('OLD CA KEY\n'),
    });
    expect(edge?.data['tls.crt']).toBe(b64('EDGE CERT\nCROSS\n'));
    expect(Object.keys(edge?.data ?? {}).sort()).toEqual(['ca.crt', 'tls.crt', 'tls.key']);
  });
});

describe('secretsAsYaml', () => {
  it('renders the same objects as a multi-document stream', () => {
    const yaml = secretsAsYaml(bundle, { namespace: 'ingress' });
    const documents = parseAllDocuments(yaml).map((document) => document.toJS() as unknown);
    expect(documents).toEqual(certificateSecrets(bundle, { namespace: 'ingress' }));
    expect(yaml.startsWith('---\napiVersion: v1\n')).toBe(true);
  });
});
