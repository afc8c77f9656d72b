// The two CustomResourceDefinitions of deploy/: names, printer columns and subresources as Contour ships them
// for projectcontour.io, under the projectsesame.io group.
import { httpProxySchema, tlsCertificateDelegationSchema } from './httpproxy-schema.js';
import type { Schema } from './schema-builders.js';

/** API group of Sesame's custom resources. */
export const SESAME_GROUP = 'projectsesame.io';

/** A CustomResourceDefinition as a plain object, ready to be written as YAML. */
export interface CrdObject {
  readonly apiVersion: 'apiextensions.k8s.io/v1';
  readonly kind: 'CustomResourceDefinition';
  readonly metadata: { readonly name: string };
  readonly spec: Schema;
}

interface CrdOptions {
  readonly kind: string;
  readonly plural: string;
  readonly shortNames: readonly string[];
  readonly schema: Schema;
  readonly printerColumns?: readonly Schema[];
}

function crd(options: CrdOptions): CrdObject {
  const { kind, plural } = options;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${SESAME_GROUP}` },
    spec: {
      group: SESAME_GROUP,
      names: {
        kind,
        listKind: `${kind}List`,
        plural,
        singular: kind.toLowerCase(),
        shortNames: options.shortNames,
      },
      scope: 'Namespaced',
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          ...(options.printerColumns === undefined
            ? {}
            : { additionalPrinterColumns: options.printerColumns }),
          schema: { openAPIV3Schema: options.schema },
          subresources: { status: {} },
        },
      ],
    },
  };
}

/** The HTTPProxy CRD, with Contour's printer columns (FQDN, TLS Secret, Status, Status Description). */
export const httpProxyCrd: CrdObject = crd({
  kind: 'HTTPProxy',
  plural: 'httpproxies',
  shortNames: ['proxy', 'proxies'],
  schema: httpProxySchema,
  printerColumns: [
    {
      name: 'FQDN',
      type: 'string',
      description: 'Fully qualified domain name',
      jsonPath: '.spec.virtualhost.fqdn',
    },
    {
      name: 'TLS Secret',
      type: 'string',
      description: 'Secret with TLS credentials',
      jsonPath: '.spec.virtualhost.tls.secretName',
    },
    {
      name: 'Status',
      type: 'string',
      description: 'The current status of the HTTPProxy',
      jsonPath: '.status.currentStatus',
    },
    {
      name: 'Status Description',
      type: 'string',
      description: 'Description of the current status',
      jsonPath: '.status.description',
    },
  ],
});

/** The TLSCertificateDelegation CRD. */
export const tlsCertificateDelegationCrd: CrdObject = crd({
  kind: 'TLSCertificateDelegation',
  plural: 'tlscertificatedelegations',
  shortNames: ['tlscerts'],
  schema: tlsCertificateDelegationSchema,
});

/** Each CRD and the deploy/ file it is written to. */
export const CRD_FILES: readonly { readonly file: string; readonly crd: CrdObject }[] = [
  { file: 'crd-httpproxy.yaml', crd: httpProxyCrd },
  { file: 'crd-tlscertificatedelegation.yaml', crd: tlsCertificateDelegationCrd },
];
