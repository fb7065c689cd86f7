// Polling with a deadline: tests wait for a condition, never for a fixed time, so they are as fast
// as the system allows and fail with a message instead of hanging.
import { setTimeout as delay } from 'node:timers/promises';

/** Calls `fn` every `intervalMs` until it returns a truthy value, which it resolves with; rejects
 *  with `message` after `timeoutMs`. A throw from `fn` rejects at once (it means "will never"). */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  opts?: { timeoutMs?: number; intervalMs?: number; message?: string },
): Promise<NonNullable<T>> {
  const timeoutMs = opts?.timeoutMs ?? 5_000;
  const intervalMs = opts?.intervalMs ?? 10;
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value as NonNullable<T>;
    const left = deadline - performance.now();
    if (left <= 0) {
      throw new Error(`${opts?.message ?? 'condition not met'} (waited ${timeoutMs} ms)`);
    }
    await delay(Math.min(intervalMs, left));
  }
}
