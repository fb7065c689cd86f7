// The request guards: who is asking (every route), may they act (action routes), and is it JSON
// (action routes: a cross-site form cannot send application/json, so actions are CSRF-safe without
// tokens). See access.ts for the semantics of `allow`.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BwError } from '../errors.js';
import type { Access } from './access.js';
import { isLocalHostHeader, parseBasicAuth } from './access.js';
import type { HttpContext } from './context.js';
import type { LoginLimiter } from './login-limiter.js';
import { clientOf, viaUnixSocket } from './unix-socket.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the authentication hook; null until then. */
    bwAccess: Access | null;
  }
}

/** The global onRequest hook: authenticates the request or answers 401/429. */
export function authenticate(ctx: HttpContext, limiter: LoginLimiter) {
  return async (req: FastifyRequest): Promise<void> => {
    // The page's stylesheet, script and icons are constants that hold no data: served to anyone, so
    // that error pages (a 401 among them) are styled and a cancelled login is not asked twice.
    if (req.routeOptions.url === '/static/:file' && req.headers.authorization === undefined) {
      req.bwAccess = { readOnly: true };
      return;
    }
    const { policy } = await ctx.security();
    const ip = clientOf(req);
    const unix = viaUnixSocket(req);
    // `read-only` of the listener (`unixsocket … read-only`, `port N read-only` beside a socket) holds
    // for every client of it, whoever logs in (monit's); the listeners are the ones brokerwatch started with.
    const httpd = ctx.opts.config.httpd;
    const listenerReadOnly = unix ? httpd?.unixSocket?.readOnly === true : httpd?.tcpReadOnly === true;
    const header = req.headers.authorization;
    if (header !== undefined) {
      const creds = parseBasicAuth(header);
      // The name counts (and is logged) only if it is a real user: a password typed in the user field stays out.
      const user = creds !== undefined && policy.isUser(creds.user) ? creds.user : undefined;
      if (limiter.locked(ip, user)) {
        ctx.log.warn(
          { client: ip, user: user ?? '(unknown user)' },
          'login refused: too many failed logins as this user from this client',
        );
        throw new BwError('BW_RATE_LIMITED', 'too many failed logins; try again later');
      }
      const access = creds ? policy.authenticate(creds.user, creds.password) : undefined;
      if (!access) {
        limiter.fail(ip, user);
        ctx.log.warn({ client: ip, user: user ?? '(unknown user)' }, 'login failed');
        throw new BwError('BW_UNAUTHORIZED', 'wrong user name or password');
      }
      req.bwAccess = listenerReadOnly ? { ...access, readOnly: true } : access;
      return;
    }
    // monit's unix socket skips the host entries: with users in the allow list its clients log in,
    // without any they may read (and, brokerwatch's rule, not act). No web page can reach a unix
    // socket, so the Host header (DNS rebinding) does not matter there.
    const admitted = unix ? !policy.hasUsers : policy.admitsAddress(ip) && isLocalHostHeader(req.headers.host);
    if (admitted) {
      req.bwAccess = { readOnly: true };
      return;
    }
    throw new BwError('BW_UNAUTHORIZED');
  };
}

/** Action routes: a user who is not read-only. A network-admitted client must log in (401). */
export async function requireAdmin(req: FastifyRequest): Promise<void> {
  const a = req.bwAccess;
  if (!a || a.user === undefined) throw new BwError('BW_UNAUTHORIZED', 'actions need a user name and password');
  if (a.readOnly) throw new BwError('BW_FORBIDDEN', `user '${a.user}' is read-only`);
}

/** Action routes: Content-Type application/json, checked before the body is read. */
export async function requireJson(req: FastifyRequest, _reply: FastifyReply): Promise<void> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') throw new BwError('BW_UNSUPPORTED_MEDIA');
}
