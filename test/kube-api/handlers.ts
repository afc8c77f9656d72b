// The verbs on a resource route: list (resourceVersion semantics, selectors, pagination), get, create, update,
// status update, patch and delete. Each returns the HTTP code and body the real API server would.
import { applyJsonPatch, applyMergePatch } from './json-patch.js';
import { isObject } from './json.js';
import type { ObjectStore } from './object-store.js';
import { parseResourceVersion } from './object-store.js';
import type { RequestInfo, Verb } from './request-control.js';
import type { JsonObject, ResourceDef } from './resources.js';
import { apiVersionOf } from './resources.js';
import type { ResourceRoute } from './routes.js';
import type { Matcher } from './selectors.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import {
  KubeApiError,
  badRequest,
  deleted,
  expired,
  failure,
  invalid,
  notFound,
  tooLargeResourceVersion,
} from './status.js';
import type { StoredObject } from './stored-object.js';
import { listItemJson } from './stored-object.js';
import { waitForCondition } from './wait.js';

/** An HTTP answer: code and JSON body. */
export interface Reply {
  readonly code: number;
  readonly json: string;
}

/** What the handlers need from the server. */
export interface HandlerContext {
  readonly store: ObjectStore;
  readonly tooLargeWaitMs: number;
  /** Refuse to create objects in namespaces that do not exist, as the NamespaceLifecycle admission plugin does. */
  readonly enforceNamespaces: boolean;
}

/** The Kubernetes verb of a request, or undefined when the method is not allowed on that route. */
export function verbOf(method: string, route: ResourceRoute, query: URLSearchParams): Verb | undefined {
  const collection = route.name === undefined;
  if (route.subresource !== undefined) {
    if (collection) return undefined;
    return method === 'GET' ? 'get' : method === 'PUT' ? 'update' : method === 'PATCH' ? 'patch' : undefined;
  }
  // `?watch=true` on a named object is the legacy single-object watch (a watch with a metadata.name selector).
  if (method === 'GET') return isTrue(query.get('watch')) ? 'watch' : collection ? 'list' : 'get';
  if (collection)
    return method === 'POST' && (route.namespace !== undefined || !route.def.namespaced)
      ? 'create'
      : undefined;
  return method === 'PUT'
    ? 'update'
    : method === 'PATCH'
      ? 'patch'
      : method === 'DELETE'
        ? 'delete'
        : undefined;
}

/** The request as counted and matched by the test controls. */
export function requestInfo(verb: Verb, route: ResourceRoute): RequestInfo {
  return {
    verb,
    resource: route.subresource === undefined ? route.def.plural : `${route.def.plural}/${route.subresource}`,
    ...(route.namespace === undefined ? {} : { namespace: route.namespace }),
    ...(route.name === undefined ? {} : { name: route.name }),
  };
}

/** `true` and `1` are true, as the API server's query decoder reads booleans. */
export function isTrue(value: string | null): boolean {
  return value === 'true' || value === '1';
}

/** Label and field selectors of a list or watch; 400 when they do not parse. */
export function selectorsOf(def: ResourceDef, query: URLSearchParams): { labels: Matcher; fields: Matcher } {
  const labels = parseLabelSelector(query.get('labelSelector') ?? '');
  if (!labels.ok) throw badRequest(labels.errors.join('; '));
  const fields = parseFieldSelector(query.get('fieldSelector') ?? '', [
    'metadata.name',
    'metadata.namespace',
    ...def.selectableFields,
  ]);
  if (!fields.ok) throw badRequest(fields.errors.join('; '));
  return { labels: labels.value, fields: fields.value };
}

/** Waits (briefly, as the watch cache does) for the store to reach `resourceVersion`, else 504. */
export async function awaitRevision(ctx: HandlerContext, resourceVersion: number): Promise<void> {
  const { store } = ctx;
  if (store.revision() >= resourceVersion) return;
  try {
    await waitForCondition(
      () => store.revision() >= resourceVersion,
      (notify) => store.subscribe(notify),
      {
        timeoutMs: ctx.tooLargeWaitMs,
      },
    );
  } catch {
    throw tooLargeResourceVersion(resourceVersion, store.revision());
  }
}

