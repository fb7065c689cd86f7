// The parser: tokens → Config. Every error is recorded and parsing resumes at the next statement,
// so one run reports all errors of a file. monit statements that brokerwatch does not implement
// are warnings, so a real monitrc loads.
import { isIP } from 'node:net';
import type { Diagnostic } from './diagnostics.js';
import type { EnvRef } from './environment.js';
import type { Token } from './lexer.js';
import { expectMailHost } from './credentials.js';
import { Cursor, ParseAbort, describe } from './cursor.js';
import type {
  AlertRecipient,
  Command,
  Config,
  HttpAllow,
  Httpd,
  Limits,
  MailFormat,
  MailServer,
  MailServerTls,
  SourcePos,
} from './model.js';
import { DEFAULT_CYCLE_MS } from './model.js';
import { parseLimits, withLimitDefaults } from './parse-limits.js';
import { parseAlertRecipient, parseMailFormat } from './parse-recipient.js';
import type { ParsedService } from './parse-service.js';
import { parseCheck } from './parse-service.js';
import { parseCommand } from './parse-rule.js';
import type { SslOptions } from './parse-ssl.js';
import { isSslVersionWord, parseSslBlock } from './parse-ssl.js';
import { parseDuration } from './units.js';
import type { FleetSettings } from '../fleet/syntax.js';
import { parseFleet } from '../fleet/syntax.js';
import { validate } from './validate.js';
import { parseMMonit } from '../mmonit/syntax.js';

/** monit `set` statements that load but have no effect in brokerwatch. */
const IGNORED_SET = new Set(['onreboot', 'expectbuffer', 'fips', 'init', 'terminal', 'heartbeat', 'hostname']);

interface MutableConfig {
  daemon: { cycleMs: number; startDelayMs: number };
  log?: Config['log'];
  pidfile?: string;
  pidfileGraceMs?: number;
  statefile?: string;
  eventQueue?: { basedir?: string; slots?: number };
  mailServers: MailServer[];
  mailFormat?: MailFormat;
  alerts: AlertRecipient[];
  httpd?: Httpd;
  limits?: Limits;
  idfile?: string;
  rebootProgram?: Command;
  fleet?: FleetSettings;
  mmonit?: Config['mmonit'];
}

export interface ParseResult {
  readonly config: Config;
  readonly diagnostics: readonly Diagnostic[];
  /** What the rules name on this machine (programs, users, files), for `-t`. */
  readonly refs: readonly EnvRef[];
}

/** True where a top-level statement can begin: the parser resynchronises there after an error. */
function atTopStatement(t: Token): boolean {
  return t.type === 'eof' || (t.lineStart && t.type === 'word' && (t.lower === 'set' || t.lower === 'check'));
}

