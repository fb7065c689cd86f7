// `protocol http|https`: monit's HTTP test (src/protocols/http.c): a request, by default `GET /`,
// answered with a status under 400, or the status, content and checksum the rule asks for. Options:
// `request "/path?query"`, `method M`, `status OP N`, `content = "regex"` / `content != "regex"`,
// `checksum HASH` (of the body), `hostheader "h"`, `http headers [Name: value, …]`, and
// `username "u" password "p"` for basic authentication.
import type { Cursor } from '../../../../config/cursor.js';
import type { Token } from '../../../../config/lexer.js';
import type { Operator } from '../../../../config/model.js';
import { operatorOrEqual } from '../../../../config/units.js';
import type { PortCondition } from '../../syntax.js';
import type { Draft, OptionReader, ProtocolSyntax } from '../types.js';

export interface HttpOptions {
  readonly method: string;
  /** Path and query, as sent: `/` by default. */
  readonly request: string;
  /** The status test; absent: status < 400, as monit. */
  readonly status?: { readonly op: Operator; readonly code: number };
  /** `content = "re"` (match: true) or `content != "re"`. */
  readonly content?: { readonly match: boolean; readonly regex: string };
  /** MD5 (32 hex digits) or SHA1 (40) of the body. */
  readonly checksum?: string;
  readonly hostHeader?: string;
  /** Extra request headers, in order. */
  readonly headers: readonly (readonly [string, string])[];
  readonly username?: string;
  readonly password?: string;
}

export type HttpDraft = { -readonly [K in keyof HttpOptions]?: HttpOptions[K] };

/** A header name as HTTP allows it (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Methods: HTTP tokens too, written upper-case. */
const METHOD = /^[A-Z][A-Z-]*$/;

const OPTIONS: Record<string, OptionReader> = {
  request(c, d) {
    c.next();
    const t = c.expectValue('a request path after request');
    if (!t.text.startsWith('/') || hasControl(t.text, true))
      c.fail(t, `the request must be a path starting with '/' and without blanks, found "${t.text}"`);
    d.http.request = t.text;
  },
  method(c, d) {
    c.next();
    const t = c.expectValue('an HTTP method after method (GET, HEAD, POST, …)');
    if (!METHOD.test(t.text.toUpperCase())) c.fail(t, `'${t.text}' is not an HTTP method`);
    d.http.method = t.text.toUpperCase();
  },
  status(c, d) {
    c.next();
    const op = operatorOrEqual(c);
    d.http.status = { op, code: c.expectInteger('an HTTP status code', 100, 999) };
  },
  content(c, d) {
    c.next();
    const op = c.acceptOp();
    if (!op) return c.fail(c.peek(), "expected '=' or '!=' after content");
    if (op.text !== '=' && op.text !== '!=') c.fail(op, "expected '=' or '!=' after content");
    const t = c.expectValue('a regular expression after content =');
    regex(c, t);
    d.http.content = { match: op.text === '=', regex: t.text };
  },
  checksum(c, d) {
    c.next();
    const t = c.expectValue('an MD5 or SHA1 checksum of the body');
    if (!/^(?:[0-9a-f]{32}|[0-9a-f]{40})$/i.test(t.text))
      c.fail(t, `expected an MD5 (32 hex digits) or SHA1 (40) checksum, found "${t.text}"`);
    d.http.checksum = t.text.toLowerCase();
  },
  hostheader(c, d) {
    c.next();
    d.http.hostHeader = headerValue(c, c.expectValue('a host name after hostheader'));
  },
  http(c, d, t) {
    c.next();
    c.expectWord("'headers' after 'http'", 'headers', 'header');
    d.http.headers = [...(d.http.headers ?? []), ...parseHeaders(c, t)];
  },
};

/** Whether S holds a control character (or, with BLANKS, any white space): HTTP cannot send it there. */
function hasControl(s: string, blanks: boolean): boolean {
  return [...s].some((ch) => {
    const n = ch.charCodeAt(0);
    return n < 0x20 || n === 0x7f ? !(n === 0x09 && !blanks) : blanks && /\s/.test(ch);
  });
}

/** A regular expression JavaScript can run; an error at its token otherwise. */
function regex(c: Cursor, t: Token): void {
  try {
    new RegExp(t.text);
  } catch (e) {
    c.fail(t, `invalid regular expression "${t.text}": ${(e as Error).message}`);
  }
}

function headerValue(c: Cursor, t: Token): string {
  if (hasControl(t.text, false)) c.fail(t, 'a header value may not hold control characters');
  return t.text;
}

