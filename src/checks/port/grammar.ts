// The grammar of a port test, monit's `if failed [host H] port N …` with its options: target, TLS
// and certificate tests, timing here, and each protocol's own words from protocols/registry.ts. Each
// option word has its reader in one table; `finish` checks the combination and asks the protocol for
// its part of the model.
import type { Cursor } from '../../config/cursor.js';
import { describe } from '../../config/cursor.js';
import type { Token } from '../../config/lexer.js';
import type { ServiceType, TlsOptions } from '../../config/model.js';
import { DEFAULT_PORT_TIMEOUT_MS } from '../../config/model.js';
import type { SslOptions } from '../../config/parse-ssl.js';
import { isSslVersionWord, parseSslBlock } from '../../config/parse-ssl.js';
import { operatorOrEqual, parseDuration } from '../../config/units.js';
import { MONIT_ONLY_PROTOCOLS, PROTOCOL_OPTIONS, protocolNamed, PROTOCOLS } from './protocols/registry.js';
import type { Draft, OptionReader, ProtocolSyntax } from './protocols/types.js';
import type { PortCondition } from './syntax.js';

/** Options of monit's protocols brokerwatch does not speak: read with a warning. */
const PORT_OPTIONS_IGNORED = new Set(['header', 'database', 'secret', 'target', 'maxforward', 'rsakey']);

type ProbeTls = Draft['tlsOpts'];

const TLS_ON: TlsOptions = { enabled: true, verify: true };

/** Where to connect: host, port, address family, transport. */
const TARGET: Record<string, OptionReader> = {
  host(c, d) {
    c.next();
    d.host = c.expectValue('a host name or address after host').text;
  },
  address(c, _d, t) {
    // In a port test monit's `address` is the local address to connect from, not the target.
    c.next();
    c.expectValue('a local address after address');
    c.warn(t.pos, "'address' (the local address a test connects from) is not used by brokerwatch; ignored");
  },
  port(c, d) {
    c.next();
    d.port = c.expectInteger('a port number', 1, 65535);
  },
  unixsocket: readUnixSocket,
  unix: readUnixSocket,
  ipv4(c, d) {
    c.next();
    d.ipVersion = 4;
  },
  ipv6(c, d) {
    c.next();
    d.ipVersion = 6;
  },
  type(c, d) {
    c.next();
    const ty = c.expectWord("'tcp', 'udp' or 'tcpssl' after type", 'tcp', 'udp', 'tcpssl', 'ssl', 'tls');
    if (ty.lower === 'udp') d.transport = 'udp';
    else if (ty.lower !== 'tcp') d.tls = TLS_ON;
  },
};

/** `unixsocket PATH` (monit's `unix` too): the socket's absolute path. */
function readUnixSocket(c: Cursor, d: Draft): void {
  c.next();
  const tok = c.expectValue('a socket path after unixsocket');
  if (!tok.text.startsWith('/')) c.fail(tok, `expected an absolute socket path after unixsocket, found "${tok.text}"`);
  d.unixSocket = { path: tok.text, tok };
}

function readSsl(c: Cursor, d: Draft): void {
  c.next();
  if (c.peek().type === '{') {
    probeSslOptions(c, parseSslBlock(c), d.tlsOpts);
  } else if (c.acceptWord('disable', 'disabled')) {
    delete d.tls;
    return;
  } else {
    c.acceptWord('enable', 'enabled');
  }
  d.tls = TLS_ON;
}

function readValueInto(
  key: keyof ProbeTls & ('caFile' | 'certFile' | 'keyFile' | 'serverName'),
  what: string,
): OptionReader {
  return (c, d) => {
    c.next();
    d.tlsOpts[key] = c.expectValue(what).text;
  };
}

