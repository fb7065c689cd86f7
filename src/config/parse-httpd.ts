// `set httpd`: where the status server listens (a TCP port, monit 5.33's unix socket, or both) and
// who may use it (`allow`: users, htpasswd files, hosts and networks). Facts of monit's grammar (p.y):
// `port N [read-only]` and `unixsocket PATH [uid U] [gid G] [permission MODE] [read-only]` may both
// be given and then both listen; `unixsocket` alone listens on no TCP port. `allow [md5|crypt|cleartext]
// /ABSOLUTE/FILE [USER …]` reads an htpasswd file (a bare path is cleartext); monit takes no
// `read-only` after it, brokerwatch does (its users may then only read).
import type { Cursor } from './cursor.js';
import { atTopStatement, describe } from './cursor.js';
import type { Token } from './lexer.js';
import type { HtpasswdAllow, HttpAllow, Httpd, HttpdUnixSocket, SourcePos } from './model.js';
import { noteSslFiles, parseSslBlock } from './parse-ssl.js';
import { ipFamily } from '../util/ip.js';

type HttpdTls = NonNullable<Httpd['tls']>;

/** The options of `set httpd` as read, before the defaults and monit's rules between them apply. */
interface Draft {
  port?: number;
  address?: string;
  readOnly: boolean;
  allow: HttpAllow[];
  nets: Array<{ cidr: string; pos: SourcePos }>;
  tls?: HttpdTls | undefined;
  unix?: HttpdUnixSocket;
  addressTok?: Token;
}

/** The words that begin an option of `set httpd` (so an htpasswd user list ends before them). */
export const HTTPD_OPTION_WORDS: ReadonlySet<string> = new Set([
  'port',
  'read-only',
  'readonly',
  'address',
  'bind',
  'ssl',
  'tls',
  'pemfile',
  'certfile',
  'certificate',
  'keyfile',
  'allow',
  'unixsocket',
  'signature',
  'clientpemfile',
  'allowselfcertification',
]);

/** Linux's sun_path holds 108 bytes with the terminating NUL (monit cuts a longer path short). */
const MAX_SOCKET_PATH_BYTES = 107;

/** `set httpd [port N [read-only]] [address A] [ssl …] [unixsocket PATH …] allow …`. */
export function parseHttpd(c: Cursor): Httpd {
  const d: Draft = { readOnly: false, allow: [], nets: [] };
  while (parseOption(c, d));
  const tcp = d.port !== undefined || d.unix === undefined;
  if (!tcp && d.addressTok)
    c.warn(
      d.addressTok.pos,
      "'address' is not used: with 'unixsocket' and no 'port', brokerwatch listens on the socket only (as monit)",
    );
  let address = tcp ? (d.address ?? '127.0.0.1') : '127.0.0.1';
  if (address === 'localhost') address = '127.0.0.1';
  if (tcp && d.address === undefined) warnUnreachable(c, d.nets);
  // `port N read-only` beside a socket is the TCP listener's own (monit); alone, every allow is read-only.
  const tcpReadOnly = d.readOnly && d.unix !== undefined && d.port !== undefined;
  const allMapped = d.readOnly && !tcpReadOnly;
  return {
    port: d.port ?? 2812,
    address,
    allow: allMapped ? d.allow.map((a) => ({ ...a, readOnly: true })) : d.allow,
    ...(d.tls ? { tls: d.tls } : {}),
    ...(d.unix ? { unixSocket: d.unix } : {}),
    ...(tcp ? {} : { tcp: false as const }),
    ...(tcpReadOnly ? { tcpReadOnly: true as const } : {}),
  };
}

