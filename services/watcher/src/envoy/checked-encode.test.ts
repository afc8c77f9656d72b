import {
  checkMessageJson,
  decodeMessage,
  EncodedMessage,
  encodeChecked,
  encodeMessage,
  encodeSpliced,
  TypeUrl,
} from '@sesame/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { baseObjects, kubeObject } from '../../../../test/watcher/arbitraries.js';
import { indexObjects } from '../kube/kube-cache.js';
import { buildModel } from '../model/build-model.js';
import { envoyCluster } from './cluster.js';
import { outputCheck } from './checked-outputs.js';
import { clusterLoadAssignment } from './endpoint.js';
import {
  apiListener,
  httpListener,
  httpsFilterChain,
  httpsListenerShell,
  tcpProxyFilterChain,
} from './listener.js';
import { envoyRoute, routeConfigurationShell, virtualHostShell } from './route.js';
import { caCertificateSecret, tlsCertificateSecret } from './secret.js';

type Message = readonly [string, Record<string, unknown>];

/** Messages as the translation builds them, from a sample of random clusters of objects. */
function corpus(): Message[] {
  const out: Message[] = [
    [TypeUrl.Listener, httpListener()],
    [TypeUrl.Listener, httpsListenerShell()],
    [TypeUrl.Listener, apiListener('app.example.com', 'grpc/app.example.com')],
    [
      TypeUrl.ClusterLoadAssignment,
      clusterLoadAssignment('ns/svc/http', [
        { address: '10.0.0.1', port: 80 },
        { address: '::1', port: 8080 },
      ]),
    ],
    [TypeUrl.ClusterLoadAssignment, clusterLoadAssignment('ns/svc/http', [])],
    [TypeUrl.RouteConfiguration, routeConfigurationShell('ingress_http')],
    ['envoy.config.route.v3.VirtualHost', virtualHostShell('*.example.com')],
  ];
  for (const random of fc.sample(fc.array(kubeObject, { maxLength: 30 }), { numRuns: 40, seed: 7 })) {
    const { hosts } = buildModel(
      indexObjects([...baseObjects, ...random]).cache,
      { enableExternalNameService: true },
      outputCheck,
    );
    for (const host of hosts) {
      for (const route of [...host.routes, ...(host.secure?.routes ?? [])]) {
        out.push(
          ['envoy.config.route.v3.Route', envoyRoute(route, 'http')],
          ['envoy.config.route.v3.Route', envoyRoute(route, 'https')],
        );
        if (route.action.kind === 'forward')
          for (const wc of route.action.clusters) out.push([TypeUrl.Cluster, envoyCluster(wc.cluster)]);
      }
      const secure = host.secure;
      if (secure?.tls !== undefined) {
        out.push([
          'envoy.config.listener.v3.FilterChain',
          httpsFilterChain(host.fqdn, secure.tls, `https/${host.fqdn}`),
        ]);
        out.push([TypeUrl.Secret, tlsCertificateSecret(secure.tls.secret)]);
        const ca = secure.tls.clientValidation?.ca;
        if (ca !== undefined) out.push([TypeUrl.Secret, caCertificateSecret(ca)]);
      }
      if (secure?.tcpProxy !== undefined) {
        out.push([
          'envoy.config.listener.v3.FilterChain',
          tcpProxyFilterChain(host.fqdn, secure.tls, secure.tcpProxy),
        ]);
      }
    }
  }
  return out;
}

/** A message as the codec and the checker read it: constant parts encoded once become plain objects again. */
function plainJson(value: unknown): unknown {
  if (value instanceof EncodedMessage) return plainJson(value.json);
  if (Array.isArray(value)) return value.map(plainJson);
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainJson(v)]));
}

function hasEncoded(value: unknown): boolean {
  if (value instanceof EncodedMessage) return true;
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return false;
  return Object.values(value).some(hasEncoded);
}

const built = corpus();
const messages: Message[] = built.map(([type, json]) => [type, plainJson(json) as Record<string, unknown>]);
const sorted = (problems: readonly string[]) => [...problems].sort();