/** Parses a token stream (includes already expanded, ending with eof) into a Config. */
export function parseTokens(tokens: readonly Token[], files: readonly string[]): ParseResult {
  const diagnostics: Diagnostic[] = [];
  const c = new Cursor(tokens, diagnostics);
  c.globalSsl = prescanGlobalSsl(tokens);
  const cfg: MutableConfig = { daemon: { cycleMs: DEFAULT_CYCLE_MS, startDelayMs: 0 }, mailServers: [], alerts: [] };
  const parsed: ParsedService[] = [];

  while (!c.atEnd) {
    const t = c.peek();
    c.service = undefined;
    try {
      if (t.type === 'word' && t.lower === 'set') {
        c.next();
        parseSet(c, cfg);
      } else if (t.type === 'word' && t.lower === 'check') {
        parsed.push(parseCheck(c));
      } else {
        c.fail(t, `expected 'set', 'check' or 'include', found ${describe(t)}`);
      }
    } catch (e) {
      if (!(e instanceof ParseAbort)) throw e;
      // Resume at the next statement, which may begin at the token that failed (a missing value);
      // a statement that failed at its own first token skips it, so this always moves on.
      if (c.peek() === t) c.next();
      c.skipUntil(atTopStatement);
    }
  }

  c.service = undefined;
  const services = validate(parsed, c).map((s) => withLimitDefaults(s, cfg.limits));
  const config: Config = {
    files,
    daemon: cfg.daemon,
    ...(cfg.log ? { log: cfg.log } : {}),
    ...(cfg.pidfile ? { pidfile: cfg.pidfile } : {}),
    ...(cfg.pidfileGraceMs !== undefined ? { pidfileGraceMs: cfg.pidfileGraceMs } : {}),
    ...(cfg.statefile ? { statefile: cfg.statefile } : {}),
    ...(cfg.eventQueue ? { eventQueue: cfg.eventQueue } : {}),
    mailServers: cfg.mailServers.map((m) => withGlobalSsl(m, c.globalSsl)),
    ...(cfg.mailFormat ? { mailFormat: cfg.mailFormat } : {}),
    alerts: cfg.alerts,
    ...(cfg.httpd ? { httpd: withGlobalPem(cfg.httpd, c.globalSsl) } : {}),
    ...(cfg.rebootProgram ? { rebootProgram: cfg.rebootProgram } : {}),
    services,
    ...(cfg.limits ? { limits: cfg.limits } : {}),
    ...(cfg.idfile !== undefined ? { idfile: cfg.idfile } : {}),
    ...(cfg.fleet ? { fleet: cfg.fleet } : {}),
    ...(cfg.mmonit ? { mmonit: cfg.mmonit } : {}),
  };
  return { config, diagnostics, refs: c.refs };
}

function parseSet(c: Cursor, cfg: MutableConfig): void {
  const t = c.peek();
  if (t.type !== 'word')
    c.fail(t, `expected a setting after 'set' (daemon, log, httpd, mailserver, alert, …), found ${describe(t)}`);
  c.next();
  switch (t.lower) {
    case 'daemon':
      cfg.daemon = parseDaemon(c, t);
      return;
    case 'log':
    case 'logfile':
      // `set logfile` is monit's old spelling of `set log`.
      cfg.log = parseLog(c);
      return;
    case 'pidfile':
      // `set pidfile grace N s` (brokerwatch's) is told from `set pidfile PATH` (monit's) by the number.
      if (c.peek().type === 'word' && c.peek().lower === 'grace' && c.peek(1).type === 'number') {
        c.next();
        cfg.pidfileGraceMs = parseDuration(c, 'the pidfile grace', 'seconds');
        return;
      }
      cfg.pidfile = c.expectValue('a pidfile path').text;
      return;
    case 'statefile':
      cfg.statefile = c.expectValue('a state file path').text;
      return;
    case 'idfile':
      cfg.idfile = c.expectValue('an id file path').text;
      return;
    case 'limits':
      cfg.limits = { ...cfg.limits, ...parseLimits(c) };
      return;
    case 'eventqueue':
      cfg.eventQueue = parseEventQueue(c);
      return;
    case 'mailserver':
      cfg.mailServers.push(...parseMailServers(c));
      return;
    case 'mail-format': {
      const block = c.peek();
      if (block.type !== 'block') c.fail(block, `expected '{' after mail-format, found ${describe(block)}`);
      c.next();
      cfg.mailFormat = parseMailFormat(block, c);
      return;
    }
    case 'alert':
      cfg.alerts.push(parseAlertRecipient(c));
      return;
    case 'httpd':
      cfg.httpd = parseHttpd(c);
      return;
    case 'fleet':
      cfg.fleet = parseFleet(c);
      return;
    case 'ssl':
    case 'tls':
      checkGlobalSsl(c, t);
      return;
    case 'mmonit':
      cfg.mmonit = parseMMonit(c);
      return;
    case 'reboot':
      // `set reboot program = "CMD"` (`program` is a noise word): what a `reboot` action runs.
      c.acceptOp();
      cfg.rebootProgram = parseCommand(c, "a command after 'set reboot program ='");
      return;
    default:
      if (IGNORED_SET.has(t.lower)) {
        c.warn(t.pos, `'set ${t.text}' is not used by brokerwatch; ignored`);
        c.skipBraces();
        c.skipUntil(atTopStatement);
        return;
      }
      c.fail(
        t,
        `unknown setting 'set ${t.text}': expected daemon, log, pidfile, statefile, idfile, limits, eventqueue, mailserver, mail-format, alert or httpd`,
      );
  }
}

