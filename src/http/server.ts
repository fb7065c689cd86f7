// The status HTTP server (DESIGN.md §3, §6): fastify on `set httpd port N [address A]` (127.0.0.1
// unless set) and/or `unixsocket PATH` (unix-socket.ts), the JSON API v1, /metrics, monit's read
// endpoints, and the web page at `/`. The request lifecycle, as
// data: onRequest = [authenticate (every route), then on actions: requireAdmin, requireJson, rate
// limit] → body parsing (64 kB, JSON only on actions) → schema validation → handler → response
// schema (a whitelist of fields) → onSend (security headers).
import { readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import rateLimit from '@fastify/rate-limit';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import type { Httpd } from '../config/model.js';
import type { Daemon } from '../daemon/daemon.js';
import { BwError } from '../errors.js';
import { connectionBudget, readFdLimits } from '../process/fd-limit.js';
import type { HttpServerOptions } from './context.js';
import { HttpContext } from './context.js';
import type { ConnectionCounts, ConnectionLimits } from './connection-guard.js';
import { DEFAULT_CONNECTION_LIMITS, guardConnections } from './connection-guard.js';
import { authenticate } from './guard.js';
import { LoginLimiter } from './login-limiter.js';
import type { Metrics } from './metrics.js';
import { DaemonObserver } from './observer.js';
import { OpenApiCollector } from './openapi.js';
import { ensureSchemaCompilers, lazySchemaController } from './lazy-schemas.js';
import { clientErrorHandler, installReplies, sendError, toBwError } from './replies.js';
import { registerActionRoutes } from './routes-actions.js';
import { registerApiRoutes } from './routes-api.js';
import { registerMiscRoutes } from './routes-misc.js';
import { registerMonitRoutes } from './routes-monit.js';
import { xmlHttpdOf } from './monit-xml.js';
import { registerPageRoutes } from './routes-page.js';
import { ResourceSampler } from './resource-sampler.js';
import { DEFAULT_SOCKET_MODE, clientOf, closeUnixSocket, listenUnixSocket } from './unix-socket.js';
import { ipFamily } from '../util/ip.js';

/** What startHttpServer is given (see context.ts). */
export type { HttpServerOptions } from './context.js';

/** A running server. */
export interface HttpServer {
  close(): Promise<void>;
  /** The TCP port and address; 0 and '' without TCP (`unixsocket` alone). */
  readonly port: number;
  readonly address: string;
  /** The unix socket's path, when it serves one. */
  readonly socketPath?: string;
  /** Connections open now and refused so far (over a cap). */
  connections(): ConnectionCounts;
}

/** A server built but not listening: `app.inject()` reaches every route (tests). */
export interface BuiltHttpServer {
  readonly app: FastifyInstance;
  readonly ctx: HttpContext;
  close(): Promise<void>;
}

const BODY_LIMIT = 64 * 1024;

async function tlsOptions(tls: Httpd['tls']): Promise<{ key: Buffer; cert: Buffer } | undefined> {
  if (!tls) return undefined;
  if (tls.certFile && tls.keyFile) return { cert: await readFile(tls.certFile), key: await readFile(tls.keyFile) };
  if (tls.pemFile) {
    // monit's PEM file holds the key and the certificate together.
    const pem = await readFile(tls.pemFile);
    return { cert: pem, key: pem };
  }
  throw new Error("set httpd ssl needs 'pemfile' or both 'certfile' and 'keyfile'");
}

/** Builds the fastify app with every hook and route; it does not listen. */
export async function buildHttpServer(daemon: Daemon, opts: HttpServerOptions): Promise<BuiltHttpServer> {
  const https = await tlsOptions(opts.config.httpd?.tls);
  const app = createApp(https);
  const observer = new DaemonObserver(daemon);
  const closers: Array<() => void> = [];
  try {
    await observer.load();
    // The metrics begin at the first scrape: prom-client, its loop-delay timer (a wakeup a second)
    // and the histograms every cycle feeds cost a server that only answers the CLI and the page
    // nothing. The gauges and counters are read from the runners, complete from the start.
    let metrics: Promise<Metrics> | undefined;
    const loadMetrics = (): Promise<Metrics> =>
      (metrics ??= import('./metrics.js').then((m) => new m.Metrics(daemon, observer)));
    closers.push(() => void metrics?.then((m) => m.close()));
    const resources = new ResourceSampler(daemon);
    closers.push(() => resources.close());
    const ctx = new HttpContext(daemon, opts, observer);
    ctx.resources = resources;
    await ctx.security();
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
        httpd: xmlHttpdOf(httpd, https !== undefined),
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
        for (const c of closers) c();
        await observer.close();
      },
    };
  } catch (e) {
    for (const c of closers) c();
    await observer.close();
    await app.close().catch(() => undefined);
    throw e;
  }
}