/** Replaces the value at a path inside a copy of `value`. */
function mutate(value: unknown, path: readonly (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  if (Array.isArray(value))
    return (value as unknown[]).map((v, i) => (i === head ? mutate(v, rest, replacement) : v));
  if (typeof value === 'object' && value !== null && !(value instanceof Uint8Array)) {
    const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    if (replacement === DELETE && rest.length === 0) delete copy[String(head)];
    else copy[String(head)] = mutate(copy[String(head)], rest, replacement);
    return copy;
  }
  return value;
}
const DELETE = Symbol('delete');

/** Every path to a value inside a message. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (typeof value === 'object' && value !== null && !(value instanceof Uint8Array)) {
    for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  }
  return out;
}

function codecBytes(type: string, json: Record<string, unknown>): Uint8Array | undefined {
  try {
    return encodeMessage(type, json);
  } catch {
    return undefined;
  }
}

describe('encodeChecked', () => {
  it('has a corpus worth testing', () => {
    expect(messages.length).toBeGreaterThan(100);
  });

  it('encodes exactly as the shared codec does, and the decoded proto3 JSON passes the check too', () => {
    for (const [type, json] of messages) {
      const encoded = encodeChecked(type, json);
      expect(encoded.ok ? [] : encoded.errors).toEqual([]);
      if (!encoded.ok) continue;
      expect(Buffer.from(encoded.value).toString('hex')).toBe(
        Buffer.from(encodeMessage(type, json)).toString('hex'),
      );
      expect(checkMessageJson(type, decodeMessage(type, encoded.value))).toEqual([]);
    }
  });

  it('writes the constant parts encoded once exactly as it encodes them in place', () => {
    const encodedParts = built.filter(([, json]) => hasEncoded(json));
    expect(encodedParts.length).toBeGreaterThan(10);
    for (const [i, [type, json]] of built.entries()) {
      expect(encodeChecked(type, json)).toEqual(encodeChecked(type, messages[i]?.[1] ?? {}));
    }
  });

  it('finds in broken messages what checkMessageJson finds, and encodes what it accepts as the codec does', () => {
    const replacements: unknown[] = [
      DELETE,
      '',
      -1,
      4294967296,
      1.5,
      'x',
      true,
      null,
      {},
      [],
      { unknown_field: 1 },
      'NOT_AN_ENUM',
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...messages),
        fc.nat(),
        fc.constantFrom(...replacements),
        fc.boolean(),
        ([type, json], at, replacement, extra) => {
          const all = paths(json);
          const target = all[at % all.length] ?? [];
          let broken = mutate(json, target, replacement) as Record<string, unknown>;
          if (extra) broken = { ...broken, not_a_field: 'x' };
          const encoded = encodeChecked(type, broken);
          expect(sorted(encoded.ok ? [] : encoded.errors)).toEqual(
            sorted(checkMessageJson(type, broken, { format: 'protobufjs' })),
          );
          if (encoded.ok) {
            // protobufjs refuses URL-safe base64, which proto3 JSON (and so the check) accepts.
            const whole = codecBytes(type, broken);
            if (whole !== undefined) expect(Buffer.from(encoded.value).equals(whole)).toBe(true);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('encodeSpliced', () => {
  it('gives the bytes of the whole message', () => {
    const vhosts = [virtualHostShell('a.example.com'), virtualHostShell('b.example.com')];
    const items = vhosts.map((v) => {
      const r = encodeChecked('envoy.config.route.v3.VirtualHost', v);
      if (!r.ok) throw new Error(r.errors.join());
      return r.value;
    });
    const spliced = encodeSpliced(
      TypeUrl.RouteConfiguration,
      routeConfigurationShell('x'),
      'virtual_hosts',
      items,
    );
    const whole = encodeMessage(TypeUrl.RouteConfiguration, {
      ...routeConfigurationShell('x'),
      virtual_hosts: plainJson(vhosts),
    });
    expect(spliced.ok && Buffer.from(spliced.value).equals(whole)).toBe(true);
    const chains = encodeSpliced(TypeUrl.Listener, httpsListenerShell(), 'filter_chains', []);
    expect(
      chains.ok && Buffer.from(chains.value).equals(encodeMessage(TypeUrl.Listener, httpsListenerShell())),
    ).toBe(true);
  });

  it('checks the shell and refuses a field that cannot be spliced', () => {
    expect(encodeSpliced(TypeUrl.RouteConfiguration, { name: 5 }, 'virtual_hosts', [])).toEqual({
      ok: false,
      errors: ['name: expected string, got 5'],
    });
    expect(encodeSpliced(TypeUrl.RouteConfiguration, { name: 'x' }, 'name', []).ok).toBe(false);
  });
});

describe('ByteWriter through encodeChecked', () => {
  it('writes non-ASCII and long strings, and long nested messages, as protobufjs does', () => {
    const value = (n: number) => `é${'x'.repeat(n)}✓`;
    for (const n of [0, 100, 126, 127, 200, 20_000]) {
      const json = {
        name: `vh-${n}`,
        domains: [`d${'a'.repeat(Math.min(n, 200))}.example.com`],
        request_headers_to_add: [
          {
            header: { key: 'x-a', value: value(Math.min(n, 1000)) },
            append_action: 'OVERWRITE_IF_EXISTS_OR_ADD',
          },
        ],
        routes: [
          {
            match: { prefix: `/${'p'.repeat(n)}` },
            direct_response: { status: 200, body: { inline_string: value(n) } },
          },
        ],
      };
      const encoded = encodeChecked('envoy.config.route.v3.VirtualHost', json);
      expect(
        encoded.ok &&
          Buffer.from(encoded.value).equals(encodeMessage('envoy.config.route.v3.VirtualHost', json)),
      ).toBe(true);
    }
  });
});