/** TLS: on or off, monit's `ssl { … }`, files, certificate checks brokerwatch does not make. */
const TLS: Record<string, OptionReader> = {
  ssl: readSsl,
  tls: readSsl,
  tcpssl: readSsl,
  certificate(c, d) {
    c.next();
    if (c.acceptWord('valid')) {
      const op = c.acceptOp();
      if (op && op.text !== '>' && op.text !== '>=')
        c.fail(op, `expected '>' in 'certificate valid > N days', found '${op.text}'`);
      d.certificate.validDays = c.expectInteger('a number of days after certificate valid', 0, 100_000);
      c.acceptWord('day', 'days', 'd');
    } else {
      c.expectWord("'valid' or 'checksum' after 'certificate'", 'checksum');
      readCertChecksum(c, d, c.acceptWord('md5', 'sha1', 'sha256')?.lower);
    }
  },
  certmd5(c, d) {
    c.next();
    readCertChecksum(c, d, 'md5');
  },
  cafile: readValueInto('caFile', 'a CA file path'),
  ca: readValueInto('caFile', 'a CA file path'),
  certfile: readValueInto('certFile', 'a certificate file path'),
  keyfile: readValueInto('keyFile', 'a key file path'),
  servername: readValueInto('serverName', 'a server name'),
  verify(c, d) {
    c.next();
    d.tlsOpts.verify = !c.acceptWord('disable', 'disabled', 'off', 'no');
    if (d.tlsOpts.verify) c.acceptWord('enable', 'enabled', 'on', 'yes');
  },
};

function readProtocol(c: Cursor, d: Draft): void {
  c.next();
  const t = c.expectValue('a protocol name after protocol');
  d.protocol = t.lower;
  d.protocolTok = t;
}

/** The protocol, and the credentials MQTT's CONNECT and HTTP's basic authentication send. */
const PROTOCOL: Record<string, OptionReader> = {
  protocol: readProtocol,
  proto: readProtocol,
  username(c, d) {
    c.next();
    d.creds.username = c.expectValue('a user name').text;
  },
  user(c, d) {
    c.next();
    d.creds.username = c.expectValue('a user name').text;
  },
  password(c, d) {
    c.next();
    d.creds.password = c.expectValue('a password').text;
  },
};

/** How long to wait, how often to try, how fast it must be. */
const TIMING: Record<string, OptionReader> = {
  timeout(c, d) {
    c.next();
    d.timeoutMs = parseDuration(c, 'timeout', 'seconds');
  },
  retry(c, d) {
    c.next();
    d.retry = c.expectInteger('a retry count', 0, 100);
  },
  responsetime(c, d) {
    c.next();
    const op = operatorOrEqual(c);
    d.responseTime = { op, ms: parseDuration(c, 'responsetime', 'ms', false) };
  },
};

const OPTIONS: ReadonlyMap<string, OptionReader> = new Map([
  ...Object.entries({ ...TARGET, ...TLS, ...PROTOCOL, ...TIMING }),
  ...[...PROTOCOL_OPTIONS].map(([word, o]): [string, OptionReader] => [
    word,
    (c, d, t) => {
      d.owned.push({ tok: t, owner: o.owner });
      o.read(c, d, t);
    },
  ]),
]);

/** `certificate checksum [md5|sha1|sha256] [=] HASH`: without a name, the length says which. */
function readCertChecksum(c: Cursor, d: Draft, named: string | undefined): void {
  c.acceptOp();
  const t = c.expectValue('a certificate checksum');
  const hash = t.text.replace(/:/g, '').toLowerCase();
  const byLength = ({ 32: 'md5', 40: 'sha1', 64: 'sha256' } as const)[hash.length as 32 | 40 | 64];
  const algo = named ?? byLength;
  if (!/^[0-9a-f]+$/.test(hash) || algo === undefined || byLength !== algo)
    c.fail(t, `expected an MD5, SHA1 or SHA256 certificate checksum in hex, found "${t.text}"`);
  d.certificate.checksum = { algo: algo as 'md5' | 'sha1' | 'sha256', hash };
}

/** Options of other protocols and TLS versions: read with a warning. Returns false at a word that is none. */
function readIgnored(c: Cursor, d: Draft, t: Token): boolean {
  if (isSslVersionWord(t)) {
    // `type tcpssl sslauto`, `tlsv12`: TLS with a version choice brokerwatch leaves to Node.
    c.next();
    d.tls = d.tls ?? TLS_ON;
    c.warn(t.pos, `TLS version option '${t.text}' is not used by brokerwatch (Node's TLS defaults apply); ignored`);
    return true;
  }
  if (!PORT_OPTIONS_IGNORED.has(t.lower)) return false;
  c.next();
  c.warn(t.pos, `port test option '${t.text}' is not evaluated by brokerwatch; ignored`);
  if (c.peek().type === 'op') c.next();
  if (c.peek().type === 'string' || c.peek().type === 'number') c.next();
  else if (c.peek().type === 'word' && !c.isWord('then', 'timeout', 'retry', 'protocol', 'proto')) c.next();
  return true;
}

