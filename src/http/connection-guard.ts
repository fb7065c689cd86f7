// Connections to the status server cost a descriptor each for as long as they stay open. Idle ones
// (a port scan, a client that sends nothing or dribbles a byte now and then) kept theirs until the
// client closed; at the process's limit, reading /proc and pidfiles failed and a healthy broker looked
// dead. So connections are capped per client address and in all, and every socket is closed when
// it idles, when its headers take too long, and when its request does.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { normalizeIp } from './access.js';

/** How many connections, and how long they may take. */
export interface ConnectionLimits {
  /** Open connections from one client address (a browser opens 6, the CLI 1; a reverse proxy or a
   *  load test on the same machine a few dozen, all from one loopback address). */
  readonly perClient: number;
  /** Open connections in all. */
  readonly total: number;
  /** A connection with nothing sent or received for this long is closed. */
  readonly idleMs: number;
  /** A request's headers must have arrived this long after its first byte. */
  readonly headersMs: number;
  /** A whole request (headers and body) must have arrived in this time. */
  readonly requestMs: number;
  /** An idle keep-alive connection is closed after this. */
  readonly keepAliveMs: number;
}

/** 64 per client, 256 in all; 30 s idle, 10 s for headers, 30 s a request, 5 s keep-alive. */
export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  perClient: 64,
  total: 256,
  idleMs: 30_000,
  headersMs: 10_000,
  requestMs: 30_000,
  keepAliveMs: 5_000,
};

/** Connections refused so far and open now, for tests and metrics. */
export interface ConnectionCounts {
  readonly open: number;
  readonly refused: number;
}

/** How often deadlines of requests in progress are checked. */
const CHECK_EVERY_MS = 1_000;

/** Refused connections are logged at most this often: a flood must not flood the log too. */
const LOG_EVERY_MS = 60_000;

/**
 * Applies `limits` to `server` (before it listens): Node closes connections beyond `total` itself
 * (server.maxConnections); each client's beyond `perClient` are closed as they come.
 */
export function guardConnections(
  server: Server,
  limits: ConnectionLimits,
  log: Logger,
  clock: Pick<Clock, 'now'>,
): () => ConnectionCounts {
  server.maxConnections = limits.total;
  server.headersTimeout = limits.headersMs;
  server.requestTimeout = limits.requestMs;
  server.keepAliveTimeout = limits.keepAliveMs;
  // Node looks for requests past their header and request deadlines this often (30 s by default,
  // which would let a dribbler keep its socket 40 s); read when the server starts listening.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.min(
    CHECK_EVERY_MS,
    limits.headersMs,
  );
  // Idle sockets are closed; one whose request is being answered is not (a reload waits for the
  // starts in progress): once answered, keep-alive's shorter timeout takes over.
  server.setTimeout(limits.idleMs);
  const answering = new WeakMap<Socket, number>();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    answering.set(socket, (answering.get(socket) ?? 0) + 1);
    res.once('close', () => answering.set(socket, (answering.get(socket) ?? 1) - 1));
  });
  server.on('timeout', (socket: Socket) => {
    if ((answering.get(socket) ?? 0) === 0) socket.destroy();
  });
  const perClient = new Map<string, number>();
  let open = 0;
  let refused = 0;
  let loggedAt = -Infinity;
  const refuse = (socket: Socket, client: string, why: string): void => {
    refused++;
    socket.destroy();
    const now = clock.now();
    if (now - loggedAt < LOG_EVERY_MS) return;
    loggedAt = now;
    log.warn({ client, refused }, `status API: connection refused: ${why}`);
  };
  server.on('drop', (data?: { remoteAddress?: string }) => {
    refused++;
    const now = clock.now();
    if (now - loggedAt < LOG_EVERY_MS) return;
    loggedAt = now;
    log.warn(
      { client: normalizeIp(data?.remoteAddress ?? '?'), refused },
      `status API: connection refused: ${limits.total} connections are open`,
    );
  });
  server.on('connection', (socket: Socket) => {
    const client = normalizeIp(socket.remoteAddress ?? '?');
    const n = (perClient.get(client) ?? 0) + 1;
    if (n > limits.perClient) {
      refuse(socket, client, `${limits.perClient} connections from this client are open`);
      return;
    }
    perClient.set(client, n);
    open++;
    socket.once('close', () => {
      open--;
      const left = (perClient.get(client) ?? 1) - 1;
      if (left <= 0) perClient.delete(client);
      else perClient.set(client, left);
    });
  });
  return () => ({ open, refused });
}

/** Stops listening (for a unix socket Node removes its file) and ends idle keep-alive connections;
 *  resolves once every connection has closed. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
