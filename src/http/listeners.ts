// The status server's sockets (DESIGN.md §3, §6): `set httpd port N [address A]` and/or `unixsocket
// PATH` listen from the start, with their connection caps and deadlines (connection-guard.ts); the
// application behind them, fastify and the routes (server.ts), is built when the first client
// connects. Most of the time nobody asks a daemon anything (the CLI now and then, a scrape every
// minute), and it then keeps neither fastify's JavaScript nor the routes' code: some 5 MB of RSS.
//
// What the rules decide is still done at start, so that a mistake shows at once and nothing the page
// shows is lost: the TLS files are read, the allow list is checked (its warnings logged, its host
// names resolved), the latency history is loaded and kept from the start, and so are the process
// readings behind `status`. A build that fails (it should not) is logged; its request is answered
// 503 and the next one tries again.
import { readFile } from '../util/fs-async.js';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Httpd } from '../config/model.js';
import type { Daemon } from '../daemon/daemon.js';
import { BwError } from '../errors.js';
import { connectionBudget, readFdLimits } from '../process/fd-limit.js';
import { ipFamily } from '../util/ip.js';
import { httpsModule } from '../util/lazy-builtins.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { ConnectionCounts, ConnectionLimits } from './connection-guard.js';
import { DEFAULT_CONNECTION_LIMITS, closeServer, guardConnections } from './connection-guard.js';
import type { HttpServerOptions } from './context.js';
import { HttpContext } from './context.js';
import { DaemonObserver } from './observer.js';
import { clientErrorHandler, errorBody } from './replies.js';
import { ResourceSampler } from './resource-sampler.js';
import type { BuiltHttpServer } from './server.js';
import { DEFAULT_SOCKET_MODE, listenUnixSocket } from './unix-socket.js';

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
  /** True once the application behind the sockets has been built (the first client connected). */
  readonly built: boolean;
}

/** The key and certificate of `set httpd ssl`. */
export interface TlsFiles {
  readonly key: Buffer;
  readonly cert: Buffer;
}

/** What the server keeps from the start, before its application is built. */
export interface HttpBase {
  readonly tls: TlsFiles | undefined;
  readonly ctx: HttpContext;
  readonly observer: DaemonObserver;
  readonly resources: ResourceSampler;
  close(): Promise<void>;
}

/** What builds the application (server.ts's buildApp) and the clock its retries go by; tests give their own. */
export interface AppSeams {
  readonly build?: (daemon: Daemon, opts: HttpServerOptions, base: HttpBase) => Promise<BuiltHttpServer>;
  readonly clock?: Pick<Clock, 'now'>;
}

/** An HTTP request handler, as node:http calls it. */
type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function tlsFiles(tls: Httpd['tls']): Promise<TlsFiles | undefined> {
  if (!tls) return undefined;
  if (tls.certFile && tls.keyFile) return { cert: await readFile(tls.certFile), key: await readFile(tls.keyFile) };
  if (tls.pemFile) {
    // monit's PEM file holds the key and the certificate together.
    const pem = await readFile(tls.pemFile);
    return { cert: pem, key: pem };
  }
  throw new Error("set httpd ssl needs 'pemfile' or both 'certfile' and 'keyfile'");
}

/** Reads the TLS files, loads the latency history, starts the process readings and checks the
 *  allow list (its warnings are logged now). */
export async function prepareHttp(daemon: Daemon, opts: HttpServerOptions): Promise<HttpBase> {
  const tls = await tlsFiles(opts.config.httpd?.tls);
  const observer = new DaemonObserver(daemon);
  let resources: ResourceSampler | undefined;
  try {
    await observer.load();
    resources = new ResourceSampler(daemon);
    const ctx = new HttpContext(daemon, opts, observer);
    ctx.resources = resources;
    await ctx.security();
    const sampler = resources;
    return {
      tls,
      ctx,
      observer,
      resources: sampler,
      close: async () => {
        sampler.close();
        await observer.close();
      },
    };
  } catch (e) {
    resources?.close();
    await observer.close();
    throw e;
  }
}

/** After a failed build, requests are answered 503 for this long before one tries again (and logs). */
const RETRY_BUILD_MS = 10_000;

/** The application, built once by the first connection's wish; requests before it is ready wait. */
class LazyApp {
  #building: Promise<BuiltHttpServer> | undefined;
  #built: BuiltHttpServer | undefined;
  #closed = false;
  #failedAt: number | undefined;

  constructor(
    private readonly build: () => Promise<BuiltHttpServer>,
    private readonly log: Logger,
    private readonly clock: Pick<Clock, 'now'>,
  ) {}

  get built(): boolean {
    return this.#built !== undefined;
  }

