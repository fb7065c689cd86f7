// Units of the rules language: durations, sizes and percentages, always normalised to ms and bytes.
import type { Cursor } from './cursor.js';
import { describe } from './cursor.js';
import type { Token } from './lexer.js';
import type { Operator } from './model.js';

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  millisecond: 1,
  milliseconds: 1,
  s: 1000,
  sec: 1000,
  secs: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
};

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  byte: 1,
  bytes: 1,
  k: 1024,
  kb: 1024,
  kilobyte: 1024,
  kilobytes: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  megabyte: 1024 ** 2,
  megabytes: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gigabyte: 1024 ** 3,
  gigabytes: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1024 ** 4,
  terabyte: 1024 ** 4,
  terabytes: 1024 ** 4,
};

export const DURATION_WORDS = Object.keys(DURATION_UNITS);
export const SIZE_WORDS = Object.keys(SIZE_UNITS);

/**
 * A duration: `N unit`. A bare number keeps monit's meaning (`bare`, usually seconds) and, when
 * `warnBare` is set, earns a warning that names the unit it was taken in.
 */
export function parseDuration(c: Cursor, what: string, bare: 'seconds' | 'minutes' | 'ms', warnBare = true): number {
  const numTok = c.peek();
  const n = c.expectNumber(`a duration for ${what}`);
  const unit = c.peek();
  if (unit.type === 'word' && unit.lower in DURATION_UNITS) {
    c.next();
    return exact(c, numTok, what, Math.round(n * (DURATION_UNITS[unit.lower] as number)));
  }
  if (warnBare)
    c.warn(numTok.pos, `bare number ${numTok.text} for ${what} is taken as ${bare}; write '${numTok.text} ${bare}'`);
  return exact(c, numTok, what, Math.round(n * (bare === 'seconds' ? 1000 : bare === 'minutes' ? 60_000 : 1)));
}

/** A size: `N unit`, 1024-based like monit. A bare number is bytes, with a warning. */
export function parseSize(c: Cursor, what: string): number {
  const numTok = c.peek();
  const n = c.expectNumber(`a size for ${what}`);
  const unit = c.peek();
  if (unit.type === 'word' && unit.lower in SIZE_UNITS) {
    c.next();
    return exact(c, numTok, what, Math.round(n * (SIZE_UNITS[unit.lower] as number)));
  }
  c.warn(
    numTok.pos,
    `bare number ${numTok.text} for ${what} is taken as bytes; write '${numTok.text} B' or use kB, MB, GB`,
  );
  return exact(c, numTok, what, Math.round(n));
}

/**
 * ms and bytes must be whole numbers a double holds exactly: `set daemon 1e400 seconds` would be
 * Infinity, which setTimeout takes as 1 ms.
 */
function exact(c: Cursor, numTok: Token, what: string, value: number): number {
  if (!Number.isSafeInteger(value)) c.fail(numTok, `${what} ${numTok.text} is out of range`);
  return value;
}

export function isSizeUnit(word: string): boolean {
  return word.toLowerCase() in SIZE_UNITS;
}

/** monit's lexer (l.l): `more`/`older` are `>`, `newer` is `<`. */
const OPERATOR_WORDS: Record<string, Operator> = {
  gt: '>',
  greater: '>',
  more: '>',
  older: '>',
  lt: '<',
  less: '<',
  newer: '<',
  ge: '>=',
  le: '<=',
  eq: '=',
  equal: '=',
  ne: '!=',
  notequal: '!=',
};

/** `> gt greater more older >= ge < lt less newer <= le = == eq equal != <> ne notequal`. */
export function acceptOperator(c: Cursor): Operator | undefined {
  const t = c.peek();
  if (t.type === 'op') {
    c.next();
    return t.text as Operator;
  }
  if (t.type === 'word' && t.lower in OPERATOR_WORDS) {
    c.next();
    return OPERATOR_WORDS[t.lower];
  }
  return undefined;
}

export function expectOperator(c: Cursor, after: string): Operator {
  const op = acceptOperator(c);
  if (!op) c.fail(c.peek(), `expected an operator (>, <, >=, <=, =, !=) after '${after}', found ${describe(c.peek())}`);
  return op;
}

/** monit reads a missing operator as `=`: `if cpu 80% then alert` is `if cpu = 80% then alert`. */
export function operatorOrEqual(c: Cursor): Operator {
  return acceptOperator(c) ?? '=';
}