/** `set daemon N [start delay M]`: the cycle and the wait before the first one. */
function parseDaemon(c: Cursor, t: Token): MutableConfig['daemon'] {
  const cycleMs = parseDuration(c, 'the cycle', 'seconds', false);
  if (cycleMs < 100) c.fail(t, `a cycle of ${cycleMs} ms is too short (at least 100 ms)`);
  let startDelayMs = 0;
  if (c.acceptWord('start')) {
    c.expectWord("'delay' after 'start'", 'delay');
    startDelayMs = parseDuration(c, 'the start delay', 'seconds', false);
  }
  return { cycleMs, startDelayMs };
}

/** `set log PATH` or `set log syslog [facility F]`. */
function parseLog(c: Cursor): NonNullable<Config['log']> {
  if (c.acceptWord('syslog')) {
    const facility = c.acceptWord('facility') ? c.expectValue('a syslog facility').text : undefined;
    return { kind: 'syslog', ...(facility ? { facility } : {}) };
  }
  return { kind: 'file', path: c.expectValue('a log file path or syslog').text };
}

/** `set eventqueue [basedir PATH] [slots N]`. */
function parseEventQueue(c: Cursor): NonNullable<MutableConfig['eventQueue']> {
  const q: NonNullable<MutableConfig['eventQueue']> = {};
  for (;;) {
    if (c.acceptWord('basedir')) q.basedir = c.expectValue('a folder after basedir').text;
    else if (c.acceptWord('slots')) q.slots = c.expectInteger('a number of slots', 1, 1_000_000);
    else break;
  }
  if (q.basedir === undefined && q.slots === undefined)
    c.fail(c.peek(), `expected 'basedir PATH' or 'slots N' after 'set eventqueue', found ${describe(c.peek())}`);
  return q;
}

/** `set ssl { … }`, read again for its diagnostics: its values were taken by prescanGlobalSsl. */
function checkGlobalSsl(c: Cursor, t: Token): void {
  if (c.peek().type !== '{')
    c.fail(c.peek(), `expected '{' and SSL options after 'set ${t.text}', found ${describe(c.peek())}`);
  const o = parseSslBlock(c);
  noteSslFiles(c, o, t.pos);
  warnUnused(c, o, 'set ssl');
  if (o.clientPemFile !== undefined) c.warn(t.pos, "'clientpemfile' in 'set ssl' is not used by brokerwatch; ignored");
}

/** Port 465 is SMTPS (RFC 8314): TLS from the first byte. */
const SMTPS_PORT = 465;

/**
 * `set mailserver HOST [port N] [username S] [password S] [using ssl|tls [{ options }]] [timeout N s], HOST2 …`.
 * `using ssl` and `using tls` are one word in monit; brokerwatch reads them as implicit TLS on port
 * 465 and required STARTTLS on any other port (monit: STARTTLS on 25 and 587, implicit elsewhere).
 * `using starttls` and `using implicit tls` say which whatever the port.
 */
