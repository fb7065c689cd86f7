// `check TYPE NAME …` and the statements of a service: programs, rules, dependencies, groups,
// modes, schedules, alerts, and brokerwatch's restart backoff.
import { validate as validateCron } from 'node-cron';
import type { Token } from './lexer.js';
import type { Cursor } from './cursor.js';
import { ParseAbort, describe } from './cursor.js';
import { parseContentPatterns } from '../checks/content/syntax.js';
import type {
  AlertRecipient,
  Backoff,
  Command,
  ContentPatterns,
  Rule,
  Schedule,
  Service,
  ServiceType,
  SourcePos,
} from './model.js';
import { DEFAULT_BACKOFF } from './model.js';
import { acceptBracketedAddress, parseAlertRecipient } from './parse-recipient.js';
import { parseCommand, parseIf } from './parse-rule.js';
import { SERVICE_TYPES, serviceTypeNamed } from './service-types.js';
import { parseDuration } from './units.js';

/** Words that start a statement inside a check block (used to resynchronise after an error). */
export const SERVICE_KEYWORDS: ReadonlySet<string> = new Set([
  'if',
  'start',
  'stop',
  'restart',
  'depends',
  'depend',
  'dependson',
  'group',
  'mode',
  'every',
  'not',
  'alert',
  'noalert',
  'onreboot',
  'backoff',
  'check',
  'set',
  'ignore',
]);

/** A parsed service with the positions the validator needs to name. */
export interface ParsedService {
  readonly service: Service;
  readonly dependsPos: ReadonlyMap<string, SourcePos>;
}

interface Draft {
  name: string;
  type: ServiceType;
  pos: SourcePos;
  pidfile?: string;
  matching?: string;
  address?: string;
  path?: string;
  program?: Command;
  interface?: string;
  start?: Command;
  stop?: Command;
  restart?: Command;
  rules: Rule[];
  dependsOn: string[];
  dependsPos: Map<string, SourcePos>;
  groups: string[];
  mode: Service['mode'];
  onReboot: Service['onReboot'];
  schedule: Schedule;
  alerts: AlertRecipient[];
  noAlerts: string[];
  backoff: Backoff;
  /** A host test brokerwatch ignores was written (`if failed ping`): monit takes the host as tested. */
  probed?: boolean;
  ignoreContent: ContentPatterns[];
}

/** True at a token where a new top-level or service statement may begin (resync point). */
export function atServiceStatement(t: Token): boolean {
  if (t.type === 'eof') return true;
  if (!t.lineStart || t.type !== 'word') return false;
  // A line that starts with a word no statement continues with is a statement of its own (perhaps
  // a wrong one, which then gets its own error instead of vanishing in the recovery).
  return SERVICE_KEYWORDS.has(t.lower) || !CONTINUATION_WORDS.has(t.lower);
}

/** Words a statement broken over several lines may continue with. */
const CONTINUATION_WORDS: ReadonlySet<string> = new Set([
  'then',
  'else',
  'timeout',
  'retry',
  'protocol',
  'proto',
  'port',
  'host',
  'address',
  'type',
  'ssl',
  'tls',
  'tcpssl',
  'ipv4',
  'ipv6',
  'username',
  'user',
  'password',
  'version',
  'clientid',
  'roundtrip',
  'qos',
  'topic',
  'separate',
  'cafile',
  'ca',
  'certfile',
  'keyfile',
  'servername',
  'verify',
  'responsetime',
  'request',
  'send',
  'expect',
  'hostheader',
  'content',
  'status',
  'checksum',
  'certificate',
  'uid',
  'gid',
  'repeat',
  'reminder',
  'mail-format',
  'cycle',
  'cycles',
  'alert',
  'restart',
  'start',
  'stop',
  'unmonitor',
  'monitor',
  'exec',
  'max',
  'maximum',
  'factor',
  'giveup',
  'cooldown',
  'reset',
  'slack',
  'retain',
  'retained',
  'pidfile',
  'matching',
  'path',
]);