/**
 * `[Name: value, Other: "v:1"]`. The lexer knows no brackets or colons, so `[Name:` is one word;
 * a word ending in `:` (or `Name:value` glued) opens a header, and the tokens up to the next one are
 * its value (quoted when it holds a colon, as monit asks).
 */
function parseHeaders(c: Cursor, at: Token): Array<[string, string]> {
  const first = c.peek();
  if (first.type !== 'word' || !first.text.startsWith('['))
    c.fail(first, "expected '[Name: value, …]' after 'http headers'");
  const out: Array<[string, string]> = [];
  let text = first.text.slice(1);
  let tok: Token = first;
  c.next();
  for (;;) {
    const closes = tok.type === 'word' && text.endsWith(']');
    if (closes) text = text.slice(0, -1);
    const m = tok.type === 'word' ? /^([^:]+):(.*)$/.exec(text) : null;
    if (m) {
      const name = m[1] as string;
      if (!HEADER_NAME.test(name)) c.fail(tok, `'${name}' is not an HTTP header name`);
      out.push([name, m[2] ?? '']);
    } else if (text !== '') {
      const last = out[out.length - 1];
      if (!last) c.fail(tok, `expected a header 'Name:' in 'http headers', found '${text}'`);
      last[1] = last[1] === '' ? text : tok.glued ? `${last[1]}${text}` : `${last[1]} ${text}`;
      headerValue(c, tok);
    }
    if (closes) return out;
    tok = c.peek();
    if (tok.type === 'eof' || (tok.type === 'word' && tok.lower === 'then'))
      c.fail(at, "'http headers [' is not closed by ']'");
    text = tok.type === 'op' ? tok.text : tok.text;
    c.next();
  }
}

function build(c: Cursor, d: Draft, start: Token): Partial<PortCondition> {
  const h = d.http;
  if ((d.creds.username === undefined) !== (d.creds.password === undefined))
    c.fail(start, 'HTTP basic authentication needs both username and password');
  return {
    http: {
      method: h.method ?? 'GET',
      request: h.request ?? '/',
      headers: h.headers ?? [],
      ...(h.status ? { status: h.status } : {}),
      ...(h.content ? { content: h.content } : {}),
      ...(h.checksum !== undefined ? { checksum: h.checksum } : {}),
      ...(h.hostHeader !== undefined ? { hostHeader: h.hostHeader } : {}),
      ...(d.creds.username !== undefined ? { username: d.creds.username } : {}),
      ...(d.creds.password !== undefined ? { password: d.creds.password } : {}),
    },
  };
}

export const httpProtocol: ProtocolSyntax = {
  name: 'http',
  names: { http: { tls: false }, https: { tls: true } },
  options: OPTIONS,
  credentials: true,
  build,
  print(cond, s) {
    const h = cond.http;
    if (!h) return [];
    const p: string[] = [];
    if (h.username !== undefined) p.push('username', s.quote(h.username));
    if (h.password !== undefined) p.push('password', s.secret(h.password));
    if (h.headers.length > 0) p.push(`http headers [${h.headers.map(([n, v]) => `${n}: ${s.quote(v)}`).join(', ')}]`);
    if (h.hostHeader !== undefined) p.push('hostheader', s.quote(h.hostHeader));
    if (h.method !== 'GET') p.push('method', s.word(h.method)); // OPTIONS is a noise word: quoted
    if (h.request !== '/') p.push('request', s.quote(h.request));
    if (h.status) p.push('status', h.status.op, String(h.status.code));
    if (h.content) p.push('content', h.content.match ? '=' : '!=', s.quote(h.content.regex));
    if (h.checksum !== undefined) p.push('checksum', h.checksum);
    return p;
  },
  secrets: (cond) => [cond.http?.password],
  docs: {
    names: '`http` · `https`',
    options:
      '`request "/path?q"` · `method GET\\|HEAD\\|POST…` · `status OP N` · `content = "RE"` · `content != "RE"` · `checksum HASH` · `hostheader "H"` · `http headers [Name: V, …]` · `username "U" password "P"`',
    meaning:
      'sends the request (`GET /` by default, `Host`, `Connection: close`, basic auth) and reads the answer: a status under 400 unless `status` says otherwise, the body (at most 1 MB read) matching `content`, its MD5/SHA1 `checksum`; redirects are not followed',
    example: '`if failed port 443 protocol https request "/health" status = 200 content = "ok" then alert`',
  },
};