function parseMailServers(c: Cursor): MailServer[] {
  const servers: MailServer[] = [];
  let sharedTimeout: number | undefined;
  do {
    const hostTok = expectMailHost(c);
    let port: number | undefined;
    let username: string | undefined;
    let password: string | undefined;
    let secureTok: Token | undefined;
    let forced: 'tls' | 'starttls' | undefined;
    let options: SslOptions | undefined;
    let timeoutMs: number | undefined;
    let heloName: string | undefined;
    for (;;) {
      const t = c.peek();
      if (c.acceptWord('port')) port = c.expectInteger('a port number', 1, 65535);
      else if (c.acceptWord('username', 'user')) username = c.expectValue('a user name').text;
      else if (c.acceptWord('password')) password = c.expectValue('a password').text;
      else if (c.acceptWord('ssl', 'tls', 'starttls', 'implicit') || isSslVersionWord(t)) {
        if (isSslVersionWord(t)) c.next();
        secureTok = secureTok ?? t;
        if (t.lower === 'starttls') forced = 'starttls';
        else if (t.lower === 'implicit') forced = 'tls';
        if (c.peek().type === '{') {
          const open = c.peek().pos;
          const o = parseSslBlock(c);
          noteSslFiles(c, o, open);
          warnUnused(c, o, 'set mailserver');
          options = { ...options, ...o, unused: [] };
        }
      } else if (c.isWord('certmd5', 'certificate')) {
        c.next();
        if (t.lower === 'certificate') {
          c.expectWord("'checksum' after 'certificate'", 'checksum');
          c.acceptWord('md5', 'sha1', 'sha256');
          c.acceptOp();
        }
        c.expectValue('a certificate checksum');
        c.warn(t.pos, `'${t.text}' (certificate pinning) is not used by brokerwatch; ignored`);
      } else if (c.acceptWord('timeout')) {
        timeoutMs = parseDuration(c, 'timeout', 'seconds');
        sharedTimeout = timeoutMs;
      } else if (c.acceptWord('hostname')) heloName = c.expectValue('a host name').text;
      else break;
    }
    const security = secureTok ? mailSecurity(c, secureTok, forced, port) : undefined;
    const tls = security && options ? sslToMail(options) : undefined;
    servers.push({
      host: hostTok.text,
      ...(port !== undefined ? { port } : {}),
      ...(username !== undefined ? { username } : {}),
      ...(password !== undefined ? { password } : {}),
      ...(security ? { security } : {}),
      ...(tls ? { tls } : {}),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      ...(heloName !== undefined ? { heloName } : {}),
    });
    // monit's own monitrc lists one server per line: `set mailserver a,\n b port 10025,\n localhost`.
  } while ((c.peek().type === 'word' || c.peek().type === 'string') && !atTopStatement(c.peek()));
  return servers.map((s) =>
    s.timeoutMs === undefined && sharedTimeout !== undefined ? { ...s, timeoutMs: sharedTimeout } : s,
  );
}

/** `using ssl|tls|starttls|implicit tls` on `port`: implicit TLS or required STARTTLS. */
function mailSecurity(
  c: Cursor,
  secureTok: Token,
  forced: 'tls' | 'starttls' | undefined,
  port: number | undefined,
): NonNullable<MailServer['security']> {
  if (!forced && port !== undefined && port !== 25 && port !== 587 && port !== SMTPS_PORT) {
    c.warn(
      secureTok.pos,
      `'using ${secureTok.text}' on port ${port} means STARTTLS (required) in brokerwatch, where monit speaks TLS from the first byte on ports other than 25 and 587; write 'using starttls' to say so, or 'using implicit tls' if this server expects that`,
    );
  }
  return forced ?? (port === SMTPS_PORT ? 'tls' : 'starttls');
}

/** The mail-relevant part of SSL options; undefined when none is set. */
function sslToMail(o: Omit<SslOptions, 'unused'>): MailServerTls | undefined {
  const tls: MailServerTls = {
    ...(o.verify !== undefined ? { verify: o.verify } : {}),
    ...(o.allowSelfSigned !== undefined ? { allowSelfSigned: o.allowSelfSigned } : {}),
    ...(o.caFile !== undefined ? { caFile: o.caFile } : {}),
    ...(o.caPath !== undefined ? { caPath: o.caPath } : {}),
  };
  return Object.keys(tls).length > 0 ? tls : undefined;
}

/** A TLS mail server's own options over `set ssl`'s (monit: local options "override or extend" the global ones). */
function withGlobalSsl(m: MailServer, global: SslOptions | undefined): MailServer {
  if (!m.security || !global) return m;
  const tls = sslToMail({ ...global, ...m.tls });
  return tls ? { ...m, tls } : m;
}

