// The HTTP front of the fixture: authentication, routing, fault injection, then either a watch stream or one of
// the other verbs; every failure leaves as a `Status` body with the matching HTTP code.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HandlerContext } from './handlers.js';
import { handle, isTrue, requestInfo, selectorsOf, verbOf } from './handlers.js';
import { parseResourceVersion } from './object-store.js';
import type { RequestControl } from './request-control.js';
import type { ResourceRoute } from './routes.js';
import { parseRoute } from './routes.js';
import type { Matcher } from './selectors.js';
import type { KubeStatus } from './status.js';
import { KubeApiError, badRequest, failure, invalid } from './status.js';
import type { OpenWatch } from './watch-stream.js';
import { openWatch } from './watch-stream.js';

/** What the request handler works with. */
export interface ServeContext extends HandlerContext {
  readonly control: RequestControl;
  /** Open watches; the handler adds and removes its own. */
  readonly watches: Set<OpenWatch>;
  /** Called whenever a watch opens or closes. */
  readonly onWatchesChanged: () => void;
  /** Expected bearer token, or undefined to accept any request. */
  readonly token: string | undefined;
  readonly defaultWatchTimeoutMs: number | undefined;
}

function send(res: ServerResponse, code: number, json: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(json) });
  res.end(json);
}

function sendStatus(res: ServerResponse, status: KubeStatus): void {
  send(res, status.code, JSON.stringify(status));
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw badRequest(`the body of the request could not be decoded as JSON: ${(err as Error).message}`);
  }
}

function startWatch(
  ctx: ServeContext,
  route: ResourceRoute,
  query: URLSearchParams,
  res: ServerResponse,
): void {
  const selectors = selectorsOf(route.def, query);
  const { labels } = selectors;
  const { name } = route;
  const fields: Matcher =
    name === undefined ? selectors.fields : (f) => f['metadata.name'] === name && selectors.fields(f);
  const rv = query.get('resourceVersion') ?? '';
  const match = query.get('resourceVersionMatch') ?? '';
  const bookmarks = isTrue(query.get('allowWatchBookmarks'));
  const sendInitialEvents = isTrue(query.get('sendInitialEvents'));
  if (sendInitialEvents && (!bookmarks || match !== 'NotOlderThan')) {
    throw invalid(
      'ListOptions',
      '',
      'sendInitialEvents',
      'Forbidden: sendInitialEvents requires allowWatchBookmarks=true and resourceVersionMatch=NotOlderThan',
      'meta.k8s.io',
    );
  }
  if (!sendInitialEvents && match !== '') {
    throw invalid(
      'ListOptions',
      '',
      'resourceVersionMatch',
      'Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided',
      'meta.k8s.io',
    );
  }
  const from = rv === '' || rv === '0' ? undefined : parseResourceVersion(rv);
  const timeoutSeconds = query.get('timeoutSeconds') ?? '';
  if (timeoutSeconds !== '' && !/^\d+$/.test(timeoutSeconds)) {
    throw badRequest(`invalid timeoutSeconds: ${timeoutSeconds}`);
  }
  // 0 means "not set", as in ListOptions.
  const timeoutMs = Number(timeoutSeconds) > 0 ? Number(timeoutSeconds) * 1000 : ctx.defaultWatchTimeoutMs;
  // Headers go out at once, as the real server flushes them before the first event.
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
  });
  res.flushHeaders();
  // The watch may end inside `openWatch` (a 410), before it is registered; only a registered one is removed.
  const registered: { watch?: OpenWatch } = {};
  const sink = {
    write: (chunk: string) => void res.write(chunk),
    end: () => res.end(),
    destroy: () => res.destroy(),
  };
  const watch = openWatch(
    ctx.store,
    {
      def: route.def,
      namespace: route.namespace,
      labels,
      fields,
      from,
      bookmarks,
      sendInitialEvents,
      timeoutMs,
      tooLargeWaitMs: ctx.tooLargeWaitMs,
    },
    sink,
    () => {
      if (registered.watch !== undefined && ctx.watches.delete(registered.watch)) ctx.onWatchesChanged();
    },
  );
  if (!watch.isOpen()) return;
  registered.watch = watch;
  ctx.watches.add(watch);
  res.on('close', () => watch.close('abort'));
  ctx.onWatchesChanged();
}

async function serve(ctx: ServeContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (ctx.token !== undefined && req.headers.authorization !== `Bearer ${ctx.token}`) {
    throw new KubeApiError(failure({ code: 401, reason: 'Unauthorized', message: 'Unauthorized' }));
  }
  const url = new URL(req.url ?? '/', 'http://fixture.invalid');
  const route = parseRoute(ctx.store.registry, url.pathname);
  if (route === undefined) {
    throw new KubeApiError(
      failure({ code: 404, reason: 'NotFound', message: 'the server could not find the requested resource' }),
    );
  }
  if (route.type === 'document') {
    if (typeof route.body === 'string') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end(route.body);
    } else {
      send(res, 200, JSON.stringify(route.body));
    }
    return;
  }
  const verb = verbOf(req.method ?? 'GET', route, url.searchParams);
  if (verb === undefined) {
    throw new KubeApiError(
      failure({
        code: 405,
        reason: 'MethodNotAllowed',
        message: 'the server does not allow this method on the requested resource',
      }),
    );
  }
  const body = await readBody(req);
  const info = requestInfo(verb, route);
  const fault = await ctx.control.admit(info);
  // The client may have gone (or the fixture stopped) while the request was held or delayed.
  if (res.destroyed) return;
  try {
    if (fault !== undefined) {
      sendStatus(res, fault);
    } else if (verb === 'watch') {
      startWatch(ctx, route, url.searchParams, res);
    } else {
      const contentType = req.headers['content-type'] ?? '';
      const reply = await handle(ctx, verb, route, { query: url.searchParams, body, contentType });
      send(res, reply.code, reply.json);
    }
  } catch (err) {
    if (!(err instanceof KubeApiError)) throw err;
    sendStatus(res, err.status);
  }
  ctx.control.record({ ...info, code: fault?.code ?? res.statusCode });
}

/** The `request` listener of the fixture's HTTP server. */
export function createRequestHandler(ctx: ServeContext): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    serve(ctx, req, res).catch((err: unknown) => {
      const status =
        err instanceof KubeApiError
          ? err.status
          : failure({ code: 500, reason: 'InternalError', message: `fixture error: ${String(err)}` });
      sendStatus(res, status);
    });
  };
}
