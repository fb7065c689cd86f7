// Retry delays of a failing delivery: exponential from 1 s to 5 min, with "equal jitter" (half
// fixed, half random) so that many lanes failing together do not retry in lockstep.

/** How a lane waits between attempts. */
export interface RetryOptions {
  readonly initialMs: number;
  readonly maxMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { initialMs: 1_000, maxMs: 300_000 };

/** The wait after the ATTEMPT-th failed attempt in a row (1-based). */
export function retryDelay(attempt: number, o: RetryOptions, random: () => number = Math.random): number {
  const base = Math.min(o.maxMs, o.initialMs * 2 ** Math.min(attempt - 1, 40));
  return Math.round(base / 2 + (random() * base) / 2);
}