/** Parses `check …` up to the next `check`, `set` or the end. */
export function parseCheck(c: Cursor): ParsedService {
  const checkTok = c.next();
  const types = Object.keys(SERVICE_TYPES);
  const aliases = Object.values(SERVICE_TYPES).flatMap((t) => ('aliases' in t ? t.aliases : []));
  const typeWord = c.expectWord(`a service type after check (${types.join(', ')})`, ...types, ...aliases);
  const type = serviceTypeNamed(typeWord.lower) as ServiceType;
  const nameTok = c.expectValue(`a service name after 'check ${type}'`);
  if (nameTok.text === '') c.error(nameTok.pos, `the name of 'check ${type}' is empty`);
  c.service = nameTok.text;
  const d: Draft = {
    name: nameTok.text,
    type,
    pos: checkTok.pos,
    rules: [],
    dependsOn: [],
    dependsPos: new Map(),
    groups: [],
    mode: 'active',
    onReboot: 'start',
    schedule: { kind: 'always' },
    alerts: [],
    noAlerts: [],
    backoff: DEFAULT_BACKOFF,
    ignoreContent: [],
  };
  const refsBefore = c.refs.length;
  try {
    SERVICE_TYPES[type].parseHeader(c, d, nameTok);
    // monit's -t fails when the program of `check program` does not exist (it runs only at start).
    if (type === 'program') for (const r of c.refs.slice(refsBefore)) if (r.kind === 'program') r.required = true;
  } catch (e) {
    // A broken header still lets the body be read, so its errors are reported too.
    if (!(e instanceof ParseAbort)) throw e;
    c.skipUntil(atServiceStatement);
  }

  const errorsBefore = c.diagnostics.filter((x) => x.severity === 'error').length;
  while (!c.atEnd && !c.isWord('check', 'set')) {
    const first = c.peek();
    try {
      parseStatement(c, d);
    } catch (e) {
      if (!(e instanceof ParseAbort)) throw e;
      // Resume at the next statement, which may begin at the token that failed (a missing value);
      // a statement that failed at its own first token skips it, so this always moves on.
      if (c.peek() === first) c.next();
      c.skipUntil(atServiceStatement);
    }
  }
  // A statement with an error (a port test written wrong) is reported as what it is, and the host is
  // not also said to have no test.
  const broken = c.diagnostics.filter((x) => x.severity === 'error').length > errorsBefore;
  if (d.type === 'host' && !broken && !d.probed && !d.rules.some((r) => PROBES.has(r.condition.kind)))
    c.error(
      d.pos,
      `'check host ${d.name}' has no port or ping test, so it would monitor nothing: add 'if failed port N then alert'`,
    );
  return finish(d);
}

/** Tests that reach a host: monit refuses a `check host` without one of them. */
const PROBES: ReadonlySet<string> = new Set(['port', 'sys', 'ping', 'bridge']);

/** `if failed ping|icmp …`: a host probed by echo requests (monit's old `icmp` form loads with a warning). */
function isPingTest(c: Cursor): boolean {
  const t = c.peek(c.isWord('failed') ? 1 : 0);
  return t.type === 'word' && ['ping', 'ping4', 'ping6', 'icmp'].includes(t.lower);
}

