// `if CONDITION [RATE] then ACTION [else if succeeded then ACTION]`: the condition is read by the
// check kind that claims its first word (checks/registry.ts), then rates and actions.
import { IgnoredRule, ignoreRule } from '../checks/kind.js';
import type { KindSyntax, ParseContext } from '../checks/kind.js';
import { SYNTAXES } from '../checks/registry.js';
import { splitCommand } from './lexer.js';
import type { Cursor } from './cursor.js';
import type { Token } from './lexer.js';
import { describe } from './cursor.js';
import type { Action, Command, Condition, Rate, ServiceType } from './model.js';
import { acceptOperator, parseDuration } from './units.js';

/** monit tests that load but that brokerwatch does not evaluate (a warning names them). */
const IGNORED_TESTS = new Set([
  'load',
  'disk',
  'packet',
  'packets',
  'filesystem',
  'network',
  'bytes',
  'byte',
  'total',
  'icmp',
  'access',
  'change',
  'nlink',
  'mountpoint',
  'open',
  'openfiles',
  'url',
  'euid',
  'security',
  'hardlink',
  'hardlinks',
  'atime',
  'ctime',
  'pagein',
  'pageout',
  'notmatch',
  'nomatch',
]);

type Claimed = ReadonlyMap<string, readonly KindSyntax<Condition>[]>;

/** True when K's claims hold in service type T. */
const holdsIn = (k: KindSyntax<Condition>, t: ServiceType): boolean => k.claims.types?.includes(t) ?? true;

/** True when two kinds' claims could both hold in one service type. */
function overlap(a: KindSyntax<Condition>, b: KindSyntax<Condition>): boolean {
  const ta = a.claims.types;
  const tb = b.claims.types;
  return !ta || !tb || ta.some((t) => tb.includes(t));
}

/** The kinds that claim each word, after `if` and after `if failed`, in registry order. */
function claimedWords(after: 'if' | 'failed'): Claimed {
  const m = new Map<string, KindSyntax<Condition>[]>();
  for (const k of SYNTAXES) {
    for (const w of k.claims[after] ?? []) {
      const others = m.get(w) ?? [];
      const other = others.find((o) => overlap(o, k));
      if (other) throw new Error(`'${w}' after '${after}' is claimed by both '${other.kind}' and '${k.kind}'`);
      m.set(w, [...others, k]);
    }
  }
  return m;
}

// Built on first use: the registry and the service types import each other's modules at load time.
let afterIf: Claimed | undefined;
let afterFailed: Claimed | undefined;
const claimsAfterIf = (): Claimed => (afterIf ??= claimedWords('if'));
const claimsAfterFailed = (): Claimed => (afterFailed ??= claimedWords('failed'));

/** Of the kinds claiming a word, the one for service type T; else the first (its `misplaced` explains). */
function pick(kinds: readonly KindSyntax<Condition>[] | undefined, t: ServiceType): KindSyntax<Condition> | undefined {
  return kinds?.find((k) => holdsIn(k, t)) ?? kinds?.[0];
}

/** The kind whose grammar starts right after `if` (a claim by shape first, then by word), if any. */
function claimant(c: Cursor, t: ServiceType): KindSyntax<Condition> | undefined {
  const byShape = pick(
    SYNTAXES.filter((k) => k.claims.at?.(c)),
    t,
  );
  if (byShape) return byShape;
  const w = c.peek();
  return w.type === 'word' ? pick(claimsAfterIf().get(w.lower), t) : undefined;
}

export interface RuleSyntax {
  readonly condition: Condition;
  readonly rate: Rate;
  readonly action: Action;
  readonly elseAction?: Action;
}

/** Parses after `if`. Returns undefined for a monit test brokerwatch ignores (already warned). */
export function parseIf(c: Cursor, serviceType: ServiceType): RuleSyntax | undefined {
  const first = c.peek();
  const inverted = first.type === 'word' && first.lower === 'succeeded';
  let condition: Condition | undefined;
  try {
    condition = parseCondition(c, serviceType);
  } catch (e) {
    if (!(e instanceof IgnoredRule)) throw e;
  }
  const rate = parseRate(c);
  c.expectWord("'then'", 'then');
  const actionTok = c.peek();
  const action = parseAction(c);
  if (action.kind === 'reboot' && serviceType !== 'system')
    c.error(actionTok.pos, "the 'reboot' action applies to 'check system' only");
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
        c.warn(
          rateTok.pos,
          "a rate after 'else if succeeded' is not used by brokerwatch; the recovery action runs at the first success",
        );
      }
      c.expectWord("'then'", 'then');
    }
    elseAction = parseAction(c);
  }
  if (!condition) return undefined;
  return { condition, rate, action, ...(elseAction ? { elseAction } : {}) };
}

