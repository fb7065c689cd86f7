// V8's compilers beyond its interpreter are held back while the daemon is idle, and let go for good
// the first time the daemon is busy. An idle daemon runs its code once a second, too seldom for
// compiled code to pay for itself, yet V8 would optimize a few small functions that run many times
// (Buffer's constructor, argument validators) within a minute, and the optimizing compiler's own
// machine code, 3 MB of the `node` binary, would then stay resident for the daemon's life; the
// baseline compiler (Sparkplug) would compile a few hundred functions in the first seconds, and keep
// its code space and its own machine code resident: another 1 MB, for no measurable CPU (the same
// idle CPU with and without it, side by side). Busy — hundreds of services, a status API under a
// flood of requests — compiled code is worth up to four times the throughput, so the compilers come
// back within one measuring window and stay.
import { setFlagsFromString } from 'node:v8';
import type { Clock } from '../util/clock.js';
import { holdTiers, releaseTiers } from '../util/compiler-tiers.js';

/** Turns V8's baseline and optimizing compilers off and on (node:v8's flags; functions already
 *  compiled stay so). */
export interface OptimizerSwitch {
  hold(): void;
  release(): void;
}

/** The running V8's switch. Only the daemon imports this module: the commands never load node:v8. */
export const v8Optimizer: OptimizerSwitch = {
  hold: () => holdTiers(setFlagsFromString),
  release: () => releaseTiers(setFlagsFromString),
};

export interface OptimizerGateOptions {
  /** The share of one core above which the daemon counts as busy (default 5 %: an idle daemon uses under 1 %). */
  readonly busyShare?: number;
  /** The shortest window the share is measured over (default 2 s). */
  readonly windowMs?: number;
  /** CPU time the process has used, in ms (default process.cpuUsage(): user and system). */
  readonly cpuMs?: () => number;
}

/**
 * Holds the compiler from `start()` on and releases it at the first `sample()` that ends a window
 * of at least `windowMs` in which the process used more than `busyShare` of a core. Sampling is
 * driven by the caller (after each cycle), so the gate adds no wakeup of its own.
 */
export class OptimizerGate {
  readonly #busyShare: number;
  readonly #windowMs: number;
  readonly #cpuMs: () => number;
  #since: { wall: number; cpu: number } | undefined;
  #held = false;

  constructor(
    private readonly optimizer: OptimizerSwitch,
    private readonly clock: Clock,
    private readonly onRelease: (busyShare: number) => void,
    opts: OptimizerGateOptions = {},
  ) {
    this.#busyShare = opts.busyShare ?? 0.05;
    this.#windowMs = opts.windowMs ?? 2_000;
    this.#cpuMs = opts.cpuMs ?? cpuMs;
  }

  /** True while the compiler is held back. */
  get held(): boolean {
    return this.#held;
  }

  /** Holds the compiler back; the first window begins at the first sample (after the start-up's work). */
  start(): void {
    this.optimizer.hold();
    this.#held = true;
  }

  /** Measures the window that ends now, if it is long enough; releases the compiler when it was busy. */
  sample(): void {
    if (!this.#held) return;
    const wall = this.clock.now();
    const since = this.#since;
    // Inside a window (every service's cycle samples) the CPU time is not even read.
    if (since !== undefined && wall >= since.wall && wall - since.wall < this.#windowMs) return;
    const now = { wall, cpu: this.#cpuMs() };
    this.#since = now;
    if (since === undefined || wall < since.wall) return;
    const share = (now.cpu - since.cpu) / (wall - since.wall);
    if (share <= this.#busyShare) return;
    this.#held = false;
    this.optimizer.release();
    this.onRelease(share);
  }
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
