import { dirname, join } from 'node:path';
import { EDGE_NAME } from './issue.js';

/** SDS secret names in the `--resources-dir` files, Contour's names with `sesame` in place of `contour`. */
export const XDS_SECRET_NAMES = {
  certificate: 'sesame_xds_tls_certificate',
  validation: 'sesame_xds_tls_validation_context',
} as const;

/** The SDS files' paths relative to the resources directory, as Contour lays them out. */
export const SDS_FILES = {
  certificate: join('sds', 'xds-tls-certificate.json'),
  validation: join('sds', 'xds-validation-context.json'),
} as const;

const SECRET_TYPE = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret';
const UPSTREAM_TLS_TYPE = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';

/** The three files an Envoy presents to and checks the edge with. */
export interface XdsTlsFiles {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

/** A file `buildBootstrap` wants written beside the bootstrap. */
export interface BootstrapFile {
  readonly path: string;
  readonly contents: string;
}

function tlsCertificate(files: XdsTlsFiles, watch: boolean): Record<string, unknown> {
  const certificate: Record<string, unknown> = {
    certificate_chain: { filename: files.certFile },
    private_key: { filename: files.keyFile },
  };
  // Kubernetes swaps a Secret volume's files through a symlinked directory, which a watch on the files
  // themselves misses; a directory watch catches it and reloads the pair together.
  if (watch && dirname(files.certFile) === dirname(files.keyFile)) {
    certificate.watched_directory = { path: dirname(files.certFile) };
  }
  return certificate;
}

function validationContext(files: XdsTlsFiles, watch: boolean): Record<string, unknown> {
  return {
    trusted_ca: { filename: files.caFile },
    // Envoy accepts the edge only under the name certgen gives it, whatever address it dialled.
    match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: EDGE_NAME } }],
    ...(watch ? { watched_directory: { path: dirname(files.caFile) } } : {}),
  };
}

function discoveryFile(path: string, secret: Record<string, unknown>): BootstrapFile {
  const response = {
    version_info: '0',
    type_url: SECRET_TYPE,
    resources: [{ '@type': SECRET_TYPE, ...secret }],
  };
  return { path, contents: `${JSON.stringify(response, null, 2)}\n` };
}

function sdsConfig(path: string): Record<string, unknown> {
  return { path_config_source: { path }, resource_api_version: 'V3' };
}

/**
 * The `transport_socket` of the `sesame` cluster: mTLS to the edge, checking its certificate for the DNS
 * name `sesame-xds`. With a resources directory the material comes through SDS files (returned for
 * writing), so Envoy picks up rotated certificates without a restart; without one, file names are inline.
 */
export function xdsTransportSocket(
  files: XdsTlsFiles,
  resourcesDir: string | undefined,
): { transportSocket: Record<string, unknown>; files: BootstrapFile[] } {
  const common: Record<string, unknown> = {
    // Edges may insist on TLS 1.3, and Envoy's client default stops at 1.2.
    tls_params: { tls_minimum_protocol_version: 'TLSv1_2', tls_maximum_protocol_version: 'TLSv1_3' },
    alpn_protocols: ['h2'],
  };
  const written: BootstrapFile[] = [];
  if (resourcesDir === undefined) {
    common.tls_certificates = [tlsCertificate(files, false)];
    common.validation_context = validationContext(files, false);
  } else {
    const certificatePath = join(resourcesDir, SDS_FILES.certificate);
    const validationPath = join(resourcesDir, SDS_FILES.validation);
    written.push(
      discoveryFile(certificatePath, {
        name: XDS_SECRET_NAMES.certificate,
        tls_certificate: tlsCertificate(files, true),
      }),
      discoveryFile(validationPath, {
        name: XDS_SECRET_NAMES.validation,
        validation_context: validationContext(files, true),
      }),
    );
    common.tls_certificate_sds_secret_configs = [
      { name: XDS_SECRET_NAMES.certificate, sds_config: sdsConfig(certificatePath) },
    ];
    common.validation_context_sds_secret_config = {
      name: XDS_SECRET_NAMES.validation,
      sds_config: sdsConfig(validationPath),
    };
  }
  const transportSocket = {
    name: 'envoy.transport_sockets.tls',
    typed_config: { '@type': UPSTREAM_TLS_TYPE, common_tls_context: common, sni: EDGE_NAME },
  };
  return { transportSocket, files: written };
}