/** Reads one option into the draft; false when the next token begins none. */
function parseOption(c: Cursor, d: Draft): boolean {
  const t = c.peek();
  if (c.acceptWord('port')) d.port = c.expectInteger('a port number', 1, 65535);
  else if (c.acceptWord('read-only', 'readonly')) d.readOnly = true;
  else if (c.acceptWord('address', 'bind')) {
    d.address = c.expectValue('an address').text;
    d.addressTok = t;
  } else if (c.acceptWord('ssl', 'tls')) {
    d.tls = d.tls ?? {};
    if (c.acceptWord('disable', 'disabled')) d.tls = undefined;
    else c.acceptWord('enable', 'enabled');
    if (c.peek().type === '{') d.tls = { ...d.tls, ...parseHttpdSslBlock(c) };
  } else if (c.acceptWord('pemfile')) d.tls = { ...d.tls, pemFile: serverFile(c, 'a PEM file', 'SSL server PEM file') };
  else if (c.acceptWord('certfile', 'certificate'))
    d.tls = { ...d.tls, certFile: serverFile(c, 'a certificate file', 'SSL server certificate file') };
  else if (c.acceptWord('keyfile')) d.tls = { ...d.tls, keyFile: serverFile(c, 'a key file', 'SSL server key file') };
  else if (c.acceptWord('allow')) {
    const pos = c.peek().pos;
    const a = parseAllow(c);
    if (a) d.allow.push(a);
    if (a?.kind === 'net') d.nets.push({ cidr: a.cidr, pos });
  } else if (c.acceptWord('unixsocket')) d.unix = parseUnixSocket(c);
  else if (c.acceptWord('signature', 'clientpemfile', 'allowselfcertification')) {
    c.warn(t.pos, `'${t.text}' in set httpd is not used by brokerwatch; ignored`);
    const v = c.peek();
    if (
      v.type !== 'eof' &&
      !atTopStatement(v) &&
      !(v.type === 'word' && ['allow', 'port', 'address', 'ssl'].includes(v.lower))
    )
      c.next();
  } else return false;
  return true;
}

/** `unixsocket PATH [uid U] [gid G] [permission MODE] [read-only]` (monit 5.33). */
function parseUnixSocket(c: Cursor): HttpdUnixSocket {
  const tok = c.expectValue('a socket path after unixsocket');
  if (!tok.text.startsWith('/')) c.fail(tok, `expected an absolute socket path after unixsocket, found "${tok.text}"`);
  if (Buffer.byteLength(tok.text) > MAX_SOCKET_PATH_BYTES)
    c.fail(
      tok,
      `a unix socket path has at most ${MAX_SOCKET_PATH_BYTES} bytes; this one has ${Buffer.byteLength(tok.text)}`,
    );
  let uid: string | undefined;
  let gid: string | undefined;
  let permission: number | undefined;
  let readOnly = false;
  for (;;) {
    const t = c.peek();
    if (c.acceptWord('uid')) uid = idOf(c, 'user', t);
    else if (c.acceptWord('gid')) gid = idOf(c, 'group', t);
    else if (c.acceptWord('permission')) permission = octalMode(c);
    else if (c.acceptWord('read-only', 'readonly')) readOnly = true;
    else break;
  }
  return {
    path: tok.text,
    ...(uid !== undefined ? { uid } : {}),
    ...(gid !== undefined ? { gid } : {}),
    ...(permission !== undefined ? { permission } : {}),
    readOnly,
  };
}

/** A user or group name or number; a name is looked up by `-t` (monit refuses an unknown one). */
function idOf(c: Cursor, kind: 'user' | 'group', t: Token): string {
  const v = c.expectValue(`a ${kind} name or number after '${t.text}'`);
  if (!/^\d+$/.test(v.text)) c.refs.push({ kind, name: v.text, pos: v.pos });
  return v.text;
}

/** monit's `permission 660`: octal digits, at most 7777. */
function octalMode(c: Cursor): number {
  const v = c.expectValue('an octal mode after permission');
  if (!/^0*[0-7]{1,4}$/.test(v.text))
    c.fail(v, `permission must be an octal mode between 0 and 7777, found ${describe(v)}`);
  return parseInt(v.text, 8);
}

/** A certificate or key file of `set httpd`, noted for `-t`. */
function serverFile(c: Cursor, expected: string, what: string): string {
  const t = c.expectValue(expected);
  c.refs.push({ kind: 'file', what, path: t.text, pos: t.pos });
  return t.text;
}

/**
 * Without `address`, monit listens on every interface and brokerwatch on 127.0.0.1 only (an HTTP
 * API that can restart brokers is not opened to the network unasked): clients that `allow` lets in
 * from elsewhere could not connect, which the user must hear of.
 */
