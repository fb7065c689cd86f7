// `if CONDITION [RATE] then ACTION [else if succeeded then ACTION]`: monit's tests (the port test and
// the MQTT probe's options are in parse-port.ts), the `$SYS` extension, rates and actions.
import { splitCommand } from './lexer.js';
import type { Cursor } from './cursor.js';
import { ParseAbort, describe } from './cursor.js';
import type { Action, Command, Condition, Rate, ResourceKind, ServiceType } from './model.js';
import { parsePortTest } from './parse-port.js';
import { acceptOperator, expectOperator, isSizeUnit, operatorOrEqual, parseDuration, parseSize } from './units.js';

/** monit tests that load but that brokerwatch does not evaluate (a warning names them). */
const IGNORED_TESTS = new Set([
  'loadavg', 'load', 'swap', 'space', 'inode', 'inodes', 'read', 'write', 'service', 'disk', 'download', 'upload',
  'packet', 'packets', 'saturation', 'content', 'match', 'fsflags', 'fsflag', 'filesystem', 'network', 'link',
  'bytes', 'byte', 'total', 'ping', 'ping4', 'ping6', 'icmp', 'unixsocket', 'access', 'change', 'nlink',
  'mountpoint', 'filedescriptors', 'descriptors', 'open', 'openfiles', 'url', 'euid', 'security', 'hardlink',
  'hardlinks', 'servicetime', 'atime', 'ctime', 'pagein', 'pageout', 'notmatch', 'nomatch',
]);

/** What `changed` may test in monit beyond what brokerwatch evaluates (a warning names them). */
const IGNORED_CHANGES = new Set(['permission', 'perm', 'fsflag', 'fsflags', 'link', 'hardlink', 'hardlinks', 'atime', 'ctime', 'uid', 'gid']);

export interface RuleSyntax {
  readonly condition: Condition;
  readonly rate: Rate;
  readonly action: Action;
  readonly elseAction?: Action;
}

/** Parses after `if`. Returns undefined for a monit test brokerwatch ignores (already warned). */
export function parseIf(c: Cursor, serviceType: ServiceType): RuleSyntax | undefined {
  const first = c.peek();
  let condition: Condition | undefined;
  const inverted = first.type === 'word' && first.lower === 'succeeded';
  if (first.type === 'number' && isRestartsRule(c)) {
    condition = parseRestarts(c);
  } else if (first.type === 'word' && first.lower === 'total' && c.peek(1).type === 'word' && ['mem', 'memory', 'cpu'].includes(c.peek(1).lower)) {
    // monit's lexer reads `total memory` and `total cpu` as totalmemory and totalcpu.
    condition = parseResource(c);
  } else if (inverted) {
    c.warn(first.pos, "'if succeeded …' (monit's inverted connection test) is not evaluated by brokerwatch; this rule is ignored");
    skipToThen(c);
  } else if (first.type === 'word' && IGNORED_TESTS.has(first.lower)) {
    c.warn(first.pos, `'${first.text}' tests are not evaluated by brokerwatch; this rule is ignored`);
    skipToThen(c);
  } else {
    try {
      condition = parseCondition(c, serviceType);
    } catch (e) {
      if (!(e instanceof IgnoredRule)) throw e;
    }
  }
  const rate = parseRate(c);
  c.expectWord("'then'", 'then');
  const action = parseAction(c);
  let elseAction: Action | undefined;
  if (c.isWord('else')) {
    c.next();
    // monit takes `else ACTION` as well as `else if succeeded [RATE] then ACTION`.
    if (c.acceptWord('if')) {
      const words = inverted ? ['failed'] : ['succeeded', 'success', 'recovered', 'passed'];
      c.expectWord(inverted ? "'failed' after 'else if'" : "'succeeded' or 'recovered' after 'else if'", ...words);
      // monit allows a rate here (`else if succeeded 2 cycles then …`); the model has none for recovery.
      const rateTok = c.peek();
      if (rateTok.type === 'number') {
        parseRate(c);
        c.warn(rateTok.pos, "a rate after 'else if succeeded' is not used by brokerwatch; the recovery action runs at the first success");
      }
      c.expectWord("'then'", 'then');
    }
    elseAction = parseAction(c);
  }
  if (!condition) return undefined;
  return { condition, rate, action, ...(elseAction ? { elseAction } : {}) };
}

