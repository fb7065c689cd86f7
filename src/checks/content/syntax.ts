// `if content = "REGEX"` / `if content != "REGEX"` (and monit's older `if match "REGEX"`,
// `if not match "REGEX"`, `if match /PATH`): lines appended to a file since the last cycle, or the
// output of a program, that match. Like monit's, each cycle with matching lines is one event (a
// one-shot, event type Content) whose message lists them; `ignore content|match …` drops lines first.
import { readFileSync } from 'node:fs';
import type { Cursor } from '../../config/cursor.js';
import { describe } from '../../config/cursor.js';
import type { Token } from '../../config/lexer.js';
import { acceptOperator } from '../../config/units.js';
import type { KindSyntax, Spelling } from '../kind.js';

/** The patterns of one content rule or `ignore` statement: `not` inverts (a line that does NOT match). */
export interface ContentPatterns {
  readonly not: boolean;
  /** One regex, or one per line of `file`. */
  readonly patterns: readonly string[];
  /** `match /PATH`: the file the patterns were read from (monit reads it once, when the rules load). */
  readonly file?: string;
}

export interface ContentCondition extends ContentPatterns {
  readonly kind: 'content';
}

/** POSIX bracket classes (monit's regexes are POSIX extended) in JavaScript's spelling. */
const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alnum: 'A-Za-z0-9',
  alpha: 'A-Za-z',
  blank: ' \\t',
  cntrl: '\\x00-\\x1f\\x7f',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\s',
  upper: 'A-Z',
  xdigit: '0-9A-Fa-f',
};

/** A monit (POSIX extended) regex as a JavaScript RegExp: `[[:digit:]]` and the like are translated. */
export function compilePattern(pattern: string): RegExp {
  return new RegExp(pattern.replace(/\[:([a-z]+):\]/g, (m, name: string) => POSIX_CLASSES[name] ?? m));
}

/**
 * Reads what follows `content` / `match` / `not match`: `= "REGEX"`, `!= "REGEX"`, `"REGEX"`, or an
 * unquoted `/PATH` whose lines are the patterns (empty lines skipped, as monit's addmatchpath does).
 * Shared by the rule and by the service's `ignore` statement.
 */
export function parseContentPatterns(c: Cursor): ContentPatterns {
  const first = c.next();
  let not = false;
  if (first.lower === 'content') {
    const at = c.peek();
    const op = acceptOperator(c);
    if (op !== '=' && op !== '!=') c.fail(at, `expected '=' or '!=' after 'content', found ${describe(at)}`);
    not = op === '!=';
  } else if (first.lower === 'not') {
    c.expectWord("'match' after 'not'", 'match');
    not = true;
  }
  const v = c.peek();
  if (v.type === 'word' && v.text.startsWith('/')) {
    c.next();
    return { not, patterns: patternsOfFile(c, v), file: v.text };
  }
  const s = c.expectString('a regular expression in double quotes, or the path of a file of them');
  checkPattern(c, s, s.text);
  return { not, patterns: [s.text] };
}

function patternsOfFile(c: Cursor, tok: Token): string[] {
  let text: string;
  try {
    text = readFileSync(tok.text, 'utf8');
  } catch (e) {
    c.fail(tok, `cannot read the regex match file ${tok.text}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const patterns = text.split('\n').filter((l) => l !== '');
  if (patterns.length === 0) c.fail(tok, `the regex match file ${tok.text} holds no pattern`);
  for (const p of patterns) checkPattern(c, tok, p);
  return patterns;
}

function checkPattern(c: Cursor, tok: Token, pattern: string): void {
  try {
    compilePattern(pattern);
  } catch (err) {
    c.fail(tok, `invalid regular expression "${pattern}": ${(err as Error).message}`);
  }
}

/** The patterns as the parser reads them back: `content = "R"`, `content != "R"`, or `[not] match /PATH`. */
export function printContentPatterns(p: ContentPatterns, s: Spelling): string {
  if (p.file !== undefined) return `${p.not ? 'not ' : ''}match ${p.file}`;
  return `content ${p.not ? '!=' : '='} ${s.quote(p.patterns[0] ?? '')}`;
}

export const contentSyntax: KindSyntax<ContentCondition> = {
  kind: 'content',
  claims: {
    if: ['content', 'match'],
    at: (c) => c.isWord('not') && c.peek(1).type === 'word' && c.peek(1).lower === 'match',
  },
  parse: (c) => ({ kind: 'content', ...parseContentPatterns(c) }),
  print: (c, s) => printContentPatterns(c, s),
  eventType: () => 'content',
  startGrace: false,
  oneShot: true,
  misplaced: (_c, type) =>
    type === 'file' || type === 'program'
      ? undefined
      : `'content' tests apply to 'check file' and 'check program' only, not to 'check ${type}'`,
  docs: {
    syntax:
      '`content = "REGEX"` · `content != "REGEX"` · `match "REGEX"` · `not match "REGEX"` · `[not] match /PATH` (one regex a line)',
    services: 'file (the lines appended since the last cycle), program (its output)',
    meaning:
      'some line matches (`!=`, `not`: some line does not); an event each cycle that has such lines, listing them. ' +
      'A file is read from where the last cycle stopped (kept across daemon restarts), from its end the first time, ' +
      'from its start after a rotation or truncation, at most 1 MB a cycle; `ignore content\\|match …` drops lines first',
    example: '`if content = "Error" then alert`',
  },
};
