import { TypeUrl } from '@sesame/shared';
import { describe, expect, it } from 'vitest';
import {
  caSecret,
  decoded,
  delegation,
  endpointSlice,
  httpProxy,
  resourceNames,
  routesOf,
  service,
  tlsSecret,
} from '../../../test/watcher/fixtures.js';
import { translate } from './translate.js';

const ECHO = 'default/echo/80/da39a3ee5e';
const backends = [
  service('echo', [{ name: 'http', port: 80 }]),
  endpointSlice('echo', { ports: [{ name: 'http', port: 8080 }], endpoints: [{ address: '10.0.1.1' }] }),
  service('echo', [{ name: 'http', port: 80 }], { namespace: 'team' }),
];
const toEcho = { services: [{ name: 'echo', port: 80 }] };
const errorsOf = (t: ReturnType<typeof translate>, name: string) =>
  t.statuses.httpProxies.get(name)?.conditions[0].errors.map((e) => `${e.type}/${e.reason}: ${e.message}`);
const plain = (t: ReturnType<typeof translate>, fqdn = 'app.example.com') =>
  routesOf(decoded(t.resources, TypeUrl.RouteConfiguration, 'ingress_http'), fqdn) as {
    match: unknown;
    route?: unknown;
    direct_response?: unknown;
  }[];