/** The fastify instance, with its limits and the error shape of requests no route sees. */
function createApp(https: { key: Buffer; cert: Buffer } | undefined): FastifyInstance {
  return Fastify({
    logger: false,
    bodyLimit: BODY_LIMIT,
    routerOptions: { maxParamLength: 256 },
    // Each route's schemas compile at its first request, so that the server listens sooner.
    schemaController: lazySchemaController,
    requestTimeout: 30_000,
    return503OnClosing: true,
    clientErrorHandler,
    // A URL fastify cannot decode (`%E0%A4%A`) is answered before any hook: same error shape.
    frameworkErrors: (err, _req, reply) =>
      void sendError(
        reply,
        err.statusCode === 400
          ? new BwError('BW_BAD_REQUEST', 'the URL cannot be decoded or is too long')
          : toBwError(err),
      ),
    ...(https ? { https } : {}),
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

/** Starts the server on `set httpd port N [address A]` and its unix socket (both when both are
 *  given, as monit) and resolves once it listens. A socket that cannot be served beside a TCP port
 *  is logged and the port serves alone (monit's); alone, its failure is the server's. */
export async function startHttpServer(daemon: Daemon, opts: HttpServerOptions): Promise<HttpServer> {
  const built = await buildHttpServer(daemon, opts);
  const httpd = opts.config.httpd;
  const log = built.ctx.log;
  const limits = connectionLimits(opts);
  const counts: Array<() => ConnectionCounts> = [];
  let tcp: AddressInfo | undefined;
  let unix: Server | undefined;
  try {
    if (httpd?.tcp !== false) {
      counts.push(guardConnections(built.app.server, limits, log, daemon.clock));
      tcp = await listenTcp(built, opts);
    }
    if (httpd?.unixSocket) {
      const u = httpd.unixSocket;
      try {
        unix = await listenUnixSocket(built.app, u, (server) =>
          counts.push(guardConnections(server, limits, log, daemon.clock)),
        );
        const mode = (u.permission ?? DEFAULT_SOCKET_MODE).toString(8).padStart(4, '0');
        log.info({ socket: u.path, mode, readOnly: u.readOnly }, `status API on unix socket ${u.path} (mode ${mode})`);
      } catch (e) {
        if (!tcp) throw e;
        log.error({ err: e, socket: u.path }, `cannot serve the status API on unix socket ${u.path}; TCP only`);
      }
    }
  } catch (e) {
    await built.close();
    throw e;
  }
  const unixServer = unix;
  return {
    close: async () => {
      if (unixServer) await closeUnixSocket(unixServer);
      await built.close();
    },
    port: tcp?.port ?? 0,
    address: tcp?.address ?? '',
    ...(unixServer && httpd?.unixSocket ? { socketPath: httpd.unixSocket.path } : {}),
    connections: () =>
      counts
        .map((c) => c())
        .reduce((a, b) => ({ open: a.open + b.open, refused: a.refused + b.refused }), {
          open: 0,
          refused: 0,
        }),
  };
}

/** Listens on the TCP port and address (of the options, else of the rules); logs where. */
async function listenTcp(built: BuiltHttpServer, opts: HttpServerOptions): Promise<AddressInfo> {
  const httpd = opts.config.httpd;
  const port = opts.port ?? httpd?.port ?? 2812;
  const host = opts.address ?? httpd?.address ?? '127.0.0.1';
  await built.app.listen({ port, host });
  const addr = built.app.server.address() as AddressInfo;
  const tls = httpd?.tls !== undefined;
  built.ctx.log.info(
    { address: addr.address, port: addr.port, tls },
    `status API on ${tls ? 'https' : 'http'}://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}/`,
  );
  const loopback = ipFamily(host) !== 0 ? /^(127\.|::1$)/.test(host) : host === 'localhost';
  if (!loopback && !tls)
    built.ctx.log.warn(
      { address: host },
      'the status API listens beyond this machine without TLS: passwords cross the network in clear text',
    );
  return addr;
}

/** The connection limits: defaults, what the options change, and the total kept out of the descriptor reserve. */
function connectionLimits(opts: HttpServerOptions): ConnectionLimits {
  const wanted = { ...DEFAULT_CONNECTION_LIMITS, ...opts.limits?.connections };
  return { ...wanted, total: connectionBudget(wanted.total, readFdLimits()?.soft) };
}
