// Virtual time for tests: a Clock whose time moves only when the test says so. `advance` runs the
// timers that fall due in time order, letting promises (and real I/O callbacks already waiting)
// settle between them, so code driven by it sees exactly the times it would see in production,
// however busy the machine is.
import { setImmediate as nextTurn, setTimeout as realDelay } from 'node:timers/promises';
import type { Clock, Timer } from '../../src/util/clock.js';

interface Pending {
  readonly seq: number;
  at: number;
  readonly fn: () => void;
  /** Set for setInterval: the period. */
  readonly every?: number;
  cancelled: boolean;
}

/** Options of runUntil. */
export interface RunUntilOptions {
  /** While this returns false, real work (a program, a file read) is under way: time does not move. */
  readonly quiet?: () => boolean;
  /** Virtual time allowed to pass before giving up (default 1 hour). */
  readonly maxMs?: number;
  /** Real time allowed (default 10 s): a stuck predicate fails instead of hanging the test. */
  readonly timeoutMs?: number;
  readonly message?: string;
}

/** A Clock for tests; starts at `start` (default 2026-01-01T00:00:00Z). */
export class FakeClock implements Clock {
  #now: number;
  #seq = 0;
  #timers: Pending[] = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): Timer {
    return this.#add(fn, Math.max(0, ms));
  }

  setInterval(fn: () => void, ms: number): Timer {
    const every = Math.max(1, ms);
    return this.#add(fn, every, every);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error);
      const onAbort = (): void => {
        timer.cancel();
        reject(signal?.reason as Error);
      };
      const timer = this.setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Timers not yet fired or cancelled. */
  get pending(): number {
    return this.#timers.length;
  }

  /** When the earliest pending timer is due, if any. */
  nextAt(): number | undefined {
    return this.#timers[0]?.at;
  }

  /** Moves time forward by `ms`, running every timer due on the way in time order (ties in creation order). */
  async advance(ms: number): Promise<void> {
    const target = this.#now + Math.max(0, ms);
    await settle();
    for (;;) {
      const t = this.#timers[0];
      if (!t || t.at > target) break;
      this.#now = t.at;
      this.#fire(t);
      await settle();
    }
    this.#now = target;
    await settle();
  }

  /** Moves time to the earliest pending timer and runs what is due then; returns false if none is pending. */
  async next(): Promise<boolean> {
    const at = this.nextAt();
    if (at === undefined) return false;
    await this.advance(at - this.#now);
    return true;
  }

  /**
   * Runs timers one due time after another until `predicate` holds; resolves with the virtual time it
   * took. Between steps real time is given to real work, and while `quiet()` is false time stands
   * still, so a program run by the code under test takes no virtual time.
   */
  async runUntil(predicate: () => boolean, opts: RunUntilOptions = {}): Promise<number> {
    const started = this.#now;
    const maxMs = opts.maxMs ?? 3_600_000;
    const realDeadline = performance.now() + (opts.timeoutMs ?? 10_000);
    for (;;) {
      await settle();
      if (predicate()) return this.#now - started;
      const what = opts.message ?? 'condition not met';
      if (performance.now() > realDeadline)
        throw new Error(`${what} (real time out; virtual +${this.#now - started} ms)`);
      if (opts.quiet && !opts.quiet()) {
        await realDelay(1);
        continue;
      }
      const at = this.nextAt();
      if (at === undefined || at - started > maxMs) {
        // Nothing can make progress in virtual time: maybe real work is about to finish.
        await realDelay(1);
        if (at !== undefined && at - started > maxMs) throw new Error(`${what} within ${maxMs} virtual ms`);
        continue;
      }
      await this.advance(at - this.#now);
    }
  }

  #add(fn: () => void, delay: number, every?: number): Timer {
    const p: Pending = {
      seq: this.#seq++,
      at: this.#now + delay,
      fn,
      ...(every !== undefined ? { every } : {}),
      cancelled: false,
    };
    this.#insert(p);
    const timer: Timer = {
      cancel: () => {
        p.cancelled = true;
        this.#timers = this.#timers.filter((x) => x !== p);
      },
      unref: () => timer,
    };
    return timer;
  }

  #insert(p: Pending): void {
    const i = this.#timers.findIndex((x) => x.at > p.at || (x.at === p.at && x.seq > p.seq));
    if (i < 0) this.#timers.push(p);
    else this.#timers.splice(i, 0, p);
  }

  #fire(t: Pending): void {
    this.#timers.shift();
    if (t.every !== undefined) {
      t.at += t.every;
      this.#insert(t);
    }
    t.fn();
  }
}

/** Lets queued promise callbacks and I/O callbacks already due run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await nextTurn();
}
