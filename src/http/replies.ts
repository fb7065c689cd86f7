// How every answer leaves: errors as `{ error: { code, message } }` with a code from src/errors.ts
// (fastify's own errors mapped onto them; a 5xx never shows its internals), and security headers on
// every response, errors and 404s included.
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BwError, ERRORS } from '../errors.js';
import type { ErrorBody } from '../errors.js';
import type { HttpContext } from './context.js';

/** Content-Security-Policy of HTML pages (the web page) and of everything else. */
export const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const OTHER_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/** Maps anything thrown in a route or hook onto a table code. */
export function toBwError(err: FastifyError | Error): BwError {
  if (err instanceof BwError) return err;
  const e = err as FastifyError;
  if (e.validation) return new BwError('BW_BAD_REQUEST', e.message);
  switch (e.statusCode) {
    case 404:
      return new BwError('BW_NOT_FOUND');
    case 413:
      return new BwError('BW_PAYLOAD_TOO_LARGE');
    case 415:
      return new BwError('BW_UNSUPPORTED_MEDIA');
    case 429:
      return new BwError('BW_RATE_LIMITED');
    case 503:
      return new BwError('BW_UNAVAILABLE');
  }
  // fastify's 4xx messages (bad JSON, empty body) describe the request, never the server.
  if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500)
    return new BwError('BW_BAD_REQUEST', e.message);
  return new BwError('BW_INTERNAL');
}

/** The JSON body of an error. */
export function errorBody(e: BwError, details?: string[]): ErrorBody & { error: { details?: string[] } } {
  return { error: { code: e.code, message: e.message, ...(details ? { details } : {}) } };
}

/** The headers an error needs whatever its body: the basic-auth challenge on 401, Retry-After on 429. */
export function errorHeaders(reply: FastifyReply, e: BwError): FastifyReply {
  if (e.code === 'BW_UNAUTHORIZED') reply.header('www-authenticate', 'Basic realm="brokerwatch", charset="UTF-8"');
  if (e.code === 'BW_RATE_LIMITED' && !reply.hasHeader('retry-after')) reply.header('retry-after', '60');
  return reply;
}

/** Maps what a route or hook threw onto a table code, logging a bug (scrubbed) when it is one. */
export function routeError(ctx: HttpContext, req: FastifyRequest, err: FastifyError | Error): BwError {
  const e = toBwError(err);
  if (e.code === 'BW_INTERNAL') {
    ctx.log.error(
      { method: req.method, url: req.url.slice(0, 200), err: ctx.scrubber.scrub(String(err.stack ?? err.message)) },
      'request failed (bug)',
    );
  }
  return e;
}

/** Sends an error reply (with the basic-auth challenge on 401). */
export function sendError(reply: FastifyReply, e: BwError, details?: string[]): FastifyReply {
  return errorHeaders(reply, e).code(e.statusCode).type('application/json; charset=utf-8').send(errorBody(e, details));
}

/** Installs the error and not-found handlers, the security headers and the client-error answer. */
export function installReplies(app: FastifyInstance, ctx: HttpContext): void {
  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) =>
    sendError(reply, routeError(ctx, req, err)),
  );
  app.setNotFoundHandler((req, reply) =>
    sendError(reply, new BwError('BW_NOT_FOUND', `no route ${req.method} ${req.url.slice(0, 200)}`)),
  );
  app.addHook('onSend', async (_req, reply, payload) => {
    const type = String(reply.getHeader('content-type') ?? '');
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    // Pages: same-origin, or the browser sends `Origin: null` with their own form posts, which the
    // page's CSRF check must then refuse. Nothing is ever sent to another site.
    reply.header('referrer-policy', type.startsWith('text/html') ? 'same-origin' : 'no-referrer');
    reply.header('cross-origin-resource-policy', 'same-origin');
    if (!reply.hasHeader('content-security-policy'))
      reply.header('content-security-policy', type.startsWith('text/html') ? PAGE_CSP : OTHER_CSP);
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });
}

/** Answers a request Node could not parse (bad method, oversized headers) with a JSON 400, never a crash. */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
  const late = err.code === 'ERR_HTTP_REQUEST_TIMEOUT';
  const what = tooLarge
    ? 'request headers too large'
    : late
      ? 'request not received in time'
      : 'malformed HTTP request';
  const e = new BwError('BW_BAD_REQUEST', what);
  const body = JSON.stringify(errorBody(e));
  const status = tooLarge
    ? '431 Request Header Fields Too Large'
    : late
      ? '408 Request Timeout'
      : `${ERRORS.BW_BAD_REQUEST.status} Bad Request`;
  // Closed once the answer is written, not half-closed: a client that never reads would otherwise
  // keep the socket, and its descriptor, for as long as it likes.
  socket.end(
    `HTTP/1.1 ${status}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\nX-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}
