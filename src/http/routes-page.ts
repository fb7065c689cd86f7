// The web status page: GET / (server-rendered, see page/render.ts), its stylesheet and script under
// /static/, and the forms its buttons post to /actions/…. A form post is the browser's, so it comes
// with the user's basic-auth credentials even from another site: it must carry the page's CSRF token,
// and a request that says it comes from another site (Origin, Sec-Fetch-Site) is refused outright.
// After an action the browser is sent back to the page (303), which names the action's id; the
// outcome appears in the events. Errors on these routes are small HTML pages, not JSON.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BwError } from '../errors.js';
import type { ControlAction } from '../state/types.js';
import type { HttpContext } from './context.js';
import { eventDto } from './dto.js';
import { requireAdmin } from './guard.js';
import { errorResponses } from './openapi.js';
import { ASSETS, ASSET_URLS } from './page/assets.js';
import { CsrfTokens } from './page/csrf.js';
import { pageCompilers } from './page/query.js';
import type { PageQuery } from './page/query.js';
import { escapeHtml } from './page/html.js';
import { chartedServices, renderPage } from './page/render.js';
import type { PageData } from './page/render.js';
import { errorHeaders, routeError } from './replies.js';
import type { ActionLimiter } from './routes-actions.js';
import { requestControl, requestReload } from './routes-actions.js';
import { CONTROL_ACTIONS } from './schemas.js';
import { clientOf } from './unix-socket.js';

/** Events the page lists, newest first. */
const PAGE_EVENTS = 50;
const FORM_LIMIT = 4096;
const CSRF_FORM = {
  type: 'object',
  required: ['csrf'],
  properties: { csrf: { type: 'string', description: "the token in the page's forms" } },
};

/** An error as a page a browser shows (with the basic-auth challenge on 401). */
function sendPageError(reply: FastifyReply, e: BwError, details: readonly string[] = []): FastifyReply {
  const list = details.length
    ? `<ul>${details.map((d) => `<li><code>${escapeHtml(d)}</code></li>`).join('')}</ul>`
    : '';
  // Without a password the status page would only answer 401 again: the way on is to sign in
  // (/login asks the browser for a user and password, then goes to the page).
  const next =
    e.code === 'BW_UNAUTHORIZED'
      ? '<a href="/login">Sign in</a> with a user of the rules file to see the status page.'
      : '<a href="/">Back to the status page</a>';
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${e.statusCode} · brokerwatch</title><link rel="stylesheet" href="${ASSET_URLS.css}"></head>
<body><main><h1>${e.statusCode} <span class="host">${escapeHtml(e.code)}</span></h1><p class="notice error" role="alert">${escapeHtml(e.message)}</p>${list}<p>${next}</p></main></body></html>
`;
  return errorHeaders(reply, e).code(e.statusCode).type('text/html; charset=utf-8').send(body);
}

/**
 * Refuses a form that says it was posted from another site. The browser's own verdict
 * (Sec-Fetch-Site) decides when it is sent; else the Origin's host must be this Host (the scheme is
 * not compared: behind a TLS-terminating proxy the browser says https and brokerwatch sees http).
 * The CSRF token is the real protection; this only turns away what announces itself.
 */
function sameOrigin(req: FastifyRequest): void {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined) {
    if (site !== 'same-origin' && site !== 'none')
      throw new BwError('BW_CSRF', 'the form was posted from another site');
    return;
  }
  const origin = req.headers.origin;
  if (origin === undefined) return;
  if (origin === 'null') throw new BwError('BW_CSRF', 'the form was posted from an opaque origin');
  let same = false;
  try {
    // Both read with the Origin's scheme, so a default port (:80, :443) counts the same written or not.
    const o = new URL(origin);
    same = o.host === new URL(`${o.protocol}//${req.headers.host ?? ''}`).host;
  } catch {
    same = false;
  }
  if (!same) throw new BwError('BW_CSRF', 'the form was posted from another site');
}

/** Form posts only: checked before the body is read. */
async function requireForm(req: FastifyRequest): Promise<void> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded')
    throw new BwError('BW_UNSUPPORTED_MEDIA', "the page's forms post application/x-www-form-urlencoded");
  sameOrigin(req);
}

/** Registers /, /login, /static/… and /actions/…. */
export async function registerPageRoutes(
  app: FastifyInstance,
  ctx: HttpContext,
  limitActions: ActionLimiter,
): Promise<void> {
  const csrf = new CsrfTokens();
  await app.register(async (scope) => {
    scope.setErrorHandler((err: FastifyError, req, reply) => sendPageError(reply, routeError(ctx, req, err)));
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: FORM_LIMIT },
      (_req, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(String(body))));
      },
    );
    registerPageView(scope, ctx, csrf);
    registerLoginAndAssets(scope);
    registerPageForms(scope, ctx, csrf, limitActions);
  });
}

/** GET /: the page itself. */
function registerPageView(scope: FastifyInstance, ctx: HttpContext, csrf: CsrfTokens): void {
  scope.get<{ Querystring: PageQuery }>(
    '/',
    {
      // Checked and written without the JSON-schema compilers, which the page does not wait for.
      ...pageCompilers,
      config: { ownSchemaCompilers: true },
      schema: {
        summary: 'The web status page (HTML)',
        tags: ['page'],
        produces: 'text/html',
        querystring: {
          type: 'object',
          properties: {
            done: { type: 'string', enum: [...CONTROL_ACTIONS, 'reload'] },
            service: { type: 'string', maxLength: 256 },
            id: { type: 'integer', minimum: 0 },
          },
        },
        response: errorResponses(401, 429),
      },
    },
    async (req, reply) => reply.type('text/html; charset=utf-8').send(pageHtml(ctx, csrf, req)),
  );
}

