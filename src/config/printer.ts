// The printer: a Config back as a canonical rules file in brokerwatch's own syntax, so that
// `parseRules(printConfig(c))` gives `c` again (positions and the file list aside). It also serves
// `brokerwatch -t -v`, which shows the file as brokerwatch understood it: `set` statements first,
// one blank line between services, units spelled out, defaults that matter written out.
//
// Every model the parser produces can be printed. A model built by hand can hold values the
// language cannot express; those are printed as closely as possible (never an exception), and
// reading the output back gives a different model:
// - an argv element containing `'`: a command is split like monit's, with no escape for a single
//   quote, so the parser never produces one;
// - a mail-format value containing `}`, a from/reply-to/subject value with a line break or
//   surrounding blanks, a message ending in blanks or holding a line that starts with `from:`,
//   `reply-to:`, `subject:` or `message:` (the block is free text up to the first `}`);
// - numbers that are negative, NaN or infinite (the language has only unsigned decimals); a uid/gid
//   that is a string of digits (read back as a number) or a non-integer number;
// - a value holding a line break followed by a line that starts with a statement word (check, set, if,
//   start, …): a quoted string may run over lines, but it ends before such a line;
// - anything the parser derives rather than reads: a mail server with TLS options but no `security`
//   (they are kept only where TLS is used), TLS that is disabled or (for mqtt alerts) has more than
//   a CA file, a `localhost` httpd address (read as
//   127.0.0.1), a process check with both or neither of pidfile and matching, an mqtt port test
//   without `protocol mqtt`, an `all` alert filter with events, an empty port-test host in a host
//   check (filled with its address), an empty pidfile/statefile/protocol/sys host/checksum, rule
//   ids other than r1, r2, … (they are positional);
// - values the parser rejects: out of range, an invalid cron expression, regex or URL;
// - an mqtt alert topic with `.` or `..` levels or lone surrogates, or a host that a URL cannot
//   hold verbatim (non-ASCII, non-canonical IPv6), or an empty host with a non-default port;
// - an `allow` user starting with `@` or without a password, or whose `user:password` reads as an
//   IP address.
import { printMailFormat } from '../alerts/channels/mail/format-syntax.js';
import type { TargetPrinter } from '../alerts/channels/contract.js';
import { syntaxOf as channelOf } from '../alerts/channels/registry.js';
import type { Spelling } from '../checks/kind.js';
import { printContentPatterns } from '../checks/content/syntax.js';
import { printFleet } from '../fleet/syntax.js';
import { syntaxOf } from '../checks/registry.js';
import { NOISE_WORDS } from './lexer.js';
import type {
  Action,
  AlertFilter,
  AlertRecipient,
  Backoff,
  Command,
  Condition,
  Config,
  HttpAllow,
  Httpd,
  MailServer,
  MailServerTls,
  Rate,
  Rule,
  Service,
} from './model.js';
import { DEFAULT_BACKOFF } from './model.js';
import { printLimits } from './parse-limits.js';
import { SERVICE_KEYWORDS } from './parse-service.js';
import { serviceTypeOf } from './service-types.js';
import { printMMonit } from '../mmonit/syntax.js';
import { HTTPD_OPTION_WORDS } from './parse-httpd.js';

export interface PrintOptions {
  /** Print `********` instead of passwords (httpd, mail servers, MQTT tests and alert targets). */
  readonly maskSecrets?: boolean;
  /**
   * `-t -v`: each service also says, in comments, the rules monit implies that brokerwatch adds too,
   * and NOTES of that service's name (what was read but is not watched, and why).
   */
  readonly explain?: { readonly notes: ReadonlyMap<string, readonly string[]> };
}

/** What a masked secret prints as. */
export const MASK = '********';

/** Prints a model as a rules file that the parser reads back into the same model. */
export function printConfig(config: Config, options: PrintOptions = {}): string {
  const p = new Printer(options.maskSecrets ?? false, options.explain?.notes);
  const sections: string[][] = [
    p.settings(config),
    p.alerting(config),
    config.httpd ? p.httpd(config.httpd) : [],
    config.fleet ? [p.fleet(config.fleet)] : [],
    ...config.services.map((s) => p.service(s)),
  ];
  return `${sections
    .filter((s) => s.length > 0)
    .map((s) => s.join('\n'))
    .join('\n\n')}\n`;
}