function parseStatement(c: Cursor, d: Draft): void {
  const t = c.peek();
  if (t.type !== 'word')
    c.fail(
      t,
      `expected a statement in 'check ${d.type} ${d.name}' (if, start, stop, depends, group, …), found ${describe(t)}`,
    );
  switch (t.lower) {
    case 'if': {
      c.next();
      if (isPingTest(c)) d.probed = true;
      const r = parseIf(c, d.type);
      if (r) d.rules.push({ id: `r${d.rules.length + 1}`, ...r, pos: t.pos });
      return;
    }
    case 'start':
    case 'stop':
    case 'restart':
      parseProgram(c, d, t.lower);
      return;
    case 'depends':
    case 'depend':
    case 'dependson':
      parseDepends(c, d);
      return;
    case 'group':
      c.next();
      d.groups.push(c.expectValue('a group name').text);
      return;
    case 'mode':
      c.next();
      d.mode = c.expectWord("'active', 'passive' or 'manual' after mode", 'active', 'passive', 'manual')
        .lower as Service['mode'];
      return;
    case 'onreboot':
      c.next();
      d.onReboot = c.expectWord("'start', 'nostart' or 'laststate' after onreboot", 'start', 'nostart', 'laststate')
        .lower as Service['onReboot'];
      return;
    case 'not':
    case 'every':
      d.schedule = parseSchedule(c);
      return;
    case 'alert':
      c.next();
      d.alerts.push(parseAlertRecipient(c));
      return;
    case 'noalert': {
      c.next();
      d.noAlerts.push(acceptBracketedAddress(c) ?? c.expectValue('a mail address after noalert').text);
      return;
    }
    case 'ignore':
      parseIgnore(c, d);
      return;
    case 'backoff':
      c.next();
      d.backoff = parseBackoff(c);
      return;
    default:
      c.fail(
        t,
        `unknown statement '${t.text}' in 'check ${d.type} ${d.name}': expected if, start, stop, restart, depends, group, mode, every, alert, noalert, onreboot or backoff`,
      );
  }
}

/** `ignore content = "R"`, `ignore content != "R"`, `ignore [not] match "R"|/PATH`: lines content rules skip. */
function parseIgnore(c: Cursor, d: Draft): void {
  const t = c.next();
  if (!c.isWord('content', 'match', 'not'))
    c.fail(c.peek(), `expected 'content' or 'match' after 'ignore', found ${describe(c.peek())}`);
  const what = c.peek().lower === 'content' ? 'content' : 'match';
  const p = parseContentPatterns(c);
  if (d.type !== 'file' && d.type !== 'program')
    c.fail(t, `'ignore ${what}' applies to 'check file' and 'check program' only`);
  d.ignoreContent.push(p);
}

/** `start program = "…"`, and stop and restart alike. */
function parseProgram(c: Cursor, d: Draft, which: 'start' | 'stop' | 'restart'): void {
  c.next();
  c.acceptOp();
  const cmd = parseCommand(c, `a command after '${which} program ='`);
  if (which === 'start') d.start = cmd;
  else if (which === 'stop') d.stop = cmd;
  else d.restart = cmd;
}

/** `depends on A, B`: service names up to the next statement, each kept once. */
function parseDepends(c: Cursor, d: Draft): void {
  c.next();
  let any = false;
  while (
    (c.peek().type === 'word' || c.peek().type === 'string') &&
    !(c.peek().type === 'word' && SERVICE_KEYWORDS.has(c.peek().lower))
  ) {
    const n = c.next();
    any = true;
    if (!d.dependsOn.includes(n.text)) {
      d.dependsOn.push(n.text);
      d.dependsPos.set(n.text, n.pos);
    }
  }
  if (!any) c.fail(c.peek(), `expected a service name after 'depends on', found ${describe(c.peek())}`);
}

/** `every N cycles`, `every "CRON"`, `not every "CRON"` (cron steps like `*\/5` are allowed). */
function parseSchedule(c: Cursor): Schedule {
  const negate = !!c.acceptWord('not');
  c.expectWord("'every'", 'every');
  const t = c.peek();
  if (t.type === 'number') {
    if (negate) c.fail(t, `'not every' takes a cron expression in quotes, found ${describe(t)}`);
    const every = c.expectInteger('a number of cycles', 1, 1_000_000);
    c.expectWord("'cycles'", 'cycle', 'cycles');
    return { kind: 'cycles', every };
  }
  const expr = c.expectString('a number of cycles or a cron expression');
  // No cron field takes 3 digits, and node-cron expands ranges into arrays: `0-99999999` would hang.
  if (/\d{3}/.test(expr.text) || !validateCron(expr.text))
    c.fail(expr, `invalid cron expression "${expr.text}": expected 5 fields, minute hour day month weekday`);
  return { kind: 'cron', expression: expr.text, negate };
}

