// The status HTTP server's application (DESIGN.md §3, §6): fastify with the JSON API v1, /metrics,
// monit's read endpoints, and the web page at `/`, answering the requests of the sockets listeners.ts
// listens on (`set httpd port N [address A]`, `unixsocket PATH`). The request lifecycle, as
// data: onRequest = [authenticate (every route), then on actions: requireAdmin, requireJson, rate
// limit] → body parsing (64 kB, JSON only on actions) → schema validation → handler → response
// schema (a whitelist of fields) → onSend (security headers).
import rateLimit from '@fastify/rate-limit';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import type { Daemon } from '../daemon/daemon.js';
import { BwError } from '../errors.js';
import type { HttpContext, HttpServerOptions } from './context.js';
import { authenticate } from './guard.js';
import { LoginLimiter } from './login-limiter.js';
import type { Metrics } from './metrics.js';
import { OpenApiCollector } from './openapi.js';
import { ensureSchemaCompilers, lazySchemaController } from './lazy-schemas.js';
import type { HttpBase } from './listeners.js';
import { prepareHttp } from './listeners.js';
import { installReplies, sendError, toBwError } from './replies.js';
import { registerActionRoutes } from './routes-actions.js';
import { registerApiRoutes } from './routes-api.js';
import { registerMiscRoutes } from './routes-misc.js';
import { registerMonitRoutes } from './routes-monit.js';
import { xmlHttpdOf } from './monit-xml.js';
import { registerPageRoutes } from './routes-page.js';
import { clientOf } from './unix-socket.js';

/** A server built but not listening: `app.inject()` reaches every route (tests), and
 *  `app.routing` answers the requests of the sockets listeners.ts listens on. */
export interface BuiltHttpServer {
  readonly app: FastifyInstance;
  readonly ctx: HttpContext;
  close(): Promise<void>;
}

const BODY_LIMIT = 64 * 1024;

/** Builds the server with what it needs from the start (tests; the daemon builds it in listeners.ts). */
export async function buildHttpServer(daemon: Daemon, opts: HttpServerOptions): Promise<BuiltHttpServer> {
  const base = await prepareHttp(daemon, opts);
  try {
    const built = await buildApp(daemon, opts, base);
    return {
      ...built,
      close: async () => {
        await built.close();
        await base.close();
      },
    };
  } catch (e) {
    await base.close();
    throw e;
  }
}

/** Builds the fastify app with every hook and route on BASE (listeners.ts); it does not listen. */
export async function buildApp(daemon: Daemon, opts: HttpServerOptions, base: HttpBase): Promise<BuiltHttpServer> {
  const app = createApp();
  const { ctx, observer, resources } = base;
  // The metrics begin at the first scrape: prom-client, its loop-delay timer (a wakeup a second)
  // and the histograms every cycle feeds cost a server that only answers the CLI and the page
  // nothing. The gauges and counters are read from the runners, complete from the start.
  let metrics: Promise<Metrics> | undefined;
  const loadMetrics = (): Promise<Metrics> =>
    (metrics ??= import('./metrics.js').then((m) => new m.Metrics(daemon, observer)));
  const closeMetrics = (): void => void metrics?.then((m) => m.close());
  try {
    const openapi = new OpenApiCollector();
    openapi.attach(app);
    app.decorateRequest('bwAccess', null);
    installReplies(app, ctx);
    await installRequestHandling(app, ctx, daemon, opts);
    const limits = opts.limits;
    registerApiRoutes(app, ctx);
    // One limiter (one store) for every action route, API and page alike: they share a client's budget.
    const limitActions = app.rateLimit({ max: limits?.actionsPerMinute ?? 60, timeWindow: 60_000 });
    registerActionRoutes(app, ctx, limitActions);
    await registerPageRoutes(app, ctx, limitActions);
    const httpd = opts.config.httpd;
    await registerMonitRoutes(
      app,
      ctx,
      () => ({
        startDelaySeconds: Math.round(daemon.config.daemon.startDelayMs / 1000),
        ...(daemon.hostId !== undefined ? { id: daemon.hostId } : {}),
        httpd: xmlHttpdOf(httpd, base.tls !== undefined),
        resources,
      }),
      limitActions,
    );
    registerMiscRoutes(app, loadMetrics, openapi);
    await app.ready();
    return {
      app,
      ctx,
      close: async () => {
        await app.close();
        closeMetrics();
      },
    };
  } catch (e) {
    closeMetrics();
    await app.close().catch(() => undefined);
    throw e;
  }
}

/** The fastify instance, with its limits and the error shape of requests no route sees. It does not
 *  listen: listeners.ts's servers hand it their requests (TLS is theirs). */
function createApp(): FastifyInstance {
  return Fastify({
    logger: false,
    bodyLimit: BODY_LIMIT,
    routerOptions: { maxParamLength: 256 },
    // Each route's schemas compile at its first request, so that the server listens sooner.
    schemaController: lazySchemaController,
    return503OnClosing: true,
    // A URL fastify cannot decode (`%E0%A4%A`) is answered before any hook: same error shape.
    frameworkErrors: (err, _req, reply) =>
      void sendError(
        reply,
        err.statusCode === 400
          ? new BwError('BW_BAD_REQUEST', 'the URL cannot be decoded or is too long')
          : toBwError(err),
      ),
  }) as unknown as FastifyInstance;
}

/** What every route shares: the JSON body parser, the rate-limit plugin and authentication. */
async function installRequestHandling(
  app: FastifyInstance,
  ctx: HttpContext,
  daemon: Daemon,
  opts: HttpServerOptions,
): Promise<void> {
  // An action may be posted with no body at all: `{}` then.
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) =>
    body === '' ? done(null, {}) : json(req, String(body), done),
  );
  await app.register(rateLimit, {
    global: false,
    keyGenerator: (req) => clientOf(req),
    errorResponseBuilder: (_req, c) =>
      new BwError('BW_RATE_LIMITED', `too many requests: at most ${c.max} actions a minute; try again in ${c.after}`),
  });
  const limits = opts.limits;
  const logins = new LoginLimiter(
    { maxFailures: limits?.failedLogins ?? 10, windowMs: limits?.loginWindowMs ?? 60_000 },
    daemon.clock,
  );
  app.addHook('onRequest', ensureSchemaCompilers);
  app.addHook('onRequest', authenticate(ctx, logins));
}
