import type { TypeView } from '../cache/resource-cache.js';

/**
 * Names a response body that many streams send byte for byte: the resources of one immutable type view
 * selected by `key` (every resource, or one interned subscription set), in the view's order.
 */
export interface SharedBody {
  readonly view: TypeView;
  /** `ALL_RESOURCES`, or the interned name set the resources were selected by. */
  readonly key: object;
  /** Which encoding (state of the world or delta): they differ for the same resources. */
  readonly flavour: 'sotw' | 'delta';
}

/** The key of a body holding every resource of a view. */
export const ALL_RESOURCES: object = Object.freeze({ all: true });

/** Bytes of shared bodies kept per view: beyond this, bodies are encoded per stream again. */
const BUDGET_PER_VIEW = 64 * 1024 * 1024;

interface ViewBodies {
  /** Weak: a body dies with its name set (its last subscriber gone) or with the view. */
  readonly byKey: WeakMap<object, Buffer>;
  bytes: number;
}

const bodies = new WeakMap<TypeView, ViewBodies>();

/** The encoded body for `shared`, made by `encode` the first time and reused by every stream after. */
export function sharedBody(shared: SharedBody, encode: () => Buffer): Buffer {
  let perView = bodies.get(shared.view);
  if (perView === undefined) bodies.set(shared.view, (perView = { byKey: new WeakMap(), bytes: 0 }));
  const key = shared.flavour === 'sotw' ? shared.key : deltaKey(shared.key);
  let body = perView.byKey.get(key);
  if (body === undefined) {
    body = encode();
    if (perView.bytes + body.length <= BUDGET_PER_VIEW) {
      perView.byKey.set(key, body);
      perView.bytes += body.length;
    }
  }
  return body;
}

/** A second key per selection for the delta encoding of the same resources. */
const deltaKeys = new WeakMap<object, object>();

function deltaKey(key: object): object {
  let k = deltaKeys.get(key);
  if (k === undefined) deltaKeys.set(key, (k = {}));
  return k;
}

/** EDS names of the clusters of a shared body, computed once per body like its bytes. */
const edsNames = new WeakMap<TypeView, WeakMap<object, readonly string[]>>();

/** The EDS names for `shared` (a CDS body), made by `compute` the first time. */
export function sharedEdsNames(shared: SharedBody, compute: () => readonly string[]): readonly string[] {
  let perView = edsNames.get(shared.view);
  if (perView === undefined) edsNames.set(shared.view, (perView = new WeakMap()));
  let names = perView.get(shared.key);
  if (names === undefined) perView.set(shared.key, (names = compute()));
  return names;
}
