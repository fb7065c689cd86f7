// `protocol websocket` (or `websockets`): monit's WebSocket test (src/protocols/websocket.c): the
// HTTP Upgrade handshake (RFC 6455 §4) answered by 101 with the right Sec-WebSocket-Accept, a ping
// answered by its pong, and a close. Options, after the protocol as in monit's grammar:
// `request "/path"`, `host "name"` (the Host header, not the target), `origin "url"`, `version N`
// (Sec-WebSocket-Version, 13 by default).
import type { Cursor } from '../../../../config/cursor.js';
import type { Token } from '../../../../config/lexer.js';
import type { Spelling } from '../../../kind.js';
import type { PortCondition } from '../../syntax.js';
import type { Draft, OptionReader, ProtocolSyntax } from '../types.js';

export interface WebSocketOptions {
  /** Path and query of the GET: `/` by default. */
  readonly request: string;
  /** The Host header; absent: the target's `host:port`. */
  readonly host?: string;
  readonly origin?: string;
  /** Sec-WebSocket-Version. */
  readonly version: number;
}

export type WebSocketDraft = { -readonly [K in keyof WebSocketOptions]?: WebSocketOptions[K] };

/** RFC 6455's version, the only one servers speak today. */
export const DEFAULT_WEBSOCKET_VERSION = 13;

/** A value that can go into a request line or header: no blanks or control characters in a path. */
function headerSafe(c: Cursor, t: Token, what: string, blanks: boolean): string {
  if ([...t.text].some((ch) => ch < ' ' || ch === '\x7f' || (blanks && ch === ' ')))
    c.fail(t, `${what} may not hold ${blanks ? 'blanks or ' : ''}control characters, found "${t.text}"`);
  return t.text;
}

/** `request "/path"`: read here for websocket, and for MQTT over WebSocket. */
export const readRequest: OptionReader = (c, d) => {
  c.next();
  const t = c.expectValue('a request path after request');
  if (!t.text.startsWith('/')) c.fail(t, `the request must be a path starting with '/', found "${t.text}"`);
  d.websocket.request = headerSafe(c, t, 'the request', true);
};

const ALSO_READS: Record<string, OptionReader> = {
  request: readRequest,
  host(c, d) {
    c.next();
    d.websocket.host = headerSafe(c, c.expectValue('a Host header value after host'), 'the host', true);
  },
  version(c, d) {
    c.next();
    d.websocket.version = c.expectInteger('a WebSocket version', 0, 255);
  },
};

function build(_c: Cursor, d: Draft): Partial<PortCondition> {
  const w = d.websocket;
  return {
    websocket: {
      request: w.request ?? '/',
      version: w.version ?? DEFAULT_WEBSOCKET_VERSION,
      ...(w.host !== undefined ? { host: w.host } : {}),
      ...(w.origin !== undefined ? { origin: w.origin } : {}),
    },
  };
}

function print(cond: PortCondition, s: Spelling): string[] {
  const w = cond.websocket;
  if (!w) return [];
  const p: string[] = [];
  if (w.request !== '/') p.push('request', s.quote(w.request));
  if (w.host !== undefined) p.push('host', s.quote(w.host));
  if (w.origin !== undefined) p.push('origin', s.quote(w.origin));
  if (w.version !== DEFAULT_WEBSOCKET_VERSION) p.push('version', String(w.version));
  return p;
}

export const websocketProtocol: ProtocolSyntax = {
  name: 'websocket',
  names: { websocket: { tls: false }, websockets: { tls: false } },
  options: {
    origin(c, d) {
      c.next();
      d.websocket.origin = headerSafe(c, c.expectValue('an origin after origin'), 'the origin', true);
    },
  },
  alsoReads: () => ALSO_READS,
  build,
  print,
  docs: {
    names: '`websocket` · `websockets`',
    options: 'after the protocol: `request "/path"` · `host "H"` (the Host header) · `origin "URL"` · `version N` (13)',
    meaning:
      'the HTTP Upgrade handshake answered by `101` with the right `Sec-WebSocket-Accept`, then a ping answered by its pong and a close; over TLS with `ssl`',
    example: '`if failed port 9001 protocol websocket request "/mqtt" then alert`',
  },
};
