// A limit written as a share or an amount (`80%`, `2 GB`, `1000`), and the verdict of a reading
// against it: shared by the tests of the host and of file systems, which all compare one reading.
import { describe } from '../config/cursor.js';
import type { Cursor } from '../config/cursor.js';
import type { Operator } from '../config/model.js';
import { isSizeUnit, parseSize } from '../config/units.js';
import { compare } from './compare.js';
import type { CheckResult } from './result.js';
import type { CheckContext } from './types.js';

/** `%` a share, `bytes` a size, `count` a plain number (inodes). */
export type AmountUnit = '%' | 'bytes' | 'count';

export interface Amount {
  readonly value: number;
  readonly unit: AmountUnit;
}

/** True when the cursor stands on `N %`. */
function atPercent(c: Cursor): boolean {
  const u = c.peek(1);
  return u.type === 'word' && (u.lower === '%' || u.lower === 'percent');
}

/**
 * `N%` or `N B|kB|MB|GB` after WHAT; a bare number is BARE (`count` for inodes; for sizes, bytes with
 * a warning, as parseSize says).
 */
export function parseAmount(c: Cursor, what: string, bare: 'bytes' | 'count'): Amount {
  const numTok = c.peek();
  if (atPercent(c)) {
    const v = c.expectNumber(`a percentage after '${what}'`);
    c.next();
    if (v > 100) c.fail(numTok, `${what} ${v}% is out of range (0–100%)`);
    return { value: v, unit: '%' };
  }
  const unit = c.peek(1);
  if (bare === 'count' && !(unit.type === 'word' && isSizeUnit(unit.text))) {
    const v = c.expectNumber(`a number or a percentage after '${what}'`);
    if (!Number.isSafeInteger(v)) c.fail(numTok, `${what} ${numTok.text} is out of range`);
    return { value: v, unit: 'count' };
  }
  if (unit.type === 'word' && !isSizeUnit(unit.text) && unit.lower !== 'then' && numTok.type === 'number')
    c.fail(unit, `expected a size unit (B, kB, MB, GB) or % after ${numTok.text}, found ${describe(unit)}`);
  return { value: parseSize(c, what), unit: 'bytes' };
}

/** The amount as the printer writes it. */
export function printAmount(a: Amount, s: { number(n: number): string; size(b: number): string }): string {
  return a.unit === '%' ? `${s.number(a.value)}%` : a.unit === 'bytes' ? s.size(a.value) : s.number(a.value);
}

/** A reading in the amount's unit, for messages. */
export function showAmount(value: number, unit: AmountUnit): string {
  if (unit === '%') return `${value.toFixed(1)}%`;
  if (unit === 'count') return String(value);
  return value >= 1048576 ? `${(value / 1048576).toFixed(1)} MB` : `${(value / 1024).toFixed(1)} kB`;
}

/** The verdict of VALUE against `op limit`: failed (class resource) when the rule's condition holds. */
export function judge(
  ctx: Pick<CheckContext, 'rule'>,
  value: number,
  op: Operator,
  limit: number,
  message: string,
  metrics: Record<string, number>,
): CheckResult {
  const matched = compare(value, op, limit);
  return {
    ruleId: ctx.rule.id,
    status: matched ? 'failed' : 'ok',
    ...(matched ? { class: 'resource' as const } : {}),
    message,
    metrics,
  };
}

/**
 * The result when the service type saw nothing this cycle (a missing mount or interface, no /proc):
 * no verdict. The absence itself is one failure, of the service's existence rule (a file system,
 * monit's "does not exist") or link rule (a network interface, monit's "link down"), which monit
 * adds implicitly — not one failure per threshold.
 */
export function unobserved(ctx: CheckContext): CheckResult | undefined {
  const o = ctx.observed;
  if (o === undefined) return { ruleId: ctx.rule.id, status: 'init', message: 'not observed yet' };
  if (!o.ok) return { ruleId: ctx.rule.id, status: 'init', message: o.message };
  return undefined;
}