  /** Starts building, if it has not begun; resolves with the application. */
  warm(): Promise<BuiltHttpServer> {
    if (this.#closed) return Promise.reject(new BwError('BW_UNAVAILABLE', 'the status API is closing'));
    const failedAt = this.#failedAt;
    if (!this.#building && failedAt !== undefined && Math.abs(this.clock.now() - failedAt) < RETRY_BUILD_MS)
      return Promise.reject(new BwError('BW_UNAVAILABLE', 'the status API could not start; see the log'));
    return (this.#building ??= this.build().then(
      (built) => (this.#built = built),
      (e: unknown) => {
        this.#building = undefined;
        this.#failedAt = this.clock.now();
        this.log.error(
          { err: e },
          `cannot build the status API; requests are answered 503 and one tries again after ${RETRY_BUILD_MS / 1000} s`,
        );
        throw new BwError('BW_UNAVAILABLE', 'the status API could not start; see the log');
      },
    ));
  }

  readonly handle: Handler = (req, res) => {
    const built = this.#built;
    if (built) return built.app.routing(req, res);
    this.warm().then(
      (b) => b.app.routing(req, res),
      (e: unknown) => unavailable(res, e instanceof BwError ? e : new BwError('BW_UNAVAILABLE')),
    );
  };

  async close(): Promise<void> {
    this.#closed = true;
    const built = await this.#building?.catch(() => undefined);
    await built?.close();
  }
}

/** 503 with the API's error shape: the application could not be built, or the server is closing. */
function unavailable(res: ServerResponse, e: BwError): void {
  if (res.headersSent) return void res.destroy();
  const body = JSON.stringify(errorBody(e));
  res.writeHead(503, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    connection: 'close',
  });
  res.end(body);
}

/**
 * Starts the server on `set httpd port N [address A]` and its unix socket (both when both are given,
 * as monit) and resolves once it listens. A socket that cannot be served beside a TCP port is logged
 * and the port serves alone (monit's); alone, its failure is the server's.
 */
export async function startHttpServer(
  daemon: Daemon,
  opts: HttpServerOptions,
  seams: AppSeams = {},
): Promise<HttpServer> {
  const base = await prepareHttp(daemon, opts);
  const log = base.ctx.log;
  const build = seams.build ?? (async (d, o, b) => (await import('./server.js')).buildApp(d, o, b));
  const app = new LazyApp(() => build(daemon, opts, base), log, seams.clock ?? daemon.clock);
  const warm = (): void => void app.warm().catch(() => undefined);
  const httpd = opts.config.httpd;
  const limits = connectionLimits(opts);
  const counts: Array<() => ConnectionCounts> = [];
  let tcp: { server: Server; address: AddressInfo } | undefined;
  let unix: Server | undefined;
  try {
    if (httpd?.tcp !== false) {
      const server = tcpServer(base.tls, app.handle);
      server.once('connection', warm);
      counts.push(guardConnections(server, limits, log, daemon.clock));
      tcp = { server, address: await listenTcp(server, opts, base.tls !== undefined, log) };
    }
    if (httpd?.unixSocket) {
      const u = httpd.unixSocket;
      try {
        unix = await listenUnixSocket(app.handle, u, (server) => {
          server.on('clientError', clientErrorHandler);
          server.once('connection', warm);
          counts.push(guardConnections(server, limits, log, daemon.clock));
        });
        const mode = (u.permission ?? DEFAULT_SOCKET_MODE).toString(8).padStart(4, '0');
        log.info({ socket: u.path, mode, readOnly: u.readOnly }, `status API on unix socket ${u.path} (mode ${mode})`);
      } catch (e) {
        if (!tcp) throw e;
        log.error({ err: e, socket: u.path }, `cannot serve the status API on unix socket ${u.path}; TCP only`);
      }
    }
  } catch (e) {
    if (tcp) await closeServer(tcp.server);
    await app.close();
    await base.close();
    throw e;
  }
  const [tcpListener, unixServer] = [tcp, unix];
  return {
    close: async () => {
      // The application first: a request on a connection still open is answered 503 from now.
      await app.close();
      if (unixServer) await closeServer(unixServer);
      if (tcpListener) await closeServer(tcpListener.server);
      await base.close();
    },
    port: tcpListener?.address.port ?? 0,
    address: tcpListener?.address.address ?? '',
    ...(unixServer && httpd?.unixSocket ? { socketPath: httpd.unixSocket.path } : {}),
    connections: () =>
      counts
        .map((c) => c())
        .reduce((a, b) => ({ open: a.open + b.open, refused: a.refused + b.refused }), {
          open: 0,
          refused: 0,
        }),
    get built() {
      return app.built;
    },
  };
}

/** The TCP port's server: HTTPS with `set httpd ssl` (node:https is loaded only then), else HTTP. */
function tcpServer(tls: TlsFiles | undefined, handler: Handler): Server {
  const server = tls ? httpsModule().createServer({ ...tls }, handler) : createServer(handler);
  server.on('clientError', clientErrorHandler);
  return server;
}

/** Listens on the TCP port and address (of the options, else of the rules); logs where. */
async function listenTcp(server: Server, opts: HttpServerOptions, tls: boolean, log: Logger): Promise<AddressInfo> {
  const httpd = opts.config.httpd;
  const port = opts.port ?? httpd?.port ?? 2812;
  const host = opts.address ?? httpd?.address ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  log.info(
    { address: addr.address, port: addr.port, tls },
    `status API on ${tls ? 'https' : 'http'}://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}/`,
  );
  const loopback = ipFamily(host) !== 0 ? /^(127\.|::1$)/.test(host) : host === 'localhost';
  if (!loopback && !tls)
    log.warn(
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