/** `[host H] port N [type tcp|udp|tcpssl] [ssl …] [protocol P …] [timeout N s] [retry N] [responsetime OP N ms]`. */
export function parsePortTest(c: Cursor, serviceType: ServiceType): PortCondition {
  const d: Draft = {
    transport: 'tcp',
    timeoutMs: DEFAULT_PORT_TIMEOUT_MS,
    retry: 0,
    creds: {},
    mqtt: {},
    http: {},
    websocket: {},
    exchange: [],
    certificate: {},
    tlsOpts: {},
    owned: [],
  };
  const start = c.peek();
  for (;;) {
    const t = c.peek();
    if (t.type !== 'word') break;
    const read = ownReading(d, t.lower) ?? OPTIONS.get(t.lower);
    if (read) read(c, d, t);
    else if (!readIgnored(c, d, t)) break;
  }
  return finish(c, d, start, serviceType);
}

/** How the test's protocol, named before WORD, reads WORD when it reads it its own way. */
function ownReading(d: Draft, word: string): OptionReader | undefined {
  return d.protocol === undefined ? undefined : protocolNamed(d.protocol)?.entry.syntax.alsoReads?.(d)?.[word];
}

/** Checks what only the whole test can tell, and builds the model. */
function finish(c: Cursor, d: Draft, start: Token, serviceType: ServiceType): PortCondition {
  const { tlsOpts } = d;
  if (d.unixSocket) unixSocketLimits(c, d, d.unixSocket.tok);
  else if (d.port === undefined)
    c.fail(c.peek(), `expected 'port N' in this connection test, found ${describe(c.peek())}`);
  const proto = protocolFor(c, d, start);
  let tls = d.tls;
  if ((Object.keys(tlsOpts).length > 0 || proto?.tls || d.starttls) && !tls) tls = TLS_ON;
  if (tls) tls = withGlobalSsl({ ...tls, ...tlsOpts, verify: tlsOpts.verify ?? true }, tlsOpts, c.globalSsl);
  const certificate = d.certificate;
  if (Object.keys(certificate).length > 0 && !tls && !d.starttls)
    c.fail(start, "'certificate valid' and 'certificate checksum' test a TLS certificate: add 'ssl' to this test");
  const own = proto?.syntax.build?.(c, d, start) ?? {};
  return {
    kind: 'port',
    // A unix socket's test has no host or port: 'localhost' and 0 stand in, never used.
    host: d.host ?? (serviceType === 'host' && !d.unixSocket ? '' : 'localhost'),
    port: d.port ?? 0,
    ...(d.unixSocket ? { unixSocket: d.unixSocket.path } : {}),
    transport: d.transport,
    ...(d.ipVersion ? { ipVersion: d.ipVersion } : {}),
    ...(tls ? { tls } : {}),
    ...(Object.keys(certificate).length > 0 ? { certificate } : {}),
    ...(d.protocol ? { protocol: d.protocol } : {}),
    ...own,
    timeoutMs: d.timeoutMs,
    retry: d.retry,
    ...(d.responseTime ? { responseTime: d.responseTime } : {}),
  };
}

/** What a unix socket test cannot have: another target, UDP, TLS, MQTT (whose probe dials TCP). */
function unixSocketLimits(c: Cursor, d: Draft, at: Token): void {
  if (d.port !== undefined || d.host !== undefined || d.ipVersion !== undefined)
    c.fail(at, "a test connects to 'unixsocket PATH' or to '[host H] port N', not both");
  if (d.transport === 'udp') c.fail(at, "a unix socket test speaks a stream: not 'type udp'");
  if (d.tls || Object.keys(d.tlsOpts).length > 0 || Object.keys(d.certificate).length > 0)
    c.fail(at, 'TLS over a unix socket is not supported by brokerwatch');
  if (d.protocol === 'mqtt')
    c.fail(d.protocolTok ?? at, "protocol mqtt is probed over TCP: test the broker's TCP listener with 'port N'");
}