/** Words the lexer treats specially wherever they stand. */
const LEXER_WORDS: ReadonlySet<string> = new Set([...NOISE_WORDS, 'include', 'mail-format']);

/**
 * Words a bare value must not be: the lexer's, the service keywords that end a `depends on` list,
 * and `syslog` after `set log`. Everywhere else a value is taken whatever word it is.
 */
const RESERVED: ReadonlySet<string> = new Set([...LEXER_WORDS, ...SERVICE_KEYWORDS, 'syslog', 'then', 'else']);

/** The lexer's number shapes: such text would not come back as one word. */
const NUMBERISH = /^\d+(?:\.\d+)?(?:[a-zA-Z%]+)?$/;
/** Characters that never end a word or start something else. */
const WORD_CHARS = /^[A-Za-z0-9_./@+:*-]+$/;

function lexesAsWord(s: string): boolean {
  return WORD_CHARS.test(s) && !NUMBERISH.test(s);
}

/** A string in double quotes; the lexer knows two escapes, `\"` and `\\`. */
export function quote(s: string): string {
  return `"${s.replace(/[\\"]/g, '\\$&')}"`;
}

/**
 * How a mail server's security is written so that it reads back the same without a warning: `tls`
 * means STARTTLS on 25, 587 or no port and implicit TLS on 465; other ports say which.
 */
function securityWord(m: MailServer): string {
  const plain = m.port === undefined || m.port === 25 || m.port === 587;
  if (m.security === 'tls') return m.port === 465 ? 'tls' : 'implicit tls';
  return plain ? 'tls' : 'starttls';
}

/** monit's SSL options block for a mail server. */
function sslOptions(t: MailServerTls): string {
  const p: string[] = [];
  if (t.verify !== undefined) p.push(`verify: ${t.verify ? 'enable' : 'disable'}`);
  if (t.allowSelfSigned !== undefined) p.push(`selfsigned: ${t.allowSelfSigned ? 'allow' : 'reject'}`);
  if (t.caFile !== undefined) p.push(`cacertificatefile: ${quote(t.caFile)}`);
  if (t.caPath !== undefined) p.push(`cacertificatepath: ${quote(t.caPath)}`);
  return `{ ${p.join(', ')} }`;
}

/** A name, path or address: bare when that is unambiguous everywhere, quoted otherwise. */
function word(s: string): string {
  return lexesAsWord(s) && !RESERVED.has(s.toLowerCase()) ? s : quote(s);
}