/** `set ssl { pemfile: … }` serves the web interface when `set httpd … ssl` names no certificate of its own. */
function withGlobalPem(h: Httpd, global: SslOptions | undefined): Httpd {
  if (!h.tls || !global || h.tls.pemFile !== undefined || h.tls.certFile !== undefined || h.tls.keyFile !== undefined)
    return h;
  const tls = {
    ...(global.pemFile !== undefined ? { pemFile: global.pemFile } : {}),
    ...(global.pemChain !== undefined ? { certFile: global.pemChain } : {}),
    ...(global.pemKey !== undefined ? { keyFile: global.pemKey } : {}),
  };
  return Object.keys(tls).length > 0 ? { ...h, tls } : h;
}

/** A certificate or key file of `set httpd`, noted for `-t`. */
function serverFile(c: Cursor, expected: string, what: string): string {
  const t = c.expectValue(expected);
  c.refs.push({ kind: 'file', what, path: t.text, pos: t.pos });
  return t.text;
}

/** The files an SSL options block names, noted for `-t` at the block (its keys keep no position). */
function noteSslFiles(c: Cursor, o: SslOptions, pos: SourcePos): void {
  const files: Array<[string | undefined, 'file' | 'folder', string]> = [
    [o.caFile, 'file', 'SSL CA certificates file'],
    [o.caPath, 'folder', 'SSL CA certificates folder'],
    [o.clientPemFile, 'file', 'SSL client PEM file'],
    [o.pemFile, 'file', 'SSL server PEM file'],
    [o.pemChain, 'file', 'SSL certificate chain file'],
    [o.pemKey, 'file', 'SSL private key file'],
  ];
  for (const [path, kind, what] of files) if (path !== undefined) c.refs.push({ kind, what, path, pos });
}

function warnUnused(c: Cursor, o: SslOptions, where: string): void {
  for (const u of o.unused)
    c.warn(
      u.pos,
      `'${u.key}' in the SSL options of '${where}' is not used by brokerwatch (Node's TLS defaults apply); ignored`,
    );
}

/**
 * Every `set ssl|tls { … }` of the file, merged in order, read before the rest: monit applies them
 * to every SSL connection wherever they stand. Errors are reported when the statement is parsed.
 */
function prescanGlobalSsl(tokens: readonly Token[]): SslOptions | undefined {
  let merged: SslOptions | undefined;
  tokens.forEach((t, i) => {
    const what = tokens[i + 1];
    if (!(
      t.lineStart &&
      t.type === 'word' &&
      t.lower === 'set' &&
      what?.type === 'word' &&
      (what.lower === 'ssl' || what.lower === 'tls') &&
      tokens[i + 2]?.type === '{'
    ))
      return;
    const scratch = new Cursor(tokens.slice(i + 2), []); // the stream ends with eof
    try {
      const o = parseSslBlock(scratch);
      merged = { ...merged, ...o, unused: [] };
    } catch (e) {
      if (!(e instanceof ParseAbort)) throw e;
    }
  });
  return merged;
}

