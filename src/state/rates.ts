// monit's per-rule bit history: the last samples of a rule, newest last, '1' = failed. Kept as a string
// rather than a 64-bit mask because JSON numbers stop being exact at 53 bits.
import type { Rate } from '../config/model.js';

/** monit keeps 64 cycles of history; a rate can look no further back. */
export const HISTORY_BITS = 64;

/** The history with one more sample. */
export function pushSample(history: string, failed: boolean): string {
  const next = history + (failed ? '1' : '0');
  return next.length > HISTORY_BITS ? next.slice(next.length - HISTORY_BITS) : next;
}

/** Failed samples among the last `cycles`. */
export function failedInLast(history: string, cycles: number): number {
  const window = history.slice(-Math.max(1, Math.min(HISTORY_BITS, Math.floor(cycles))));
  let n = 0;
  for (const bit of window) if (bit === '1') n++;
  return n;
}

/** `N cycles` / `N within M cycles`: at least `count` of the last `cycles` samples failed. */
export function rateMatches(history: string, rate: Rate): boolean {
  return failedInLast(history, rate.cycles) >= Math.max(1, Math.floor(rate.count));
}
