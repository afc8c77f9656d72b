import type { KubeObject } from './kube/object.js';
import { createTranslator, type TranslateOptions, type Translation } from './translate-incremental.js';

export type { TranslateOptions, Translation } from './translate-incremental.js';

/**
 * Kubernetes objects → model → Envoy resources, with every problem and every status. Pure: no I/O, no
 * clock; the same objects in any order give byte-identical resources. Bad input never throws: it is left
 * out and reported. The full-build form of `createTranslator`, and equal to it after any change sequence.
 */
export function translate(objects: readonly KubeObject[], options: TranslateOptions = {}): Translation {
  const translator = createTranslator(options);
  translator.replaceAll(objects);
  return translator.current();
}