function warnUnreachable(c: Cursor, nets: ReadonlyArray<{ cidr: string; pos: SourcePos }>): void {
  for (const n of nets)
    if (!isLoopback(n.cidr))
      c.warn(
        n.pos,
        `'allow ${n.cidr}' cannot reach the web interface: without 'address' brokerwatch listens on 127.0.0.1 only (monit on every interface); add 'address 0.0.0.0' or this machine's address`,
      );
}

/** `localhost`, 127.0.0.0/8 and ::1, with or without a mask. */
function isLoopback(cidr: string): boolean {
  const host = (cidr.split('/')[0] ?? '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** `set httpd … ssl { pemfile | pemchain + pemkey }`: monit's SSL options block, of which the server
 *  uses its own certificate and key; the rest (verify, CA files) is for clients and stays unused. */
function parseHttpdSslBlock(c: Cursor): HttpdTls {
  const open = c.peek().pos;
  const o = parseSslBlock(c);
  noteSslFiles(c, o, open);
  for (const u of o.unused) c.warn(u.pos, `'${u.key}' in set httpd's SSL options is not used by brokerwatch; ignored`);
  return {
    ...(o.pemFile !== undefined ? { pemFile: o.pemFile } : {}),
    ...(o.pemChain !== undefined ? { certFile: o.pemChain } : {}),
    ...(o.pemKey !== undefined ? { keyFile: o.pemKey } : {}),
  };
}

function parseAllow(c: Cursor): HttpAllow | undefined {
  const t = c.expectValue('a user:password, host, network or htpasswd file after allow');
  let text = t.text;
  // `allow admin:"pass word"`: the quoted password is glued to `admin:`.
  if (text.endsWith(':') && c.peek().type === 'string' && c.peek().glued) text += c.next().text;
  const readOnly = (): boolean => !!c.acceptWord('read-only', 'readonly');
  if (t.type === 'word' && (t.lower === 'md5' || t.lower === 'crypt' || t.lower === 'cleartext'))
    return parseHtpasswd(c, t.lower, c.expectValue(`an htpasswd file after 'allow ${t.text}'`));
  if (t.type === 'word' && t.lower === 'sha1')
    c.fail(t, "'allow sha1 FILE' is not one of monit's htpasswd forms: write 'allow md5|crypt|cleartext FILE'");
  // monit's bare `allow /FILE`: a cleartext htpasswd file (`/x:pw` stays a user named `/x`).
  if (text.startsWith('/') && !text.includes(':')) return parseHtpasswd(c, 'cleartext', t);
  if (text.startsWith('@')) {
    c.warn(t.pos, `'allow ${text}' (system groups) is not supported by brokerwatch; write 'allow USER:PASSWORD'`);
    readOnly();
    return undefined;
  }
  const net = text.split('/')[0] ?? '';
  if (ipFamily(net) || (!text.includes(':') && /^[A-Za-z0-9.-]+(\/[0-9.]+)?$/.test(text))) {
    return { kind: 'net', cidr: text, readOnly: readOnly() };
  }
  const colon = text.indexOf(':');
  if (colon <= 0) c.fail(t, `expected USER:PASSWORD, a host or a network after allow, found ${describe(t)}`);
  const user = text.slice(0, colon);
  const password = text.slice(colon + 1);
  if (password === '') c.fail(t, `the password for user '${user}' is empty`);
  return { kind: 'user', user, password, readOnly: readOnly() };
}

/** `allow [md5|crypt|cleartext] FILE [USER …] [read-only]`; the loader reads the file (htpasswd.ts). */
function parseHtpasswd(c: Cursor, digest: HtpasswdAllow['digest'], file: Token): HtpasswdAllow {
  if (!file.text.startsWith('/'))
    c.fail(
      file,
      `expected the absolute path of an htpasswd file, found ${describe(file)} (monit reads no relative one)`,
    );
  const users: string[] = [];
  for (;;) {
    const u = c.peek();
    if (u.type !== 'string' && u.type !== 'word') break;
    if (atTopStatement(u) || (u.type === 'word' && HTTPD_OPTION_WORDS.has(u.lower))) break;
    if (u.text.includes(':') || u.text === '')
      c.fail(u, `expected a user name of the htpasswd file, found ${describe(u)}`);
    users.push(c.next().text);
  }
  const readOnly = !!c.acceptWord('read-only', 'readonly');
  return { kind: 'htpasswd', digest, file: file.text, users, readOnly, entries: [], pos: file.pos };
}