function isRestartsRule(c: Cursor): boolean {
  const t = c.peek(1);
  return t.type === 'word' && (t.lower === 'restart' || t.lower === 'restarts');
}

function parseRestarts(c: Cursor): Condition {
  const count = c.expectInteger('a restart count', 1, 1_000_000);
  c.next(); // restart(s)
  const cycles = c.expectInteger("a number of cycles after 'restarts within'", 1, 64);
  c.expectWord("'cycles'", 'cycle', 'cycles');
  if (count > cycles) c.warn(c.peek().pos, `${count} restarts within ${cycles} cycles can never happen; at most one restart runs per cycle`);
  return { kind: 'restarts', count, cycles };
}

function skipToThen(c: Cursor): void {
  c.skipUntil((t) => t.type === 'word' && t.lower === 'then');
}

function parseCondition(c: Cursor, serviceType: ServiceType): Condition {
  const t = c.peek();
  if (t.type !== 'word') c.fail(t, `expected a test after 'if' (failed, not exist, cpu, memory, …), found ${describe(t)}`);
  switch (t.lower) {
    case 'not':
    case 'non':
      c.next();
      c.expectWord("'exist' after 'not'", 'exist', 'exists');
      return { kind: 'nonexist' };
    case 'exist':
    case 'exists':
      c.next();
      return { kind: 'exist' };
    case 'failed':
      c.next();
      return parseFailed(c, serviceType);
    case 'changed':
      return parseChanged(c);
    case 'cpu':
    case 'totalcpu':
    case 'memory':
    case 'mem':
    case 'totalmemory':
    case 'totalmem':
    case 'children':
    case 'child':
    case 'threads':
    case 'thread':
      return parseResource(c);
    // monit's `operator` may be left out, and then means `=` (p.y: `operator : /* EMPTY */`).
    case 'uptime': {
      c.next();
      const op = operatorOrEqual(c);
      return { kind: 'uptime', op, ms: parseDuration(c, 'uptime', 'seconds') };
    }
    case 'status': {
      c.next();
      const op = operatorOrEqual(c);
      return { kind: 'status', op, value: c.expectInteger('an exit status', 0, 255) };
    }
    case 'timestamp':
    case 'time':
    case 'mtime':
    case 'modification': {
      // The modification time (`mtime`, `modification time`) is what brokerwatch's timestamp reads.
      c.next();
      if (t.lower === 'modification') c.acceptWord('time', 'timestamp');
      const op = operatorOrEqual(c);
      return { kind: 'timestamp', op, ms: parseDuration(c, 'timestamp', 'seconds') };
    }
    case 'size': {
      c.next();
      const op = operatorOrEqual(c);
      return { kind: 'size', op, bytes: parseSize(c, 'size') };
    }
    case 'sys':
      c.next();
      return parseSys(c);
    default:
      c.fail(t, `unknown test '${t.text}': expected failed, not exist, changed, cpu, memory, children, threads, uptime, status, timestamp, size, sys, or 'N restarts within M cycles'`);
  }
}

function parseFailed(c: Cursor, serviceType: ServiceType): Condition {
  const t = c.peek();
  if (t.type !== 'word') c.fail(t, `expected a test after 'failed' (host, port, checksum, permission, uid, gid), found ${describe(t)}`);
  switch (t.lower) {
    case 'host':
    case 'port':
    case 'address':
      return parsePortTest(c, serviceType);
    case 'checksum':
    case 'md5':
    case 'sha1':
    case 'sha256':
      return parseFailedChecksum(c);
    case 'permission':
    case 'perm': {
      c.next();
      const v = c.peek();
      if (v.type !== 'number' || !/^[0-7]{3,4}$/.test(v.text)) c.fail(v, `expected an octal mode such as 644 after 'permission', found ${describe(v)}`);
      c.next();
      return { kind: 'permission', mode: parseInt(v.text, 8) };
    }
    case 'uid':
      c.next();
      return { kind: 'uid', user: c.expectValue('a user name or id after uid').text };
    case 'gid':
      c.next();
      return { kind: 'gid', group: c.expectValue('a group name or id after gid').text };
    case 'status':
      c.next();
      return { kind: 'status', op: '!=', value: 0 };
    default:
      if (IGNORED_TESTS.has(t.lower)) {
        c.warn(t.pos, `'failed ${t.text}' tests are not evaluated by brokerwatch; this rule is ignored`);
        skipToThen(c);
        throw new IgnoredRule();
      }
      c.fail(t, `unknown test 'failed ${t.text}': expected host, port, checksum, permission, uid or gid`);
  }
}