/** `backoff DURATION [max DURATION] [factor N] [giveup N] [cooldown DURATION] [reset DURATION]`. */
function parseBackoff(c: Cursor): Backoff {
  const initialMs = parseDuration(c, 'backoff', 'seconds');
  let b: Backoff = { ...DEFAULT_BACKOFF, initialMs, maxMs: Math.max(DEFAULT_BACKOFF.maxMs, initialMs) };
  for (;;) {
    const t = c.peek();
    if (c.acceptWord('max', 'maximum')) b = { ...b, maxMs: parseDuration(c, 'max', 'seconds') };
    else if (c.acceptWord('factor')) {
      const f = c.expectNumber('a growth factor');
      if (f < 1 || f > 100) c.fail(t, `backoff factor ${f} is out of range (1–100)`);
      b = { ...b, factor: f };
    } else if (c.acceptWord('giveup')) {
      b = { ...b, giveUpAfter: c.expectInteger('a number of attempts after giveup', 1, 1000) };
      c.acceptWord('attempts', 'attempt', 'restarts');
    } else if (c.acceptWord('cooldown')) b = { ...b, cooldownMs: parseDuration(c, 'cooldown', 'seconds') };
    else if (c.acceptWord('reset')) b = { ...b, resetAfterMs: parseDuration(c, 'reset', 'seconds') };
    else break;
  }
  if (b.maxMs < b.initialMs) c.fail(c.peek(), 'backoff max must not be shorter than the initial delay');
  return b;
}

/**
 * The rule monit adds where a service type's subject can be missing and no rule says what then: a
 * process not running or a file system not mounted is restarted (a file system without a start
 * program, e.g. `mount`, can only be alerted on), a network interface that is gone or down alerts.
 */
function implicitRule(d: Draft): Rule | undefined {
  const has = (...kinds: string[]): boolean => d.rules.some((r) => kinds.includes(r.condition.kind));
  const base = { rate: { count: 1, cycles: 1 }, implicit: true, pos: d.pos } as const;
  const canStart = d.start !== undefined || d.restart !== undefined;
  if ((d.type === 'process' || d.type === 'filesystem') && !has('nonexist', 'exist')) {
    const action = d.type === 'process' || canStart ? 'restart' : 'alert';
    return { id: 'nonexist', condition: { kind: 'nonexist' }, action: { kind: action }, ...base };
  }
  if (d.type === 'network' && !has('link')) {
    return { id: 'link', condition: { kind: 'link', state: 'down' }, action: { kind: 'alert' }, ...base };
  }
  return undefined;
}

function finish(d: Draft): ParsedService {
  const rules = [...d.rules];
  const implicit = implicitRule(d);
  if (implicit) rules.unshift(implicit);
  const withHost =
    d.type === 'host'
      ? rules.map((r) =>
          r.condition.kind === 'port' && r.condition.host === ''
            ? { ...r, condition: { ...r.condition, host: d.address ?? '' } }
            : r,
        )
      : rules;
  const service: Service = {
    name: d.name,
    type: d.type,
    pos: d.pos,
    ...(d.pidfile !== undefined ? { pidfile: d.pidfile } : {}),
    ...(d.matching !== undefined ? { matching: d.matching } : {}),
    ...(d.address !== undefined ? { address: d.address } : {}),
    ...(d.path !== undefined ? { path: d.path } : {}),
    ...(d.program ? { program: d.program } : {}),
    ...(d.interface !== undefined ? { interface: d.interface } : {}),
    ...(d.start ? { start: d.start } : {}),
    ...(d.stop ? { stop: d.stop } : {}),
    ...(d.restart ? { restart: d.restart } : {}),
    rules: withHost,
    dependsOn: d.dependsOn,
    groups: d.groups,
    mode: d.mode,
    onReboot: d.onReboot,
    schedule: d.schedule,
    alerts: d.alerts,
    noAlerts: d.noAlerts,
    backoff: d.backoff,
    ...(d.ignoreContent.length > 0 ? { ignoreContent: d.ignoreContent } : {}),
  };
  return { service, dependsPos: d.dependsPos };
}