/** The page for one request: what its viewer may see and do, and the notice of a finished form. */
function pageHtml(ctx: HttpContext, csrf: CsrfTokens, req: FastifyRequest<{ Querystring: PageQuery }>): string {
  const access = req.bwAccess ?? { readOnly: true };
  const now = ctx.daemon.clock.now();
  const status = ctx.status();
  const events = ctx.daemon.events
    .since(0, PAGE_EVENTS)
    .reverse()
    .map((e) => eventDto(e, ctx.scrubber));
  // Only the charts the page shows.
  const charts = new Map(
    chartedServices(status.services, now).map((s) => [s.name, ctx.observer.latency.series(s.name, now)]),
  );
  const canAct = access.user !== undefined && !access.readOnly;
  const q = req.query;
  let notice: PageData['notice'];
  if (q.done === 'reload') notice = { kind: 'ok', text: 'Rules reloaded.' };
  else if (q.done && q.service !== undefined && (q.service === 'all' || ctx.service(q.service) !== undefined)) {
    notice = {
      kind: 'ok',
      text: `${q.done} of ${q.service} requested${q.id !== undefined ? ` (action ${q.id})` : ''}: the outcome appears in the events below.`,
    };
  }
  return renderPage({
    status,
    events,
    charts,
    viewer: { ...(access.user !== undefined ? { user: access.user } : {}), readOnly: access.readOnly },
    ...(canAct && access.user !== undefined ? { csrf: csrf.issue(access.user) } : {}),
    ...(notice ? { notice } : {}),
    now,
    assets: ASSET_URLS,
  });
}

/** GET /login and GET /static/…. */
function registerLoginAndAssets(scope: FastifyInstance): void {
  // A browser let in by its address (allow HOST) never sends a password, so it never gets the
  // buttons: this asks it for one, then goes back to the page.
  scope.get(
    '/login',
    {
      schema: {
        summary: 'Sign in to the web page (asks the browser for a user and password)',
        tags: ['page'],
        produces: 'text/html',
        redirect: '/',
        response: errorResponses(401, 429),
      },
    },
    async (req, reply) => {
      if (req.bwAccess?.user === undefined)
        throw new BwError('BW_UNAUTHORIZED', 'sign in with a user of the rules file');
      return reply.redirect('/', 303);
    },
  );

  scope.get<{ Params: { file: string } }>(
    '/static/:file',
    {
      schema: {
        summary: "The page's stylesheet and script",
        tags: ['page'],
        produces: ['text/css', 'text/javascript'],
        params: { type: 'object', properties: { file: { type: 'string', maxLength: 64 } } },
        response: errorResponses(401, 404),
      },
    },
    async (req, reply) => {
      const asset = ASSETS.get(req.params.file);
      if (!asset) throw new BwError('BW_NOT_FOUND', 'no such file');
      // The name carries a hash of the content: it never changes under that name.
      return reply.type(asset.type).header('cache-control', 'private, max-age=31536000, immutable').send(asset.body);
    },
  );
}

/** The forms of the page's buttons: POST /actions/NAME/ACTION and /actions/reload. */
function registerPageForms(
  scope: FastifyInstance,
  ctx: HttpContext,
  csrf: CsrfTokens,
  limitActions: ActionLimiter,
): void {
  const formGuards = { onRequest: [requireAdmin, requireForm, limitActions] };
  const verifyToken = (req: FastifyRequest): string => {
    const user = req.bwAccess?.user ?? '';
    const body = req.body as Record<string, unknown> | undefined;
    if (!csrf.verify(user, body?.csrf)) throw new BwError('BW_CSRF');
    return user;
  };

  scope.post<{ Params: { name: string; action: string } }>(
    '/actions/:name/:action',
    {
      ...formGuards,
      schema: {
        summary: 'A button of the web page: start, stop, restart, monitor or unmonitor a service',
        description:
          'A form post with the csrf field of the page; answers 303 back to the page, which names the action id.',
        tags: ['page'],
        produces: 'text/html',
        redirect: '/?done=ACTION&service=NAME&id=ACTION_ID',
        form: CSRF_FORM,
        params: {
          type: 'object',
          required: ['name', 'action'],
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 256 },
            action: { type: 'string', enum: [...CONTROL_ACTIONS] },
          },
        },
        response: errorResponses(400, 401, 403, 404, 413, 415, 429),
      },
    },
    async (req, reply) => {
      const user = verifyToken(req);
      const { name } = req.params;
      const action = req.params.action as ControlAction;
      const done = requestControl(ctx, { name, action, user, via: 'web page', client: clientOf(req) });
      return reply.redirect(`/?done=${action}&service=${encodeURIComponent(name)}&id=${done.actionId}`, 303);
    },
  );

  scope.post(
    '/actions/reload',
    {
      ...formGuards,
      schema: {
        summary: 'The web page\'s "Reload rules" button',
        tags: ['page'],
        produces: 'text/html',
        redirect: '/?done=reload',
        form: CSRF_FORM,
        response: errorResponses(401, 403, 413, 415, 422, 429),
      },
    },
    async (req, reply) => {
      const user = verifyToken(req);
      const result = await requestReload(ctx, user);
      if (!result.ok) return sendPageError(reply, result.error, result.positions);
      return reply.redirect('/?done=reload', 303);
    },
  );
}
