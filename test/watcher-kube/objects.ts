// Object builders for the watcher's Kubernetes tests and benchmark: a routable set (Service, EndpointSlice,
// HTTPProxy) per index, in the shapes the fixture API server stores.
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '@sesame/shared';
import type { KubeApiServer } from '../kube-api/index.js';

/** The namespace of the i-th generated object: 100 namespaces, as a busy cluster has. */
export const namespaceOf = (i: number): string => `ns-${i % 100}`;

/** A Service with one named port. */
export function service(i: number): object {
  return {
    metadata: { name: `svc-${i}`, namespace: namespaceOf(i) },
    spec: { ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
  };
}

/** The EndpointSlice of `service(i)` with one ready endpoint (`generation` varies the address). */
export function endpointSlice(i: number, generation = 0): object {
  return {
    metadata: {
      name: `svc-${i}-abcde`,
      namespace: namespaceOf(i),
      labels: { 'kubernetes.io/service-name': `svc-${i}` },
    },
    addressType: 'IPv4',
    endpoints: [
      { addresses: [`10.${generation % 250}.${(i >> 8) & 255}.${i & 255}`], conditions: { ready: true } },
    ],
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  };
}

/** A root HTTPProxy for `p<i>.example.com` routing to `service(i)`. */
export function httpProxy(i: number, options: { fqdn?: string; service?: string } = {}): object {
  return {
    apiVersion: 'projectsesame.io/v1',
    kind: 'HTTPProxy',
    metadata: { name: `proxy-${i}`, namespace: namespaceOf(i) },
    spec: {
      virtualhost: { fqdn: options.fqdn ?? `p${i}.example.com` },
      routes: [
        { conditions: [{ prefix: '/' }], services: [{ name: options.service ?? `svc-${i}`, port: 80 }] },
      ],
    },
  };
}

/** An Ingress for `i<i>.example.com` routing to `service(i)`. */
export function ingress(i: number, options: { className?: string } = {}): object {
  return {
    metadata: { name: `ing-${i}`, namespace: namespaceOf(i) },
    spec: {
      ...(options.className === undefined ? {} : { ingressClassName: options.className }),
      rules: [
        {
          host: `i${i}.example.com`,
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: `svc-${i}`, port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    },
  };
}

/** Seeds `count` routable HTTPProxies (with their Services and EndpointSlices) straight into the fixture. */
export function seedProxies(server: KubeApiServer, count: number, from = 0): void {
  for (let i = from; i < from + count; i++) {
    server.create('services', service(i));
    server.create('endpointslices', endpointSlice(i));
    server.create('httpproxies', httpProxy(i));
  }
}

/** A logger whose JSON lines the test can read. */
export function capturingLogger(level: 'debug' | 'info' | 'silent' = 'debug'): {
  logger: Logger;
  lines: Record<string, unknown>[];
} {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n'))
        if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ level, destination }), lines };
}
