// The one source of time. Everything that reads the time or waits takes a Clock, so tests run on
// virtual time (test/helpers/fake-clock.ts) and are exact whatever the machine's load.

/** A pending timer; `cancel` is safe to call twice or after it fired. */
export interface Timer {
  cancel(): void;
  /** Lets the process exit while this timer is pending (Node's unref). Returns the timer. */
  unref(): Timer;
}

export interface Clock {
  /** Epoch milliseconds, as Date.now(). */
  now(): number;
  /** Runs `fn` once after `ms` (at once when `ms` ≤ 0). */
  setTimeout(fn: () => void, ms: number): Timer;
  /** Runs `fn` every `ms` until cancelled. */
  setInterval(fn: () => void, ms: number): Timer;
  /** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The machine's clock: Date.now() and Node's timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    return nodeTimer(setTimeout(fn, Math.max(0, ms)));
  },
  setInterval(fn, ms) {
    return nodeTimer(setInterval(fn, Math.max(1, ms)));
  },
  sleep(ms, signal) {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error);
      const t = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.max(0, ms),
      );
      const onAbort = (): void => {
        clearTimeout(t);
        reject(signal?.reason as Error);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
};

function nodeTimer(t: NodeJS.Timeout): Timer {
  const timer: Timer = {
    cancel: () => clearTimeout(t),
    unref: () => {
      t.unref();
      return timer;
    },
  };
  return timer;
}

/**
 * Milliseconds on the monotonic clock, for measuring how long something took (never goes back when
 * the wall clock is set). process.hrtime rather than performance.now(): the same clock, without
 * loading Node's performance-timeline modules into every daemon.
 */
export function monotonicMs(): number {
  const [s, ns] = process.hrtime();
  return s * 1e3 + ns / 1e6;
}
