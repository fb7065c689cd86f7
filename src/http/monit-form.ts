// What monit's own CLI (`monit status|summary|report|start|stop|… NAME|all`) needs from the server:
// it POSTs application/x-www-form-urlencoded bodies to /_status, /_summary, /_report and /_doaction
// with a double-submit `securitytoken` (the same random value as a form field and as a cookie), and
// it reads an error from the first line of an HTML body, after `</h2>`, up to `<hr>`, but only if the
// `Content-Length` header is spelt with that exact case (monit's src/http/client.c). The messages are
// monit's own words (src/http/cervlet.c), so scripts that match them keep working.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BwError } from '../errors.js';

/** A parsed form: every value of each field, in order (`service` repeats). */
export type MonitForm = ReadonlyMap<string, readonly string[]>;

/** Parses an urlencoded body into a multi-map. */
export function parseForm(body: string): MonitForm {
  const out = new Map<string, string[]>();
  for (const [k, v] of new URLSearchParams(body)) out.set(k, [...(out.get(k) ?? []), v]);
  return out;
}

/** The first value of a field. */
export function field(form: MonitForm | undefined, name: string): string | undefined {
  return form?.get(name)?.[0];
}

/** The value of cookie `name` in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** monit's words for the errors its CLI meets. */
export const MONIT_TEXT = {
  unauthorized:
    "You are not authorized to access monit. Either you supplied the wrong credentials (e.g. bad password), or your browser doesn't understand how to supply the credentials required",
  forbidden: 'You do not have sufficient privileges to access this page',
  csrf: 'Invalid CSRF Token',
  noService: (name: string): string => `There is no service named "${name}"`,
  notFound: (name: string): string => `Service '${name}' not found`,
  badAction: (action: string): string => `Invalid action "${action}"`,
} as const;

/**
 * Checks a monit form post before its body is read: the form content type, and no Origin from
 * another site (monit's CLI sends none; a browser's cross-site post always does).
 */
export async function requireMonitForm(req: FastifyRequest): Promise<void> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded')
    throw new BwError('BW_UNSUPPORTED_MEDIA', "monit's endpoints take application/x-www-form-urlencoded posts");
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') throw new BwError('BW_CSRF', MONIT_TEXT.csrf);
  const origin = req.headers.origin;
  if (origin === undefined) return;
  let same = false;
  try {
    same = new URL(origin).host === (req.headers.host ?? '');
  } catch {
    same = false;
  }
  if (!same) throw new BwError('BW_CSRF', MONIT_TEXT.csrf);
}

/** The double-submit check: the form's `securitytoken` equals the cookie's, and is not empty. */
export function verifySecurityToken(req: FastifyRequest, form: MonitForm | undefined): void {
  const a = Buffer.from(field(form, 'securitytoken') ?? '');
  const b = Buffer.from(cookieValue(req.headers.cookie, 'securitytoken') ?? '');
  if (a.length === 0 || a.length > 256 || a.length !== b.length || !timingSafeEqual(a, b))
    throw new BwError('BW_CSRF', MONIT_TEXT.csrf);
}

const REASON: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

const escape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The message monit's CLI prints for an error, in monit's words where monit has them. */
function monitMessage(e: BwError): string {
  if (e.code === 'BW_UNAUTHORIZED') return MONIT_TEXT.unauthorized;
  if (e.code === 'BW_FORBIDDEN') return MONIT_TEXT.forbidden;
  return e.message;
}

/**
 * Answers an error as monit does: one line of HTML with the message between `</h2>` and `<hr>`,
 * written by hand because fastify lower-cases `Content-Length`, which monit's CLI then misses.
 */
export function sendMonitError(reply: FastifyReply, e: BwError): void {
  // monit answers 400 where brokerwatch's JSON API says 404 (unknown service).
  const status = e.code === 'BW_UNKNOWN_SERVICE' ? 400 : e.statusCode;
  const reason = REASON[status] ?? 'Error';
  // monit's CLI reads at most one line of under 1024 bytes.
  const message = escape(monitMessage(e).replace(/[\r\n]+/g, ' ')).slice(0, 600);
  const body = `<html><head><title>${status} ${reason}</title></head><body><h2>${reason}</h2>${message}<hr>brokerwatch</body></html>\r\n`;
  const headers: Record<string, string> = {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
  };
  if (e.code === 'BW_UNAUTHORIZED') headers['WWW-Authenticate'] = 'Basic realm="brokerwatch", charset="UTF-8"';
  if (e.code === 'BW_RATE_LIMITED') headers['Retry-After'] = String(reply.getHeader('retry-after') ?? '60');
  reply.hijack();
  reply.raw.writeHead(status, headers);
  reply.raw.end(body);
}