/** Hex digits of each hash; monit infers the hash from an expected sum's length (p.y addchecksum). */
const HASH_DIGITS = { md5: 32, sha1: 40, sha256: 64 } as const;
const HASH_BY_LENGTH: Readonly<Record<number, keyof typeof HASH_DIGITS>> = { 32: 'md5', 40: 'sha1', 64: 'sha256' };

/**
 * `[md5|sha1|sha256] checksum [expect HASH]`: monit's hash type comes before the word. The expected
 * sum is kept as monit does (cleanup_hash_string): its hex digits, lower-cased, so `8F:7F:…` matches.
 */
function parseFailedChecksum(c: Cursor): Condition {
  // brokerwatch's printer writes the hash after the word (`failed checksum md5`); both read the same.
  const before = c.acceptWord('md5', 'sha1', 'sha256');
  const checksumTok = c.expectWord("'checksum'", 'checksum');
  const hashTok = before ?? c.acceptWord('md5', 'sha1', 'sha256');
  let algorithm = hashTok?.lower as keyof typeof HASH_DIGITS | undefined;
  let expect: string | undefined;
  if (c.acceptWord('expect')) {
    const tok = c.expectValue('a checksum after expect');
    let text = tok.text;
    // A sum whose letters follow its first digits lexes as number and unit (`12abcdef…`): one word again.
    while (c.peek().glued && (c.peek().type === 'word' || c.peek().type === 'number')) text += c.next().text;
    expect = text.replace(/[^0-9a-fA-F]/g, '').toLowerCase();
    const told = HASH_BY_LENGTH[expect.length];
    if (!algorithm && !told) c.fail(tok, `unknown checksum type "${text}": not MD5 (32 hex digits), SHA1 (40) or SHA256 (64)`);
    algorithm = algorithm ?? told;
    if (algorithm && expect.length !== HASH_DIGITS[algorithm]) c.fail(tok, `invalid ${algorithm.toUpperCase()} checksum "${text}": expected ${HASH_DIGITS[algorithm]} hex digits`);
  }
  if (algorithm === 'sha256') {
    c.warn((hashTok ?? checksumTok).pos, 'SHA256 checksums are not evaluated by brokerwatch (MD5 and SHA1 are); this rule is ignored');
    skipToThen(c);
    throw new IgnoredRule();
  }
  return { kind: 'checksum', ...(algorithm ? { algorithm } : {}), ...(expect ? { expect } : {}) };
}

/** Signals a recognised-but-ignored test; the caller still consumes rate and action. */
export class IgnoredRule extends ParseAbort {}

function parseChanged(c: Cursor): Condition {
  c.next();
  const ignored = c.peek();
  if (ignored.type === 'word' && IGNORED_CHANGES.has(ignored.lower)) {
    c.warn(ignored.pos, `'changed ${ignored.text}' tests are not evaluated by brokerwatch; this rule is ignored`);
    skipToThen(c);
    throw new IgnoredRule();
  }
  const w = c.expectWord(
    "'pid', 'ppid', 'checksum', 'timestamp', 'size' or 'status' after 'changed'",
    'pid', 'ppid', 'checksum', 'timestamp', 'time', 'mtime', 'size', 'status', 'md5', 'sha1', 'sha256',
  );
  // Any hash notices a change; brokerwatch's is MD5 whatever the rule names.
  const hashed = w.lower === 'md5' || w.lower === 'sha1' || w.lower === 'sha256';
  const what = hashed ? 'checksum' : w.lower === 'time' || w.lower === 'mtime' ? 'timestamp' : (w.lower as 'pid' | 'ppid' | 'checksum' | 'timestamp' | 'size' | 'status');
  if (hashed) c.expectWord("'checksum'", 'checksum');
  return { kind: 'changed', what };
}

