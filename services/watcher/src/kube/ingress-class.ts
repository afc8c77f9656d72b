import type { Meta } from './kinds.js';

/** The class Sesame answers to when none is configured (Contour's is `contour`). */
export const DEFAULT_INGRESS_CLASS = 'sesame';

/** Class annotations, most specific first; an annotation beats `spec.ingressClassName`, as in Contour. */
const CLASS_ANNOTATIONS = ['projectsesame.io/ingress.class', 'kubernetes.io/ingress.class'] as const;

/** The class an Ingress or HTTPProxy asks for: its annotation, else its spec field, else ''. */
export function objectIngressClass(meta: Meta, specClassName: string): string {
  for (const annotation of CLASS_ANNOTATIONS) {
    const value = meta.annotations[annotation];
    if (value !== undefined && value !== '') return value;
  }
  return specClassName;
}

/**
 * Contour's rule (internal/ingressclass): with no class configured, objects without a class or with the
 * default class are served; with a class configured, only objects that name exactly that class are.
 */
export function matchesIngressClass(objectClass: string, configured: string | undefined): boolean {
  if (configured === undefined || configured === '') {
    return objectClass === '' || objectClass === DEFAULT_INGRESS_CLASS;
  }
  return objectClass === configured;
}
