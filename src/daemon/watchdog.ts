// systemd's watchdog (WatchdogSec=): brokerwatch pings only while it can still do its work, so that a
// supervisor that has itself stopped supervising is killed and restarted by systemd. Two things say
// it cannot: its event loop is stalled (a timer that should fire every SAMPLE ms fires late, or has
// not fired lately), or a service's cycle has run far past every deadline of its own rules (a cycle
// always ends by its checks' timeouts, so one that does not is wedged, and the service it watches is
// watched no more). A slow check within its timeout is no reason: that is a broker being probed.
import type { Service } from '../config/model.js';
import type { Clock, Timer } from '../util/clock.js';

/** A cycle this many cycles past its rules' deadlines is wedged. */
export const WEDGE_CYCLES = 5;

/** What the watchdog reads of a service runner. */
export interface WatchedRunner {
  readonly service: Service;
  /** When its running cycle began; undefined between cycles. */
  readonly cycleStartedAt: number | undefined;
}

/** Options of Watchdog. */
export interface WatchdogOptions {
  readonly clock: Clock;
  /** WATCHDOG_USEC in ms: pings go out every half of it. */
  readonly watchdogMs: number;
  /** The runners now, and the daemon's cycle (both change on a reload). */
  readonly runners: () => readonly WatchedRunner[];
  readonly cycleMs: () => number;
  /** Sends WATCHDOG=1. */
  readonly ping: () => void;
  /** Told when pings stop (with why) and start again (undefined). */
  readonly onHealth?: (problem: string | undefined) => void;
}

/** The longest a cycle of SERVICE may take by its own deadlines: each rule's timeout × its attempts. */
export function cycleDeadlineMs(service: Service): number {
  let longest = service.program?.timeoutMs ?? 0;
  for (const rule of service.rules) {
    const c = rule.condition as { timeoutMs?: unknown; retry?: unknown };
    if (typeof c.timeoutMs !== 'number') continue;
    const attempts = 1 + (typeof c.retry === 'number' ? c.retry : 0);
    longest = Math.max(longest, c.timeoutMs * attempts);
  }
  return longest;
}

/** How long a cycle of SERVICE may run before it counts as wedged. */
export function wedgedAfterMs(service: Service, cycleMs: number): number {
  return cycleDeadlineMs(service) + WEDGE_CYCLES * cycleMs;
}

/** The ping timer and the health it depends on; see the file comment. */
export class Watchdog {
  readonly pingMs: number;
  readonly sampleMs: number;
  /** A sample later than this means the loop stalled. */
  readonly maxLagMs: number;
  readonly #o: WatchdogOptions;
  #lastSampleAt: number;
  #lastLag = 0;
  #problem: string | undefined;
  readonly #timers: Timer[] = [];

  constructor(o: WatchdogOptions) {
    this.#o = o;
    this.pingMs = Math.max(1, Math.floor(o.watchdogMs / 2));
    this.sampleMs = Math.max(1, Math.min(1_000, Math.floor(this.pingMs / 2)));
    this.maxLagMs = Math.max(1, Math.floor(o.watchdogMs / 4));
    this.#lastSampleAt = o.clock.now();
  }

  /** Pings now (the service just became ready) and every pingMs from now on. */
  start(): void {
    const { clock } = this.#o;
    this.#lastSampleAt = clock.now();
    this.#timers.push(
      clock.setInterval(() => {
        const now = clock.now();
        this.#lastLag = Math.max(0, now - this.#lastSampleAt - this.sampleMs);
        this.#lastSampleAt = now;
      }, this.sampleMs),
    );
    this.#timers.push(clock.setInterval(() => this.#tick(), this.pingMs));
    this.#tick();
  }

  stop(): void {
    for (const t of this.#timers.splice(0)) t.cancel();
  }

  /** Why pings are withheld now, or undefined when brokerwatch is healthy. */
  problem(): string | undefined {
    const now = this.#o.clock.now();
    const silent = now - this.#lastSampleAt - this.sampleMs;
    if (this.#lastLag > this.maxLagMs) return `event loop stalled: a timer fired ${this.#lastLag} ms late`;
    if (silent > this.maxLagMs) return `event loop stalled: no timer has fired for ${silent + this.sampleMs} ms`;
    const cycleMs = this.#o.cycleMs();
    for (const r of this.#o.runners()) {
      const since = r.cycleStartedAt;
      if (since === undefined) continue;
      const limit = wedgedAfterMs(r.service, cycleMs);
      if (now - since > limit)
        return `service ${r.service.name}: its cycle has run for ${now - since} ms (wedged after ${limit} ms)`;
    }
    return undefined;
  }

  #tick(): void {
    const problem = this.problem();
    if (problem !== this.#problem) {
      this.#problem = problem;
      this.#o.onHealth?.(problem);
    }
    if (problem === undefined) this.#o.ping();
  }
}