/** The condition after `if`, read by the kind that claims it; throws IgnoredRule for ignored tests. */
function parseCondition(c: Cursor, serviceType: ServiceType): Condition {
  const kind = claimant(c, serviceType);
  if (kind) return kind.parse(c, { serviceType, after: 'if' });
  const t = c.peek();
  if (t.type === 'word' && t.lower === 'succeeded') {
    c.warn(
      t.pos,
      "'if succeeded …' (monit's inverted connection test) is not evaluated by brokerwatch; this rule is ignored",
    );
    ignoreRule(c);
  }
  if (t.type === 'word' && IGNORED_TESTS.has(t.lower)) {
    c.warn(t.pos, `'${t.text}' tests are not evaluated by brokerwatch; this rule is ignored`);
    ignoreRule(c);
  }
  if (t.type !== 'word')
    c.fail(t, `expected a test after 'if' (failed, not exist, cpu, memory, …), found ${describe(t)}`);
  if (t.lower === 'failed') {
    c.next();
    return parseFailed(c, { serviceType, after: 'failed' });
  }
  c.fail(
    t,
    `unknown test '${t.text}': expected failed, not exist, changed, cpu, memory, children, threads, uptime, status, timestamp, size, sys, or 'N restarts within M cycles'`,
  );
}

function parseFailed(c: Cursor, ctx: ParseContext): Condition {
  const t = c.peek();
  if (t.type !== 'word')
    c.fail(t, `expected a test after 'failed' (host, port, checksum, permission, uid, gid), found ${describe(t)}`);
  const kind = pick(claimsAfterFailed().get(t.lower), ctx.serviceType);
  if (kind) return kind.parse(c, ctx);
  if (IGNORED_TESTS.has(t.lower)) {
    c.warn(t.pos, `'failed ${t.text}' tests are not evaluated by brokerwatch; this rule is ignored`);
    ignoreRule(c);
  }
  c.fail(t, `unknown test 'failed ${t.text}': expected host, port, checksum, permission, uid or gid`);
}

/** `[for] N cycles` or `N [times] within M cycles` (the noise words are gone already). */
export function parseRate(c: Cursor): Rate {
  if (c.peek().type !== 'number') return { count: 1, cycles: 1 };
  const firstTok = c.peek();
  const first = c.expectInteger('a number of cycles', 1, 64);
  if (c.acceptWord('cycle', 'cycles')) return { count: first, cycles: first };
  const second = c.expectInteger("a number of cycles after 'within'", 1, 64);
  c.expectWord("'cycles'", 'cycle', 'cycles');
  if (first > second)
    c.fail(firstTok, `${first} times within ${second} cycles can never happen: the count must not exceed the cycles`);
  return { count: first, cycles: second };
}

/** Words that open the next statement: an action written on the next line is fine, these are not. */
const NEXT_STATEMENT = new Set([
  'if',
  'check',
  'set',
  'depends',
  'depend',
  'group',
  'mode',
  'every',
  'noalert',
  'onreboot',
  'backoff',
]);

/**
 * `alert | restart | start | stop | unmonitor | monitor | timeout |
 * exec "CMD" [as uid U] [timeout N s] [repeat every N cycles]`.
 */
export function parseAction(c: Cursor): Action {
  const t = c.peek();
  // An action on the next line means it is missing here, not unknown.
  if (t.type !== 'word' || (t.lineStart && NEXT_STATEMENT.has(t.lower)))
    c.fail(t, `expected an action (alert, restart, start, stop, unmonitor, exec), found ${describe(t)}`);
  switch (t.lower) {
    case 'alert':
    case 'restart':
    case 'start':
    case 'stop':
    case 'unmonitor':
    case 'monitor':
    case 'reboot':
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
      c.fail(t, `unknown action '${t.text}': expected alert, restart, start, stop, unmonitor, exec or reboot`);
  }
}

/** `"CMD" [as uid U] [and gid G] [with timeout N seconds]`, the command split into argv. */
export function parseCommand(c: Cursor, expected: string): Command {
  const first = c.peek();
  // monit also takes an unquoted path: `check program x with path /usr/local/bin/x.sh`.
  const tok = first.type === 'word' && first.text.startsWith('/') ? c.next() : c.expectString(expected);
  const argv = tok.type === 'string' ? splitCommand(tok.text) : [tok.text];
  if (argv.length === 0) c.fail(tok, 'the command is empty');
  c.refs.push({ kind: 'program', path: argv[0] as string, pos: tok.pos, required: false });
  let uid: string | number | undefined;
  let gid: string | number | undefined;
  let timeoutMs: number | undefined;
  for (;;) {
    if (c.acceptWord('uid')) uid = idOf(c, 'user', c.expectValue('a user name or id after uid'));
    else if (c.acceptWord('gid')) gid = idOf(c, 'group', c.expectValue('a group name or id after gid'));
    else if (c.acceptWord('timeout')) timeoutMs = parseDuration(c, 'timeout', 'seconds');
    else break;
  }
  return {
    argv,
    ...(uid !== undefined ? { uid } : {}),
    ...(gid !== undefined ? { gid } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  };
}

/** A user or group as written, noted for `-t`'s look at the user database. */
function idOf(c: Cursor, kind: 'user' | 'group', t: Token): string | number {
  c.refs.push({ kind, name: t.text, pos: t.pos });
  return idValue(t.text);
}

function idValue(text: string): string | number {
  return /^\d+$/.test(text) ? Number(text) : text;
}

export { acceptOperator };