/**
 * The protocol of the test, from its name or (send/expect with no name) the generic one; undefined
 * for no protocol and for monit's protocols brokerwatch does not speak (a warning: a TCP connect is
 * what is checked). A name that is neither is an error, so a typo never becomes a bare port test.
 * Options of another protocol than the test's are errors too.
 */
function protocolFor(c: Cursor, d: Draft, start: Token): { syntax: ProtocolSyntax; tls: boolean } | undefined {
  const name = d.protocol;
  const at = d.protocolTok ?? start;
  if (name !== undefined && MONIT_ONLY_PROTOCOLS.has(name)) {
    c.warn(
      at.pos,
      `protocol '${name}' is not spoken by brokerwatch; the test only checks that the port accepts a connection`,
    );
    for (const o of d.owned)
      c.warn(o.tok.pos, `port test option '${o.tok.text}' is not evaluated for protocol '${name}'; ignored`);
    if (d.creds.username !== undefined || d.creds.password !== undefined)
      c.warn(at.pos, `'username' and 'password' are not used for protocol '${name}'; ignored`);
    return undefined;
  }
  const named = name === undefined ? undefined : protocolNamed(name);
  if (name !== undefined && !named)
    c.fail(
      at,
      `unknown protocol '${name}': expected ${KNOWN_NAMES} (or one of monit's: ${[...MONIT_ONLY_PROTOCOLS].join(', ')})`,
    );
  const syntax = named?.entry.syntax ?? (d.exchange.length > 0 ? PROTOCOLS.generic.syntax : PROTOCOLS.tcp.syntax);
  for (const o of d.owned) {
    if (o.owner === syntax.name) continue;
    const needs = Object.keys(PROTOCOLS[o.owner as keyof typeof PROTOCOLS].syntax.names)[0] ?? o.owner;
    c.fail(
      o.tok,
      o.owner === 'generic'
        ? `'${o.tok.text}' (send/expect) replaces a protocol: not with protocol '${syntax.name}'`
        : `'${o.tok.text}' is an option of protocol ${needs}; this test ${name ? `has protocol '${name}'` : 'names no protocol'}`,
    );
  }
  const creds = d.creds.username !== undefined || d.creds.password !== undefined;
  if (creds && syntax.credentials === 'ignored')
    c.warn(
      at.pos,
      `'username' and 'password' are not used by brokerwatch's ${syntax.name} test (no login is made); ignored`,
    );
  else if (creds && !syntax.credentials)
    c.fail(
      start,
      name
        ? `'username' and 'password' are not used by protocol '${name}'`
        : "'username' and 'password' need a protocol that logs in: 'protocol mqtt' or 'protocol http'",
    );
  return { syntax, tls: named?.tls ?? false };
}

const KNOWN_NAMES = Object.values(PROTOCOLS)
  .flatMap((e) => Object.keys(e.syntax.names))
  .join(', ');

/** A port test's `ssl { … }`. `selfsigned: allow` means no verification: anyone can make such a certificate. */
function probeSslOptions(c: Cursor, o: SslOptions, out: ProbeTls): void {
  if (o.verify !== undefined) out.verify = o.verify;
  if (o.allowSelfSigned) out.verify = false;
  if (o.caFile !== undefined) out.caFile = o.caFile;
  // monit's client certificate is one PEM file holding both the certificate and its key.
  if (o.clientPemFile !== undefined) {
    out.certFile = o.clientPemFile;
    out.keyFile = o.clientPemFile;
  }
  for (const u of o.unused)
    c.warn(u.pos, `'${u.key}' in a test's SSL options is not used by brokerwatch (Node's TLS defaults apply); ignored`);
  if (o.caPath !== undefined)
    c.warn(
      c.peek().pos,
      "'cacertificatepath' is not used by brokerwatch's probes; name the CA file with 'cacertificatefile'",
    );
}

/** `set ssl { … }` where the test says nothing of its own (monit: local options override global ones). */
function withGlobalSsl(tls: TlsOptions, own: ProbeTls, global: SslOptions | undefined): TlsOptions {
  if (!global) return tls;
  const verify = own.verify ?? (global.verify === false || global.allowSelfSigned === true ? false : undefined);
  const caFile = own.caFile ?? global.caFile;
  return { ...tls, ...(verify !== undefined ? { verify } : {}), ...(caFile !== undefined ? { caFile } : {}) };
}