/** `set httpd port N [address A] [ssl …] allow USER:PASS [read-only] | allow HOST/NET …`. */
function parseHttpd(c: Cursor): Httpd {
  let port = 2812;
  let address = '127.0.0.1';
  const allow: HttpAllow[] = [];
  // `port N read-only`: the whole web interface is read-only, whatever each allow says (monit 5.33).
  let readOnly = false;
  let tls: { pemFile?: string; certFile?: string; keyFile?: string } | undefined;
  let addressWritten = false;
  const nets: Array<{ cidr: string; pos: SourcePos }> = [];
  for (;;) {
    const t = c.peek();
    if (c.acceptWord('port')) port = c.expectInteger('a port number', 1, 65535);
    else if (c.acceptWord('read-only', 'readonly')) readOnly = true;
    else if (c.acceptWord('address', 'bind')) {
      address = c.expectValue('an address').text;
      addressWritten = true;
    } else if (c.acceptWord('ssl', 'tls')) {
      tls = tls ?? {};
      if (c.acceptWord('disable', 'disabled')) tls = undefined;
      else c.acceptWord('enable', 'enabled');
      if (c.peek().type === '{') tls = { ...tls, ...parseHttpdSslBlock(c) };
    } else if (c.acceptWord('pemfile')) tls = { ...tls, pemFile: serverFile(c, 'a PEM file', 'SSL server PEM file') };
    else if (c.acceptWord('certfile', 'certificate'))
      tls = { ...tls, certFile: serverFile(c, 'a certificate file', 'SSL server certificate file') };
    else if (c.acceptWord('keyfile')) tls = { ...tls, keyFile: serverFile(c, 'a key file', 'SSL server key file') };
    else if (c.acceptWord('allow')) {
      const pos = c.peek().pos;
      const a = parseAllow(c);
      if (a) allow.push(a);
      if (a?.kind === 'net') nets.push({ cidr: a.cidr, pos });
    } else if (c.acceptWord('unixsocket')) {
      // monit 5.33's socket and its own options: `unixsocket PATH [uid U] [gid G] [permission N] [read-only]`.
      c.warn(t.pos, "'unixsocket' in set httpd is not used by brokerwatch (it listens on TCP); ignored");
      c.expectValue('a socket path after unixsocket');
      for (;;) {
        if (c.acceptWord('uid', 'gid', 'permission')) c.expectValue('a value');
        else if (!c.acceptWord('read-only', 'readonly')) break;
      }
    } else if (c.acceptWord('signature', 'clientpemfile', 'allowselfcertification')) {
      c.warn(t.pos, `'${t.text}' in set httpd is not used by brokerwatch; ignored`);
      const v = c.peek();
      if (
        v.type !== 'eof' &&
        !atTopStatement(v) &&
        !(v.type === 'word' && ['allow', 'port', 'address', 'ssl'].includes(v.lower))
      )
        c.next();
    } else break;
  }
  if (address === 'localhost') address = '127.0.0.1';
  if (!addressWritten) warnUnreachable(c, nets);
  return {
    port,
    address,
    allow: readOnly ? allow.map((a) => ({ ...a, readOnly: true })) : allow,
    ...(tls ? { tls } : {}),
  };
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
function parseHttpdSslBlock(c: Cursor): { pemFile?: string; certFile?: string; keyFile?: string } {
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
  const t = c.expectValue('a user:password, host or network after allow');
  let text = t.text;
  // `allow admin:"pass word"`: the quoted password is glued to `admin:`.
  if (text.endsWith(':') && c.peek().type === 'string' && c.peek().glued) text += c.next().text;
  const readOnly = (): boolean => !!c.acceptWord('read-only', 'readonly');
  if (
    t.type === 'word' &&
    (t.lower === 'md5' || t.lower === 'crypt' || t.lower === 'sha1' || t.lower === 'cleartext')
  ) {
    c.warn(
      t.pos,
      `'allow ${t.text} FILE' (htpasswd files) is not supported by brokerwatch; write 'allow USER:PASSWORD'`,
    );
    c.expectValue('a password file');
    while (c.peek().type === 'word' && !c.peek().lineStart && !c.isWord('allow', 'read-only', 'readonly')) c.next();
    readOnly();
    return undefined;
  }
  if (text.startsWith('@')) {
    c.warn(t.pos, `'allow ${text}' (system groups) is not supported by brokerwatch; write 'allow USER:PASSWORD'`);
    readOnly();
    return undefined;
  }
  const net = text.split('/')[0] ?? '';
  if (isIP(net) || (!text.includes(':') && /^[A-Za-z0-9.-]+(\/[0-9.]+)?$/.test(text))) {
    return { kind: 'net', cidr: text, readOnly: readOnly() };
  }
  const colon = text.indexOf(':');
  if (colon <= 0) c.fail(t, `expected USER:PASSWORD, a host or a network after allow, found ${describe(t)}`);
  const user = text.slice(0, colon);
  const password = text.slice(colon + 1);
  if (password === '') c.fail(t, `the password for user '${user}' is empty`);
  return { kind: 'user', user, password, readOnly: readOnly() };
}