function objectReply(code: number, object: StoredObject): Reply {
  return { code, json: object.json };
}

interface ContinueToken {
  readonly rv: number;
  readonly start: string;
}

function decodeContinue(token: string): ContinueToken {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (isObject(parsed) && typeof parsed['rv'] === 'number' && typeof parsed['start'] === 'string') {
      return { rv: parsed['rv'], start: parsed['start'] };
    }
  } catch {
    // Falls through to the same error as a well-formed but meaningless token.
  }
  throw badRequest(
    'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
  );
}

async function list(ctx: HandlerContext, route: ResourceRoute, query: URLSearchParams): Promise<Reply> {
  const { store } = ctx;
  const { def } = route;
  const { labels, fields } = selectorsOf(def, query);
  const rvParam = query.get('resourceVersion') ?? '';
  const match = query.get('resourceVersionMatch') ?? '';
  const cont = query.get('continue') ?? '';
  const limit = Number(query.get('limit') ?? '0');
  if (match !== '' && rvParam === '') {
    throw invalid(
      'ListOptions',
      '',
      'resourceVersionMatch',
      'Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
      'meta.k8s.io',
    );
  }
  let listRv = store.revision();
  let items: StoredObject[];
  let start = '';
  if (cont !== '') {
    if (rvParam !== '') throw badRequest('specifying resource version is not allowed when using continue');
    const token = decodeContinue(cont);
    if (token.rv < store.compactedRevision()) {
      throw expired(
        'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
      );
    }
    listRv = token.rv;
    start = token.start;
    items = store.listAt(def, token.rv, route.namespace);
  } else if (rvParam !== '' && rvParam !== '0') {
    const rv = parseResourceVersion(rvParam);
    await awaitRevision(ctx, rv);
    if (match === 'Exact') {
      listRv = rv;
      items = store.listAt(def, rv, route.namespace);
    } else {
      listRv = store.revision();
      items = store.list(def, route.namespace);
    }
  } else {
    items = store.list(def, route.namespace);
  }
  const selected = items.filter((item) => item.key > start && labels(item.labels) && fields(item.fields));
  // resourceVersion=0 is served from the watch cache, which ignores limit.
  const page = limit > 0 && rvParam !== '0' && selected.length > limit ? selected.slice(0, limit) : selected;
  const metadata: JsonObject = { resourceVersion: String(listRv) };
  const last = page[page.length - 1];
  if (page.length < selected.length && last !== undefined) {
    metadata['continue'] = Buffer.from(JSON.stringify({ rv: listRv, start: last.key })).toString('base64url');
    const unfiltered = query.get('labelSelector') === null && query.get('fieldSelector') === null;
    if (unfiltered) metadata['remainingItemCount'] = selected.length - page.length;
  }
  const head = `{"kind":"${def.kind}List","apiVersion":${JSON.stringify(apiVersionOf(def))},"metadata":${JSON.stringify(metadata)},"items":[`;
  return { code: 200, json: `${head}${page.map(listItemJson).join(',')}]}` };
}

function requireObject(body: unknown): JsonObject {
  if (!isObject(body)) throw badRequest('the body of the request was not a JSON object');
  return body;
}

