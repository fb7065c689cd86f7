// The parser: tokens → Config. Every error is recorded and parsing resumes at the next statement,
// so one run reports all errors of a file. monit statements that brokerwatch does not implement
// are warnings, so a real monitrc loads.
import type { Diagnostic } from './diagnostics.js';
import type { EnvRef } from './environment.js';
import type { Token } from './lexer.js';
import { expectMailHost } from './credentials.js';
import { Cursor, ParseAbort, atTopStatement, describe } from './cursor.js';
import type { AlertRecipient, Command, Config, Httpd, Limits, MailFormat, MailServer, MailServerTls } from './model.js';
import { DEFAULT_CYCLE_MS } from './model.js';
import { parseLimits, withLimitDefaults } from './parse-limits.js';
import { parseAlertRecipient, parseMailFormat } from './parse-recipient.js';
import type { ParsedService } from './parse-service.js';
import { parseCheck } from './parse-service.js';
import { parseCommand } from './parse-rule.js';
import type { SslOptions } from './parse-ssl.js';
import { isSslVersionWord, noteSslFiles, parseSslBlock } from './parse-ssl.js';
import { parseHttpd } from './parse-httpd.js';
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
