import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Cluster, TlsSecret, Upstream } from '../model/model.js';
import { caSecretName, clusterName, edsServiceName, hashname, secretName, virtualHostName } from './names.js';

describe('hashname (Contour)', () => {
  it.each([
    ['nothing', 99, [], ''],
    ['one short part', 99, ['alpha'], 'alpha'],
    ['three short parts', 99, ['alpha', 'beta', 'gamma'], 'alpha/beta/gamma'],
    ['one long part, hashed', 12, ['gammagammagamma'], '0d350ea5c204'],
    ['one long part, hash cut to the limit', 8, ['gammagammagamma'], '0d350ea5'],
    ['two parts, the first shortened', 19, ['gammagamma', 'betabeta'], 'ga-edf159/betabeta'],
    [
      'Contour issue 25',
      60,
      ['default', 'my-sevice-name', 'my-very-very-long-service-host-name.my.domainname'],
      'default/my-sevice-name/my-very-very--665863',
    ],
  ])('%s', (_name, limit, parts, expected) => {
    expect(hashname(limit, ...parts)).toBe(expected);
  });
});

describe('resource names', () => {
  const upstream: Upstream = {
    namespace: 'default',
    name: 'echo',
    port: 80,
    portName: 'http',
    externalName: '',
    protocol: '',
    circuitBreakers: {},
  };
  const cluster: Cluster = { upstream, protocol: '', lbStrategy: 'RoundRobin', sni: '' };

  it('names a default cluster as Contour does', () => {
    expect(clusterName(cluster)).toBe('default/echo/80/da39a3ee5e');
  });

  it('gives clusters with different settings different names, the same settings the same name', () => {
    const names = new Set([
      clusterName(cluster),
      clusterName({ ...cluster, lbStrategy: 'Random' }),
      clusterName({ ...cluster, protocol: 'h2c' }),
      clusterName({ ...cluster, idleConnectionTimeout: { seconds: 5, nanos: 0 } }),
      clusterName({
        ...cluster,
        healthCheck: {
          kind: 'tcp',
          path: '',
          host: '',
          expectedStatuses: [],
          intervalSeconds: 10,
          timeoutSeconds: 2,
          unhealthyThreshold: 3,
          healthyThreshold: 2,
        },
      }),
    ]);
    expect(names.size).toBe(5);
    expect(clusterName({ ...cluster })).toBe(clusterName(cluster));
  });

  it('keeps long cluster names within 60 characters', () => {
    const long = {
      ...upstream,
      namespace: 'a-rather-long-namespace-name',
      name: 'and-an-even-longer-service-name-here',
    };
    const name = clusterName({ ...cluster, upstream: long });
    expect(name.length).toBeLessThan(60);
    expect(name.startsWith('a-rather-long-namespace-name/')).toBe(true);
  });

  it('names EDS resources by port name, or number for an unnamed port', () => {
    expect(edsServiceName(upstream)).toBe('default/echo/http');
    expect(edsServiceName({ ...upstream, portName: '' })).toBe('default/echo/80');
  });

  it('names secrets by a hash of the certificate, so a new certificate is a new resource', () => {
    const secret: TlsSecret = {
      namespace: 'default',
      name: 'tls',
      certificate: Buffer.from('cert'),
      privateKey: Buffer.from('key'),
    };
    const hash = createHash('sha1').update('cert').digest('hex').slice(0, 10);
    expect(secretName(secret)).toBe(`default/tls/${hash}`);
    expect(secretName({ ...secret, certificate: Buffer.from('renewed') })).not.toBe(secretName(secret));
  });

  it('names a CA bundle apart from a certificate with the same bytes', () => {
    const ca = { namespace: 'default', name: 'tls', ca: Buffer.from('cert') };
    expect(caSecretName(ca)).toMatch(/^default\/tls\/[0-9a-f]{10}$/);
    expect(caSecretName(ca)).not.toBe(
      secretName({
        namespace: 'default',
        name: 'tls',
        certificate: Buffer.from('cert'),
        privateKey: Buffer.from(''),
      }),
    );
  });

  it('names virtual hosts by fqdn', () => {
    expect(virtualHostName('echo.example.com')).toBe('echo.example.com');
  });
});