function parseResource(c: Cursor): Condition {
  let t = c.next();
  // `total memory`, `total cpu` (monit's lexer joins them).
  if (t.lower === 'total') {
    const w = c.next();
    t = { ...w, text: `total ${w.text}`, lower: w.lower === 'cpu' ? 'totalcpu' : 'totalmemory' };
  }
  let resource: ResourceKind;
  switch (t.lower) {
    case 'cpu': {
      // `cpu (user)`, `cpu usage (us)`: the parentheses are blanks, `usage` a noise word.
      const sub = c.acceptWord('user', 'usr', 'us', 'system', 'sys', 'sy', 'wait', 'wa');
      const s = sub?.lower;
      resource = s === 'user' || s === 'usr' || s === 'us' ? 'cpuuser' : s === 'system' || s === 'sys' || s === 'sy' ? 'cpusystem' : 'cpu';
      if (sub && resource === 'cpu') c.warn(sub.pos, "'cpu wait' is a system test; it is read as process cpu");
      break;
    }
    case 'totalcpu':
      resource = 'totalcpu';
      break;
    case 'memory':
    case 'mem':
      resource = 'memory';
      break;
    case 'totalmemory':
    case 'totalmem':
      resource = 'totalmemory';
      break;
    case 'children':
    case 'child':
      resource = 'children';
      break;
    default:
      resource = 'threads';
  }
  const opTok = c.peek();
  const op = operatorOrEqual(c);
  // Messages name what was written: `after 'cpu >'`, or `after 'cpu'` when the operator was left out.
  const after = c.peek() !== opTok ? `${t.text} ${op}` : t.text;
  if (resource === 'children' || resource === 'threads') {
    return { kind: 'resource', resource, op, value: c.expectInteger(`a number of ${resource}`, 0, 10_000_000), unit: 'count' };
  }
  const isCpu = resource !== 'memory' && resource !== 'totalmemory';
  const numTok = c.peek();
  if (isCpu || (c.peek(1).type === 'word' && (c.peek(1).lower === '%' || c.peek(1).lower === 'percent'))) {
    const v = c.expectNumber(`a percentage after '${after}'`);
    if (!c.acceptWord('%', 'percent')) c.warn(numTok.pos, `bare number ${numTok.text} for ${t.text} is taken as a percentage; write '${numTok.text}%'`);
    if (v > (isCpu ? 100 * 1024 : 100)) c.fail(numTok, `${t.text} ${v}% is out of range`);
    return { kind: 'resource', resource, op, value: v, unit: '%' };
  }
  if (c.peek(1).type === 'word' && !isSizeUnit(c.peek(1).text) && c.peek(1).lower !== 'then') {
    c.fail(c.peek(1), `expected a size unit (B, kB, MB, GB) or % after ${numTok.text}, found ${describe(c.peek(1))}`);
  }
  return { kind: 'resource', resource, op, value: parseSize(c, t.text), unit: 'bytes' };
}