describe('translate: HTTPProxy includes', () => {
  it('merges included routes under the include conditions, across namespaces', () => {
    const t = translate([
      ...backends,
      httpProxy('root', {
        virtualhost: { fqdn: 'app.example.com' },
        includes: [
          {
            name: 'blog',
            namespace: 'team',
            conditions: [{ prefix: '/blog' }, { header: { name: 'x-team', present: true } }],
          },
        ],
        routes: [{ ...toEcho }],
      }),
      httpProxy(
        'blog',
        { routes: [{ conditions: [{ prefix: '/admin' }], ...toEcho }, { ...toEcho }] },
        { namespace: 'team' },
      ),
    ]);
    expect(plain(t).map((r) => r.match)).toEqual([
      { prefix: '/blog/admin', headers: [{ name: 'x-team', present_match: true }] },
      { prefix: '/blog', headers: [{ name: 'x-team', present_match: true }] },
      { prefix: '/' },
    ]);
    expect(plain(t).map((r) => r.route)).toEqual([
      { cluster: 'team/echo/80/da39a3ee5e' },
      { cluster: 'team/echo/80/da39a3ee5e' },
      { cluster: ECHO },
    ]);
    expect(t.statuses.httpProxies.get('team/blog')?.currentStatus).toBe('valid');
    expect(t.diagnostics).toEqual([]);
  });

  it('answers 502 under the conditions of a missing include, and says so', () => {
    const t = translate([
      ...backends,
      httpProxy('root', {
        virtualhost: { fqdn: 'app.example.com' },
        includes: [{ name: 'gone', conditions: [{ prefix: '/gone' }] }],
        routes: [{ ...toEcho }],
      }),
    ]);
    expect(plain(t)).toEqual([
      { match: { prefix: '/gone' }, direct_response: { status: 502 } },
      { match: { prefix: '/' }, route: { cluster: ECHO } },
    ]);
    expect(errorsOf(t, 'default/root')).toEqual([
      'IncludeError/IncludeNotFound: include default/gone not found',
    ]);
  });

  it('refuses include cycles, a root including a root, exact includes and duplicate conditions', () => {
    const t = translate([
      ...backends,
      httpProxy('root', {
        virtualhost: { fqdn: 'app.example.com' },
        includes: [
          { name: 'a', conditions: [{ prefix: '/a' }] },
          { name: 'other-root', conditions: [{ prefix: '/r' }] },
          { name: 'a', conditions: [{ exact: '/x' }] },
          { name: 'b', conditions: [{ prefix: '/a' }] },
        ],
        routes: [{ ...toEcho }],
      }),
      httpProxy('a', { includes: [{ name: 'b', conditions: [{ prefix: '/b' }] }], routes: [{ ...toEcho }] }),
      httpProxy('b', { includes: [{ name: 'a' }], routes: [{ ...toEcho }] }),
      httpProxy('other-root', { virtualhost: { fqdn: 'other.example.com' }, routes: [{ ...toEcho }] }),
    ]);
    expect(errorsOf(t, 'default/root')).toEqual([
      'IncludeError/RootIncludesRoot: root httpproxy cannot include another root httpproxy (default/other-root)',
      'IncludeError/PathMatchConditionsNotValid: include: exact conditions are not allowed in includes block',
      'IncludeError/DuplicateMatchConditions: duplicate conditions defined on an include',
    ]);
    expect(errorsOf(t, 'default/a')).toEqual([
      'IncludeError/IncludeCreatesCycle: include creates an include cycle: default/root -> default/a -> default/b -> default/a',
    ]);
    expect(t.statuses.httpProxies.get('default/b')?.currentStatus).toBe('valid');
    // Prefixes sort in reverse code-unit order (Contour's sorter), which puts longer ones of a family first.
    expect(plain(t).map((r) => r.match)).toEqual([
      { prefix: '/r' },
      { prefix: '/a/b' },
      { prefix: '/a' },
      { prefix: '/' },
    ]);
  });

  it('marks proxies no root includes as orphaned', () => {
    const t = translate([...backends, httpProxy('lonely', { routes: [{ ...toEcho }] })]);
    expect(t.statuses.httpProxies.get('default/lonely')).toEqual({
      currentStatus: 'orphaned',
      description: 'this HTTPProxy is not part of a delegation chain from a root HTTPProxy',
      conditions: [
        {
          type: 'Valid',
          status: 'False',
          reason: 'ErrorPresent',
          message: 'At least one error present, see Errors for details',
          errors: [
            {
              type: 'Orphaned',
              status: 'True',
              reason: 'Orphaned',
              message: 'this HTTPProxy is not part of a delegation chain from a root HTTPProxy',
            },
          ],
          warnings: [],
        },
      ],
    });
  });

  it('accepts root proxies only in the configured root namespaces', () => {
    const objects = [
      ...backends,
      service('echo', [{ name: 'http', port: 80 }], { namespace: 'ingress' }),
      httpProxy(
        'root',
        { virtualhost: { fqdn: 'app.example.com' }, routes: [{ ...toEcho }] },
        { namespace: 'team' },
      ),
      httpProxy(
        'admin',
        { virtualhost: { fqdn: 'admin.example.com' }, routes: [{ ...toEcho }] },
        { namespace: 'ingress' },
      ),
    ];
    const t = translate(objects, { rootNamespaces: ['ingress'] });
    expect(errorsOf(t, 'team/root')).toEqual([
      'RootNamespaceError/RootProxyNotAllowedInNamespace: root HTTPProxy cannot be defined in this namespace',
    ]);
    expect(t.statuses.httpProxies.get('ingress/admin')?.currentStatus).toBe('valid');
    expect(translate(objects).statuses.httpProxies.get('team/root')?.currentStatus).toBe('valid');
  });

  it('serves only the ingress class it is configured for, and reports nothing on other classes', () => {
    const objects = [
      ...backends,
      httpProxy('mine', {
        ingressClassName: 'sesame',
        virtualhost: { fqdn: 'app.example.com' },
        routes: [{ ...toEcho }],
      }),
      httpProxy('theirs', {
        ingressClassName: 'contour',
        virtualhost: { fqdn: 'theirs.example.com' },
        routes: [{ ...toEcho }],
      }),
    ];
    const t = translate(objects, { ingressClass: 'sesame' });
    expect([...t.statuses.httpProxies.keys()]).toEqual(['default/mine']);
    expect(resourceNames(t.resources).lds).toEqual(['app.example.com', 'ingress_http']);
  });

  it('keeps fatal unsupported fields from opening traffic, and ignores harmless ones with a warning', () => {
    const t = translate([
      ...backends,
      httpProxy('authz', {
        virtualhost: { fqdn: 'app.example.com', authorization: { extensionRef: { name: 'x' } } },
        routes: [{ ...toEcho }],
      }),
      httpProxy('cors', {
        virtualhost: { fqdn: 'cors.example.com', corsPolicy: { allowOrigin: ['*'] } },
        routes: [{ ...toEcho, cookieRewritePolicies: [] }],
      }),
    ]);
    expect(errorsOf(t, 'default/authz')).toEqual([
      'SpecError/NotSupported: spec.virtualhost.authorization is not supported by Sesame; the HTTPProxy is not served',
    ]);
    expect(plain(t)).toEqual([]);
    expect(t.statuses.httpProxies.get('default/cors')).toMatchObject({
      currentStatus: 'valid',
      conditions: [
        {
          warnings: [
            {
              type: 'SpecError',
              reason: 'IgnoredField',
              message: 'ignoring field spec.virtualhost.corsPolicy: not supported by Sesame',
            },
            {
              type: 'SpecError',
              reason: 'IgnoredField',
              message: 'ignoring field spec.routes[0].cookieRewritePolicies: not supported by Sesame',
            },
          ],
        },
      ],
    });
  });
});

