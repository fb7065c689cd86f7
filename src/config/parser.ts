// The parser: tokens → Config. Every error is recorded and parsing resumes at the next statement,
// so one run reports all errors of a file. monit statements that brokerwatch does not implement
// are warnings, so a real monitrc loads.
import { isIP } from 'node:net';
import type { Diagnostic } from './diagnostics.js';
import type { Token } from './lexer.js';
import { Cursor, ParseAbort, describe } from './cursor.js';
import type { AlertRecipient, Config, HttpAllow, Httpd, MailFormat, MailServer } from './model.js';
import { DEFAULT_CYCLE_MS } from './model.js';
import { parseAlertRecipient, parseMailFormat } from './parse-alert.js';
import type { ParsedService } from './parse-service.js';
import { parseCheck } from './parse-service.js';
import { parseDuration } from './units.js';
import { validate } from './validate.js';

/** monit `set` statements that load but have no effect in brokerwatch. */
const IGNORED_SET = new Set(['idfile', 'mmonit', 'limits', 'ssl', 'onreboot', 'expectbuffer', 'fips', 'init', 'terminal', 'heartbeat', 'logfile', 'hostname']);

interface MutableConfig {
  daemon: { cycleMs: number; startDelayMs: number };
  log?: Config['log'];
  pidfile?: string;
  statefile?: string;
  eventQueue?: { basedir?: string; slots?: number };
  mailServers: MailServer[];
  mailFormat?: MailFormat;
  alerts: AlertRecipient[];
  httpd?: Httpd;
}

export interface ParseResult {
  readonly config: Config;
  readonly diagnostics: readonly Diagnostic[];
}

/** True where a top-level statement can begin: the parser resynchronises there after an error. */
function atTopStatement(t: Token): boolean {
  return t.type === 'eof' || (t.lineStart && t.type === 'word' && (t.lower === 'set' || t.lower === 'check'));
}