/** Extension: `sys "TOPIC" OP N`, `sys uptime reset`, `sys uptime stalled`, then `[host H] [port N]`. */
function parseSys(c: Cursor): Condition {
  let test: Extract<Condition, { kind: 'sys' }>['test'];
  const t = c.peek();
  if (t.type === 'string' || (t.type === 'word' && t.text.startsWith('$SYS/'))) {
    c.next();
    if (!t.text.startsWith('$SYS/')) c.fail(t, `a $SYS rule needs a topic under $SYS/, found "${t.text}"`);
    if (/[#+]/.test(t.text)) c.fail(t, `a $SYS rule needs one numeric topic without wildcards, found "${t.text}"`);
    const op = expectOperator(c, t.text);
    const numTok = c.peek();
    let value = c.expectNumber(`a number after '${t.text} ${op}'`);
    const unit = c.peek();
    if (unit.type === 'word' && isSizeUnit(unit.text)) {
      value = parseSizeFrom(c, numTok.text);
    }
    if (!Number.isFinite(value)) c.fail(numTok, `${t.text} threshold ${numTok.text} is out of range`);
    test = { kind: 'threshold', topic: t.text, op, value };
  } else if (c.acceptWord('uptime')) {
    const w = c.expectWord("'reset' or 'stalled' after 'sys uptime'", 'reset', 'backwards', 'stalled', 'stale', 'frozen');
    test = w.lower === 'reset' || w.lower === 'backwards' ? { kind: 'uptime-reset' } : { kind: 'uptime-stalled' };
  } else {
    c.fail(t, `expected a "$SYS/…" topic or 'uptime' after 'sys', found ${describe(t)}`);
  }
  let host: string | undefined;
  let port: number | undefined;
  for (;;) {
    if (c.acceptWord('host')) host = c.expectValue('a host').text;
    else if (c.acceptWord('port')) port = c.expectInteger('a port number', 1, 65535);
    else break;
  }
  return { kind: 'sys', test, ...(host ? { host } : {}), ...(port ? { port } : {}) };
}

function parseSizeFrom(c: Cursor, numText: string): number {
  const unit = c.next();
  return Math.round(Number(numText) * sizeFactor(unit.lower));
}

function sizeFactor(u: string): number {
  const k = u.startsWith('k') ? 1 : u.startsWith('m') ? 2 : u.startsWith('g') ? 3 : u.startsWith('t') ? 4 : 0;
  return 1024 ** k;
}

/** `[for] N cycles` or `N [times] within M cycles` (the noise words are gone already). */
export function parseRate(c: Cursor): Rate {
  if (c.peek().type !== 'number') return { count: 1, cycles: 1 };
  const firstTok = c.peek();
  const first = c.expectInteger('a number of cycles', 1, 64);
  if (c.acceptWord('cycle', 'cycles')) return { count: first, cycles: first };
  const second = c.expectInteger("a number of cycles after 'within'", 1, 64);
  c.expectWord("'cycles'", 'cycle', 'cycles');
  if (first > second) c.fail(firstTok, `${first} times within ${second} cycles can never happen: the count must not exceed the cycles`);
  return { count: first, cycles: second };
}

/** Words that open the next statement: an action written on the next line is fine, these are not. */
const NEXT_STATEMENT = new Set(['if', 'check', 'set', 'depends', 'depend', 'group', 'mode', 'every', 'noalert', 'onreboot', 'backoff']);

/** `alert | restart | start | stop | unmonitor | monitor | timeout | exec "CMD" [as uid U] [timeout N s] [repeat every N cycles]`. */
export function parseAction(c: Cursor): Action {
  const t = c.peek();
  // An action on the next line means it is missing here, not unknown.
  if (t.type !== 'word' || (t.lineStart && NEXT_STATEMENT.has(t.lower))) c.fail(t, `expected an action (alert, restart, start, stop, unmonitor, exec), found ${describe(t)}`);
  switch (t.lower) {
    case 'alert':
    case 'restart':
    case 'start':
    case 'stop':
    case 'unmonitor':
    case 'monitor':
      c.next();
      return { kind: t.lower };
    case 'timeout':
      c.next();
      return { kind: 'unmonitor' };
    case 'exec': {
      c.next();
      const command = parseCommand(c, 'a command after exec');
      let repeatEvery: number | undefined;
      if (c.acceptWord('repeat')) {
        c.expectWord("'every' after 'repeat'", 'every');
        // monit: `repeat every cycle` means every 1 cycle.
        repeatEvery = c.isWord('cycle', 'cycles') ? 1 : c.expectInteger('a number of cycles', 1, 1_000_000);
        c.expectWord("'cycles'", 'cycle', 'cycles');
      }
      return { kind: 'exec', command, ...(repeatEvery ? { repeatEvery } : {}) };
    }
    default:
      c.fail(t, `unknown action '${t.text}': expected alert, restart, start, stop, unmonitor or exec`);
  }
}

/** `"CMD" [as uid U] [and gid G] [with timeout N seconds]`, the command split into argv. */
export function parseCommand(c: Cursor, expected: string): Command {
  const first = c.peek();
  // monit also takes an unquoted path: `check program x with path /usr/local/bin/x.sh`.
  const tok = first.type === 'word' && first.text.startsWith('/') ? c.next() : c.expectString(expected);
  const argv = tok.type === 'string' ? splitCommand(tok.text) : [tok.text];
  if (argv.length === 0) c.fail(tok, 'the command is empty');
  let uid: string | number | undefined;
  let gid: string | number | undefined;
  let timeoutMs: number | undefined;
  for (;;) {
    if (c.acceptWord('uid')) uid = idValue(c.expectValue('a user name or id after uid').text);
    else if (c.acceptWord('gid')) gid = idValue(c.expectValue('a group name or id after gid').text);
    else if (c.acceptWord('timeout')) timeoutMs = parseDuration(c, 'timeout', 'seconds');
    else break;
  }
  return { argv, ...(uid !== undefined ? { uid } : {}), ...(gid !== undefined ? { gid } : {}), ...(timeoutMs !== undefined ? { timeoutMs } : {}) };
}

function idValue(text: string): string | number {
  return /^\d+$/.test(text) ? Number(text) : text;
}

export { acceptOperator };