/** A non-negative number in plain decimals (the lexer has no exponent notation). */
export function plainNumber(n: number): string {
  const s = String(n);
  const m = /^(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const int = m[1] as string;
  const digits = int + (m[2] ?? '');
  const point = int.length + Number(m[3]);
  if (point <= 0) return `0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return digits + '0'.repeat(point - digits.length);
  return `${digits.slice(0, point)}.${digits.slice(point)}`;
}

const DURATION_STEPS: readonly (readonly [number, string, string])[] = [
  [86_400_000, 'day', 'days'],
  [3_600_000, 'hour', 'hours'],
  [60_000, 'minute', 'minutes'],
  [1000, 'second', 'seconds'],
];

/** Milliseconds in the largest unit that keeps them exact: `30 seconds`, `1500 ms`. */
export function duration(ms: number): string {
  if (ms === 0) return '0 seconds';
  if (Number.isSafeInteger(ms) && ms > 0) {
    for (const [f, one, many] of DURATION_STEPS) if (ms % f === 0) return `${ms / f} ${ms === f ? one : many}`;
  }
  return `${plainNumber(ms)} ms`;
}

const SIZE_STEPS: readonly (readonly [number, string])[] = [
  [1024 ** 4, 'TB'],
  [1024 ** 3, 'GB'],
  [1024 ** 2, 'MB'],
  [1024, 'kB'],
];

/** Bytes in the largest 1024-based unit that keeps them exact: `512 MB`, `100 B`. */
export function size(bytes: number): string {
  if (Number.isSafeInteger(bytes) && bytes > 0) {
    for (const [f, unit] of SIZE_STEPS) if (bytes % f === 0) return `${bytes / f} ${unit}`;
  }
  return `${plainNumber(bytes)} B`;
}

function cycles(n: number): string {
  return `${n} ${n === 1 ? 'cycle' : 'cycles'}`;
}

/**
 * A command string that `splitCommand` turns back into `argv`: arguments with whitespace (or
 * empty ones) in single quotes. An argument holding `'` cannot be written (see the file header).
 */
export function commandString(argv: readonly string[]): string {
  return quote(argv.map((a) => (a === '' || /\s/.test(a) ? `'${a}'` : a)).join(' '));
}

function id(v: string | number): string {
  return typeof v === 'number' ? plainNumber(v) : word(v);
}

function command(cmd: Command): string {
  let s = commandString(cmd.argv);
  if (cmd.uid !== undefined) s += ` as uid ${id(cmd.uid)}`;
  if (cmd.gid !== undefined) s += `${cmd.uid !== undefined ? ' and' : ' as'} gid ${id(cmd.gid)}`;
  if (cmd.timeoutMs !== undefined) s += ` with timeout ${duration(cmd.timeoutMs)}`;
  return s;
}

function rate(r: Rate): string {
  if (r.count === r.cycles) return r.count === 1 ? '' : ` for ${cycles(r.count)}`;
  return ` ${r.count} times within ${cycles(r.cycles)}`;
}

function filter(f: AlertFilter): string {
  if (f.mode === 'all') return '';
  const set = f.events.length > 0 ? `{ ${f.events.join(', ')} }` : '{ }';
  return f.mode === 'only' ? ` on ${set}` : ` not on ${set}`;
}

/** Prints with a fixed choice about secrets; one method per part of the model. */
class Printer {
  /** What each check kind's print piece spells values with. */
  readonly #spelling: Spelling;
  /** The helpers an alert channel prints its target with. */
  private readonly targets: TargetPrinter;
  /** `-t -v`'s notes by service name; undefined when printing rules only. */
  readonly #notes: ReadonlyMap<string, readonly string[]> | undefined;

  constructor(
    private readonly mask: boolean,
    notes?: ReadonlyMap<string, readonly string[]>,
  ) {
    this.#notes = notes;
    this.targets = { word, quote, duration, command, ...(mask ? { mask: MASK } : {}) };
    this.#spelling = {
      word,
      quote,
      number: plainNumber,
      duration,
      size,
      command,
      secret: (s) => this.secret(s),
      isLexerWord: (s) => LEXER_WORDS.has(s),
    };
  }

  private secret(s: string): string {
    return this.mask ? MASK : word(s);
  }

  settings(c: Config): string[] {
    const out = [
      `set daemon ${duration(c.daemon.cycleMs)}${c.daemon.startDelayMs ? ` with start delay ${duration(c.daemon.startDelayMs)}` : ''}`,
    ];
    if (c.log?.kind === 'file') out.push(`set log ${word(c.log.path)}`);
    else if (c.log)
      out.push(`set log syslog${c.log.facility !== undefined ? ` facility ${word(c.log.facility)}` : ''}`);
    if (c.pidfile !== undefined) out.push(`set pidfile ${word(c.pidfile)}`);
    if (c.pidfileGraceMs !== undefined) out.push(`set pidfile grace ${duration(c.pidfileGraceMs)}`);
    if (c.statefile !== undefined) out.push(`set statefile ${word(c.statefile)}`);
    if (c.idfile !== undefined) out.push(`set idfile ${word(c.idfile)}`);
    if (c.mmonit) out.push(printMMonit(c.mmonit, this.targets));
    if (c.limits) out.push(printLimits(c.limits, size, duration));
    if (c.rebootProgram) out.push(`set reboot program = ${this.#spelling.command(c.rebootProgram)}`);
    if (c.eventQueue) {
      const q = c.eventQueue;
      out.push(
        `set eventqueue${q.basedir !== undefined ? ` basedir ${word(q.basedir)}` : ''}${q.slots !== undefined ? ` slots ${q.slots}` : ''}`,
      );
    }
    return out;
  }

  alerting(c: Config): string[] {
    const out = c.mailServers.map((m) => `set mailserver ${this.mailServer(m)}`);
    if (c.mailFormat) out.push(`set ${printMailFormat(c.mailFormat, '')}`);
    for (const a of c.alerts) out.push(`set alert ${this.recipient(a, '')}`);
    return out;
  }

  /** One server per statement, so a timeout is never shared with the next one. */
  private mailServer(m: MailServer): string {
    let s = word(m.host);
    if (m.port !== undefined) s += ` port ${m.port}`;
    if (m.username !== undefined) s += ` username ${word(m.username)}`;
    if (m.password !== undefined) s += ` password ${this.secret(m.password)}`;
    if (m.security) s += ` using ${securityWord(m)}${m.tls ? ` ${sslOptions(m.tls)}` : ''}`;
    if (m.timeoutMs !== undefined) s += ` with timeout ${duration(m.timeoutMs)}`;
    if (m.heloName !== undefined) s += ` hostname ${word(m.heloName)}`;
    return s;
  }

  httpd(h: Httpd): string[] {
    // Without TCP (`unixsocket` alone) neither port nor address is written: either would turn TCP on.
    const out = [
      h.tcp === false
        ? 'set httpd'
        : `set httpd port ${h.port}${h.tcpReadOnly ? ' read-only' : ''} address ${word(h.address)}`,
    ];
    if (h.unixSocket) out.push(`  ${unixSocket(h.unixSocket)}`);
    if (h.tls) {
      const t = h.tls;
      out.push(
        `  ssl enable${t.pemFile !== undefined ? ` pemfile ${word(t.pemFile)}` : ''}${t.certFile !== undefined ? ` certfile ${word(t.certFile)}` : ''}${t.keyFile !== undefined ? ` keyfile ${word(t.keyFile)}` : ''}`,
      );
    }
    for (const a of h.allow) out.push(`  allow ${this.allow(a)}${a.readOnly ? ' read-only' : ''}`);
    return out;
  }

  private allow(a: HttpAllow): string {
    // Only the file and the users it admits: its hashes and passwords are not the rules' to print.
    if (a.kind === 'htpasswd') return [a.digest, word(a.file), ...a.users.map(userWord)].join(' ');
    if (a.kind === 'net') {
      const lower = a.cidr.toLowerCase();
      const keyword = LEXER_WORDS.has(lower) || ['md5', 'crypt', 'sha1', 'cleartext'].includes(lower);
      return lexesAsWord(a.cidr) && !keyword ? a.cidr : quote(a.cidr);
    }
    const text = `${a.user}:${this.mask ? MASK : a.password}`;
    return lexesAsWord(text) ? text : quote(text);
  }

  fleet(f: NonNullable<Config['fleet']>): string {
    return printFleet(f, this.#spelling);
  }

  /** A recipient: its channel prints the target and any clause of its own (mail's mail-format). */
  private recipient(r: AlertRecipient, indent: string): string {
    const channel = channelOf(r.target);
    let s = channel.print(r.target, this.targets) + filter(r.filter);
    if (r.reminderCycles > 0) s += ` with reminder on ${cycles(r.reminderCycles)}`;
    const clause = channel.clause?.print(r.target, indent);
    if (clause !== undefined) s += ` ${clause}`;
    return s;
  }

  service(s: Service): string[] {
    const out = [`check ${s.type} ${word(s.name)} ${serviceTypeOf(s.type).printHeader(s, this.#spelling)}`.trimEnd()];
    if (s.start) out.push(`  start program = ${command(s.start)}`);
    if (s.stop) out.push(`  stop program = ${command(s.stop)}`);
    if (s.restart) out.push(`  restart program = ${command(s.restart)}`);
    // An implicit rule (`if does not exist then restart`) is not printed: the parser adds it again.
    for (const r of s.rules) {
      if (!r.implicit) out.push(`  ${this.rule(r)}`);
      else if (this.#notes) out.push(`  # implied, as in monit: ${this.rule(r)}`);
    }
    for (const p of s.ignoreContent ?? []) out.push(`  ignore ${printContentPatterns(p, this.#spelling)}`);
    const b = backoff(s.backoff);
    if (b) out.push(`  ${b}`);
    if (s.dependsOn.length > 0) out.push(`  depends on ${s.dependsOn.map(word).join(', ')}`);
    for (const g of s.groups) out.push(`  group ${word(g)}`);
    if (s.mode !== 'active') out.push(`  mode ${s.mode}`);
    if (s.onReboot !== 'start') out.push(`  onreboot ${s.onReboot}`);
    if (s.schedule.kind === 'cycles') out.push(`  every ${cycles(s.schedule.every)}`);
    else if (s.schedule.kind === 'cron')
      out.push(`  ${s.schedule.negate ? 'not ' : ''}every ${quote(s.schedule.expression)}`);
    for (const a of s.alerts) out.push(`  alert ${this.recipient(a, '  ')}`);
    for (const n of s.noAlerts) out.push(`  noalert ${word(n)}`);
    for (const note of this.#notes?.get(s.name) ?? []) out.push(`  # not watched: ${note}`);
    return out;
  }

  private rule(r: Rule): string {
    const otherwise = r.elseAction ? ` else if succeeded then ${action(r.elseAction)}` : '';
    return `if ${this.condition(r.condition)}${rate(r.rate)} then ${action(r.action)}${otherwise}`;
  }

  private condition(c: Condition): string {
    return syntaxOf(c).print(c, this.#spelling);
  }
}

function action(a: Action): string {
  if (a.kind !== 'exec') return a.kind;
  return `exec ${command(a.command)}${a.repeatEvery ? ` repeat every ${cycles(a.repeatEvery)}` : ''}`;
}

/** `backoff …` when it differs from the default; the initial delay and the maximum always. */
function backoff(b: Backoff): string | undefined {
  const d = DEFAULT_BACKOFF;
  const same =
    b.initialMs === d.initialMs &&
    b.maxMs === d.maxMs &&
    b.factor === d.factor &&
    b.giveUpAfter === d.giveUpAfter &&
    b.cooldownMs === d.cooldownMs &&
    b.resetAfterMs === d.resetAfterMs;
  if (same) return undefined;
  let s = `backoff ${duration(b.initialMs)} max ${duration(b.maxMs)}`;
  if (b.factor !== d.factor) s += ` factor ${plainNumber(b.factor)}`;
  if (b.giveUpAfter !== d.giveUpAfter) s += ` giveup ${b.giveUpAfter}`;
  if (b.cooldownMs !== d.cooldownMs) s += ` cooldown ${duration(b.cooldownMs)}`;
  if (b.resetAfterMs !== d.resetAfterMs) s += ` reset ${duration(b.resetAfterMs)}`;
  return s;
}

/** `unixsocket PATH [uid U] [gid G] [permission 0MODE] [read-only]`. */
function unixSocket(u: NonNullable<Httpd['unixSocket']>): string {
  let s = `unixsocket ${word(u.path)}`;
  if (u.uid !== undefined) s += ` uid ${word(u.uid)}`;
  if (u.gid !== undefined) s += ` gid ${word(u.gid)}`;
  if (u.permission !== undefined) s += ` permission 0${u.permission.toString(8)}`;
  return u.readOnly ? `${s} read-only` : s;
}

/** A user of an htpasswd file: quoted where it would read as an option of `set httpd` or a keyword. */
function userWord(u: string): string {
  const lower = u.toLowerCase();
  const option = HTTPD_OPTION_WORDS.has(lower) || lower === 'set' || lower === 'check';
  return option || LEXER_WORDS.has(lower) || !lexesAsWord(u) ? quote(u) : u;
}