/** Parses a token stream (includes already expanded, ending with eof) into a Config. */
export function parseTokens(tokens: readonly Token[], files: readonly string[]): ParseResult {
  const diagnostics: Diagnostic[] = [];
  const c = new Cursor(tokens, diagnostics);
  const cfg: MutableConfig = { daemon: { cycleMs: DEFAULT_CYCLE_MS, startDelayMs: 0 }, mailServers: [], alerts: [] };
  const parsed: ParsedService[] = [];
  const ignored = new Set<string>();

  while (!c.atEnd) {
    const t = c.peek();
    try {
      if (t.type === 'word' && t.lower === 'set') {
        c.next();
        parseSet(c, cfg);
      } else if (t.type === 'word' && t.lower === 'check') {
        const s = parseCheck(c);
        if ('ignored' in s) ignored.add(s.ignored);
        else parsed.push(s);
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

  const services = validate(parsed, ignored, c);
  const config: Config = {
    files,
    daemon: cfg.daemon,
    ...(cfg.log ? { log: cfg.log } : {}),
    ...(cfg.pidfile ? { pidfile: cfg.pidfile } : {}),
    ...(cfg.statefile ? { statefile: cfg.statefile } : {}),
    ...(cfg.eventQueue ? { eventQueue: cfg.eventQueue } : {}),
    mailServers: cfg.mailServers,
    ...(cfg.mailFormat ? { mailFormat: cfg.mailFormat } : {}),
    alerts: cfg.alerts,
    ...(cfg.httpd ? { httpd: cfg.httpd } : {}),
    services,
  };
  return { config, diagnostics };
}

function parseSet(c: Cursor, cfg: MutableConfig): void {
  const t = c.peek();
  if (t.type !== 'word') c.fail(t, `expected a setting after 'set' (daemon, log, httpd, mailserver, alert, …), found ${describe(t)}`);
  c.next();
  switch (t.lower) {
    case 'daemon': {
      const cycleMs = parseDuration(c, 'the cycle', 'seconds', false);
      if (cycleMs < 100) c.fail(t, `a cycle of ${cycleMs} ms is too short (at least 100 ms)`);
      let startDelayMs = 0;
      if (c.acceptWord('start')) {
        c.expectWord("'delay' after 'start'", 'delay');
        startDelayMs = parseDuration(c, 'the start delay', 'seconds', false);
      }
      cfg.daemon = { cycleMs, startDelayMs };
      return;
    }
    case 'log': {
      if (c.acceptWord('syslog')) {
        const facility = c.acceptWord('facility') ? c.expectValue('a syslog facility').text : undefined;
        cfg.log = { kind: 'syslog', ...(facility ? { facility } : {}) };
      } else {
        cfg.log = { kind: 'file', path: c.expectValue('a log file path or syslog').text };
      }
      return;
    }
    case 'pidfile':
      cfg.pidfile = c.expectValue('a pidfile path').text;
      return;
    case 'statefile':
      cfg.statefile = c.expectValue('a state file path').text;
      return;
    case 'eventqueue': {
      const q: { basedir?: string; slots?: number } = {};
      for (;;) {
        if (c.acceptWord('basedir')) q.basedir = c.expectValue('a folder after basedir').text;
        else if (c.acceptWord('slots')) q.slots = c.expectInteger('a number of slots', 1, 1_000_000);
        else break;
      }
      cfg.eventQueue = q;
      return;
    }
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
    default:
      if (IGNORED_SET.has(t.lower)) {
        c.warn(t.pos, `'set ${t.text}' is not used by brokerwatch; ignored`);
        c.skipBraces();
        c.skipUntil(atTopStatement);
        return;
      }
      c.fail(t, `unknown setting 'set ${t.text}': expected daemon, log, pidfile, statefile, eventqueue, mailserver, mail-format, alert or httpd`);
  }
}

/** `set mailserver HOST [port N] [username S] [password S] [using tls|ssl] [timeout N s], HOST2 …`. */
function parseMailServers(c: Cursor): MailServer[] {
  const servers: MailServer[] = [];
  let sharedTimeout: number | undefined;
  do {
    const host = c.expectValue('a mail server host').text;
    let port: number | undefined;
    let username: string | undefined;
    let password: string | undefined;
    let secure = false;
    let timeoutMs: number | undefined;
    for (;;) {
      if (c.acceptWord('port')) port = c.expectInteger('a port number', 1, 65535);
      else if (c.acceptWord('username', 'user')) username = c.expectValue('a user name').text;
      else if (c.acceptWord('password')) password = c.expectValue('a password').text;
      else if (c.acceptWord('ssl', 'tls', 'tlsv1', 'tlsv11', 'tlsv12', 'tlsv13', 'sslv2', 'sslv3', 'sslauto', 'auto', 'starttls')) {
        secure = true;
        c.skipBraces();
      } else if (c.acceptWord('timeout')) {
        timeoutMs = parseDuration(c, 'timeout', 'seconds');
        sharedTimeout = timeoutMs;
      } else if (c.acceptWord('hostname')) c.expectValue('a host name');
      else break;
    }
    const security = secure ? (port === 25 || port === 587 || port === undefined ? 'starttls' : 'tls') : undefined;
    servers.push({
      host,
      ...(port !== undefined ? { port } : {}),
      ...(username !== undefined ? { username } : {}),
      ...(password !== undefined ? { password } : {}),
      ...(security ? { security } : {}),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    });
    // monit's own monitrc lists one server per line: `set mailserver a,\n b port 10025,\n localhost`.
  } while ((c.peek().type === 'word' || c.peek().type === 'string') && !atTopStatement(c.peek()));
  return servers.map((s) => (s.timeoutMs === undefined && sharedTimeout !== undefined ? { ...s, timeoutMs: sharedTimeout } : s));
}

/** `set httpd port N [address A] [ssl …] allow USER:PASS [read-only] | allow HOST/NET …`. */
function parseHttpd(c: Cursor): Httpd {
  let port = 2812;
  let address = '127.0.0.1';
  const allow: HttpAllow[] = [];
  let tls: { pemFile?: string; certFile?: string; keyFile?: string } | undefined;
  for (;;) {
    const t = c.peek();
    if (c.acceptWord('port')) port = c.expectInteger('a port number', 1, 65535);
    else if (c.acceptWord('address', 'bind')) address = c.expectValue('an address').text;
    else if (c.acceptWord('ssl', 'tls')) {
      tls = tls ?? {};
      if (c.acceptWord('disable', 'disabled')) tls = undefined;
      else c.acceptWord('enable', 'enabled');
      if (c.peek().type === '{') tls = { ...tls, ...parseHttpdSslBlock(c) };
    } else if (c.acceptWord('pemfile')) tls = { ...tls, pemFile: c.expectValue('a PEM file').text };
    else if (c.acceptWord('certfile', 'certificate')) tls = { ...tls, certFile: c.expectValue('a certificate file').text };
    else if (c.acceptWord('keyfile')) tls = { ...tls, keyFile: c.expectValue('a key file').text };
    else if (c.acceptWord('allow')) {
      const a = parseAllow(c);
      if (a) allow.push(a);
    } else if (c.acceptWord('signature', 'clientpemfile', 'allowselfcertification', 'unixsocket')) {
      c.warn(t.pos, `'${t.text}' in set httpd is not used by brokerwatch; ignored`);
      const v = c.peek();
      if (v.type !== 'eof' && !atTopStatement(v) && !(v.type === 'word' && ['allow', 'port', 'address', 'ssl'].includes(v.lower))) c.next();
    } else break;
  }
  if (address === 'localhost') address = '127.0.0.1';
  return { port, address, allow, ...(tls ? { tls } : {}) };
}

function parseHttpdSslBlock(c: Cursor): { pemFile?: string; certFile?: string; keyFile?: string } {
  const out: { pemFile?: string; certFile?: string; keyFile?: string } = {};
  c.next();
  while (!c.atEnd && c.peek().type !== '}') {
    const k = c.next().lower.replace(/:$/, '');
    if (k === 'pemfile') out.pemFile = c.expectValue('a PEM file').text;
    else if (k === 'certificatefile' || k === 'certfile') out.certFile = c.expectValue('a certificate file').text;
    else if (k === 'certificatekey' || k === 'keyfile') out.keyFile = c.expectValue('a key file').text;
  }
  if (c.peek().type === '}') c.next();
  return out;
}

function parseAllow(c: Cursor): HttpAllow | undefined {
  const t = c.expectValue('a user:password, host or network after allow');
  let text = t.text;
  // `allow admin:"pass word"`: the quoted password is glued to `admin:`.
  if (text.endsWith(':') && c.peek().type === 'string' && c.peek().glued) text += c.next().text;
  const readOnly = (): boolean => !!c.acceptWord('read-only', 'readonly');
  if (t.type === 'word' && (t.lower === 'md5' || t.lower === 'crypt' || t.lower === 'sha1' || t.lower === 'cleartext')) {
    c.warn(t.pos, `'allow ${t.text} FILE' (htpasswd files) is not supported by brokerwatch; write 'allow USER:PASSWORD'`);
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