describe('translate: HTTPProxy TLS', () => {
  const tls = (
    fqdn: string,
    tlsSpec: Record<string, unknown>,
    extra: Record<string, unknown> = {},
    namespace = 'default',
  ) =>
    httpProxy(
      'app',
      { virtualhost: { fqdn, tls: tlsSpec }, routes: [{ ...toEcho }], ...extra },
      { namespace },
    );

  it('uses a secret of another namespace only when a TLSCertificateDelegation allows it', () => {
    const objects = [
      ...backends,
      tlsSecret('wild', '*.example.com', 'certs'),
      tls('app.example.com', { secretName: 'certs/wild' }, {}, 'team'),
    ];
    expect(errorsOf(translate(objects), 'team/app')).toEqual([
      'TLSError/DelegationNotPermitted: Spec.VirtualHost.TLS Secret "certs/wild" certificate delegation not permitted',
    ]);
    for (const targets of [['team'], ['*']]) {
      const t = translate([...objects, delegation('to-team', 'certs', 'wild', targets)]);
      expect(t.statuses.httpProxies.get('team/app')?.currentStatus).toBe('valid');
      expect(resourceNames(t.resources).sds).toEqual([
        expect.stringMatching(/^certs\/wild\/[0-9a-f]{10}$/) as string,
      ]);
    }
  });

  it('refuses contradictory TLS settings', () => {
    const cases: [Record<string, unknown>, string][] = [
      [
        { secretName: 'x', passthrough: true },
        'TLSError/TLSConfigNotValid: Spec.VirtualHost.TLS: both Passthrough and SecretName were specified',
      ],
      [
        {},
        'TLSError/TLSConfigNotValid: Spec.VirtualHost.TLS: neither Passthrough nor SecretName were specified',
      ],
      [
        { passthrough: true, clientValidation: { caSecret: 'ca' } },
        'TLSError/TLSIncompatibleFeatures: Spec.VirtualHost.TLS passthrough cannot be combined with tls.clientValidation',
      ],
      [
        { secretName: 'app-tls', minimumProtocolVersion: '1.3', maximumProtocolVersion: '1.2' },
        'TLSError/TLSConfigNotValid: Spec.Virtualhost.TLS the minimum protocol version is greater than the maximum protocol version',
      ],
      [
        { secretName: 'app-tls', clientValidation: {} },
        'TLSError/ClientValidationInvalid: Spec.VirtualHost.TLS client validation is invalid: CA Secret must be specified',
      ],
    ];
    for (const [spec, error] of cases) {
      expect(
        errorsOf(
          translate([...backends, tlsSecret('app-tls', 'app.example.com'), tls('app.example.com', spec)]),
          'default/app',
        ),
      ).toEqual([error]);
    }
  });

  it('validates client certificates against a CA served over SDS, optionally or forwarding their details', () => {
    const t = translate([
      ...backends,
      tlsSecret('app-tls', 'app.example.com'),
      caSecret('clients'),
      tls('app.example.com', {
        secretName: 'app-tls',
        clientValidation: {
          caSecret: 'clients',
          optionalClientCertificate: true,
          forwardClientCertificate: { subject: true, cert: true },
        },
      }),
    ]);
    expect(t.diagnostics).toEqual([]);
    const sds = resourceNames(t.resources).sds;
    expect(sds).toHaveLength(2);
    const listener = decoded(t.resources, TypeUrl.Listener, 'ingress_https');
    const chain = (listener?.['filter_chains'] as Record<string, unknown>[])[0];
    const caName = sds.find(
      (name) => decoded(t.resources, TypeUrl.Secret, name)?.['validation_context'] !== undefined,
    );
    expect(chain).toMatchObject({
      transport_socket: {
        typed_config: {
          require_client_certificate: false,
          common_tls_context: {
            validation_context_sds_secret_config: { name: caName, sds_config: { ads: {} } },
          },
        },
      },
      filters: [
        {
          typed_config: {
            forward_client_cert_details: 'SANITIZE_SET',
            set_current_client_cert_details: { subject: true, cert: true },
          },
        },
      ],
    });
  });

  it('skips client certificate verification when asked, still requiring one', () => {
    const t = translate([
      ...backends,
      tlsSecret('app-tls', 'app.example.com'),
      tls('app.example.com', { secretName: 'app-tls', clientValidation: { skipClientCertValidation: true } }),
    ]);
    const chain = (
      decoded(t.resources, TypeUrl.Listener, 'ingress_https')?.['filter_chains'] as Record<string, unknown>[]
    )[0];
    expect(chain).toMatchObject({
      transport_socket: {
        typed_config: {
          require_client_certificate: true,
          common_tls_context: { validation_context: { trust_chain_verification: 'ACCEPT_UNTRUSTED' } },
        },
      },
    });
  });

  it('proxies TCP after terminating TLS, and passes TLS through by SNI', () => {
    const t = translate([
      ...backends,
      tlsSecret('app-tls', 'app.example.com'),
      httpProxy('term', {
        virtualhost: { fqdn: 'app.example.com', tls: { secretName: 'app-tls' } },
        tcpproxy: { ...toEcho },
      }),
      httpProxy('pass', {
        virtualhost: { fqdn: 'pass.example.com', tls: { passthrough: true } },
        tcpproxy: { include: { name: 'backend' } },
      }),
      httpProxy('backend', {
        tcpproxy: {
          services: [
            { name: 'echo', port: 80, weight: 1 },
            { name: 'echo', port: 80, weight: 0 },
          ],
        },
      }),
    ]);
    expect(t.diagnostics).toEqual([]);
    const chains = decoded(t.resources, TypeUrl.Listener, 'ingress_https')?.['filter_chains'] as Record<
      string,
      unknown
    >[];
    expect(chains.map((c) => (c['filter_chain_match'] as { server_names: string[] }).server_names)).toEqual([
      ['app.example.com'],
      ['pass.example.com'],
    ]);
    expect(chains[0]).toMatchObject({
      transport_socket: { name: 'envoy.transport_sockets.tls' },
      filters: [{ name: 'envoy.filters.network.tcp_proxy', typed_config: { cluster: ECHO } }],
    });
    expect(chains[1]?.['transport_socket']).toBeUndefined();
    expect(chains[1]).toMatchObject({
      filters: [{ typed_config: { weighted_clusters: { clusters: [{ name: ECHO, weight: 1 }] } } }],
    });
    expect(resourceNames(t.resources).rds).toEqual(['ingress_http']);
    expect(t.statuses.httpProxies.get('default/backend')?.currentStatus).toBe('valid');
  });

  it('requires TLS for a tcpproxy', () => {
    expect(
      errorsOf(
        translate([
          ...backends,
          httpProxy('app', { virtualhost: { fqdn: 'app.example.com' }, tcpproxy: { ...toEcho } }),
        ]),
        'default/app',
      ),
    ).toEqual([
      'TCPProxyError/TLSMustBeConfigured: Spec.TCPProxy requires that either Spec.TLS.Passthrough or Spec.TLS.SecretName be set',
    ]);
  });

  it('lets permitInsecure through on plaintext unless disablePermitInsecure is set', () => {
    const objects = [
      ...backends,
      tlsSecret('app-tls', 'app.example.com'),
      httpProxy('app', {
        virtualhost: { fqdn: 'app.example.com', tls: { secretName: 'app-tls' } },
        routes: [{ ...toEcho, permitInsecure: true }],
      }),
    ];
    expect(plain(translate(objects))).toEqual([{ match: { prefix: '/' }, route: { cluster: ECHO } }]);
    expect(plain(translate(objects, { disablePermitInsecure: true }))).toEqual([
      { match: { prefix: '/' }, redirect: { https_redirect: true } },
    ]);
  });
});