function patched(
  route: ResourceRoute,
  current: StoredObject,
  contentType: string,
  body: unknown,
): JsonObject {
  const type = contentType.split(';')[0]?.trim() ?? '';
  let result: unknown;
  if (
    type === 'application/merge-patch+json' ||
    (type === 'application/strategic-merge-patch+json' && !route.def.custom)
  ) {
    // Strategic merge differs from a merge patch only for lists with a patch strategy; none of the fields the
    // fixture's users patch (status.loadBalancer, conditions of custom resources) has one.
    result = applyMergePatch(current.body, requireObject(body));
  } else if (type === 'application/json-patch+json') {
    const applied = applyJsonPatch(current.body, body);
    if (!applied.ok)
      throw new KubeApiError(failure({ code: 422, reason: 'Invalid', message: applied.errors.join('; ') }));
    result = applied.value;
  } else {
    throw new KubeApiError(
      failure({
        code: 415,
        reason: 'UnsupportedMediaType',
        message: `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json${route.def.custom ? '' : ', application/strategic-merge-patch+json'}`,
      }),
    );
  }
  if (!isObject(result))
    throw new KubeApiError(
      failure({ code: 422, reason: 'Invalid', message: 'the patched object is not a JSON object' }),
    );
  return result;
}

function deletePreconditions(body: unknown): { uid?: string; resourceVersion?: string } | undefined {
  if (!isObject(body) || !isObject(body['preconditions'])) return undefined;
  const { uid, resourceVersion } = body['preconditions'];
  return {
    ...(typeof uid === 'string' ? { uid } : {}),
    ...(typeof resourceVersion === 'string' ? { resourceVersion } : {}),
  };
}

/** The NamespaceLifecycle admission check, when the fixture enforces it. */
function checkNamespaceExists(ctx: HandlerContext, def: ResourceDef, namespace: string): void {
  const namespaces = ctx.store.registry.byPlural('namespaces');
  if (!ctx.enforceNamespaces || !def.namespaced || namespaces === undefined) return;
  if (ctx.store.get(namespaces, '', namespace) === undefined) throw notFound(namespaces, namespace);
}

/** Serves every verb but watch. */
export async function handle(
  ctx: HandlerContext,
  verb: Exclude<Verb, 'watch'>,
  route: ResourceRoute,
  request: { readonly query: URLSearchParams; readonly body: unknown; readonly contentType: string },
): Promise<Reply> {
  const { store } = ctx;
  const { def } = route;
  const namespace = route.namespace ?? '';
  const name = route.name ?? '';
  if (route.subresource !== undefined && (route.subresource !== 'status' || !def.statusSubresource)) {
    throw new KubeApiError(
      failure({ code: 404, reason: 'NotFound', message: 'the server could not find the requested resource' }),
    );
  }
  const mode = route.subresource === 'status' ? 'status' : 'main';
  switch (verb) {
    case 'list':
      return list(ctx, route, request.query);
    case 'get': {
      const object = store.get(def, namespace, name);
      if (object === undefined) throw notFound(def, name);
      return objectReply(200, object);
    }
    case 'create':
      checkNamespaceExists(ctx, def, namespace);
      return objectReply(201, store.create(def, route.namespace, requireObject(request.body), 'main'));
    case 'update': {
      const input = requireObject(request.body);
      const meta = isObject(input['metadata']) ? input['metadata'] : {};
      const unconditional = meta['resourceVersion'] === undefined || meta['resourceVersion'] === '';
      if (store.get(def, namespace, name) === undefined && mode === 'main' && !def.custom && unconditional) {
        // Built-in kinds allow create-on-update (PUT of a missing object with no resourceVersion creates it).
        checkNamespaceExists(ctx, def, namespace);
        return objectReply(
          201,
          store.create(def, route.namespace, { ...input, metadata: { ...meta, name } }, 'main'),
        );
      }
      return objectReply(200, store.update(def, namespace, name, input, { mode, allowUnconditional: false }));
    }
    case 'patch': {
      const current = store.get(def, namespace, name);
      if (current === undefined) throw notFound(def, name);
      const next = patched(route, current, request.contentType, request.body);
      return objectReply(200, store.update(def, namespace, name, next, { mode, allowUnconditional: true }));
    }
    case 'delete': {
      const gone = store.delete(def, namespace, name, deletePreconditions(request.body));
      return def.deleteReturnsObject
        ? objectReply(200, gone)
        : { code: 200, json: JSON.stringify(deleted(def, gone.name, gone.uid)) };
    }
  }
}
