// A service's cycle timer. Cycles keep their phase (the next one is planned from when this one was
// due, so they do not drift), cycles missed (a blocked event loop, a suspended machine) are skipped,
// not caught up, and a cycle still running (a hung check) makes the next one be skipped rather than
// pile up. The schedule (`every N cycles`, cron) decides which cycles run the checks.
import type { Schedule } from '../config/model.js';
import type { Clock, Timer } from '../util/clock.js';
import { ScheduleGate } from './schedule.js';

/** What the loop drives. */
export interface CycleHandlers {
  /** False while the service is not monitored: the cycle is skipped (and not counted by the schedule). */
  readonly active: () => boolean;
  /** A cycle the schedule says is not due. */
  readonly waiting: () => void;
  /** A due cycle: run the checks. Must not reject. */
  readonly run: (dueAt: number, startedAt: number) => Promise<void>;
}

/** One service's cycle timer and schedule. */
export class CycleLoop {
  readonly #gate: ScheduleGate;
  #timer: Timer | undefined;
  #running = false;
  #runningSince: number | undefined;
  #stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly cycleMs: number,
    schedule: Schedule,
    private readonly on: CycleHandlers,
  ) {
    this.#gate = new ScheduleGate(schedule);
  }

  /** True while a cycle runs. */
  get running(): boolean {
    return this.#running;
  }

  /** When the cycle that runs now began (epoch ms); undefined between cycles. */
  get runningSince(): number | undefined {
    return this.#runningSince;
  }

  /** Plans the first cycle at `firstDueAt` (epoch ms), and every cycle after it. */
  start(firstDueAt: number): void {
    this.#schedule(firstDueAt);
  }

  /** Runs a cycle now, outside the timer (which keeps its phase); none if one is running. */
  runNow(): void {
    void this.#cycle(this.clock.now());
  }

  /** No more cycles (one running finishes). */
  stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  #schedule(target: number): void {
    if (this.#stopped) return;
    this.#timer = this.clock.setTimeout(() => {
      const now = this.clock.now();
      let next = target + this.cycleMs;
      if (next < now) next += Math.ceil((now - next) / this.cycleMs) * this.cycleMs;
      this.#schedule(next);
      void this.#cycle(target);
    }, target - this.clock.now());
  }

  async #cycle(dueAt: number): Promise<void> {
    if (this.#running || this.#stopped) return;
    const startedAt = this.clock.now();
    this.#running = true;
    this.#runningSince = startedAt;
    try {
      if (!this.on.active()) return;
      if (!this.#gate.due(new Date(startedAt))) {
        this.on.waiting();
        return;
      }
      await this.on.run(dueAt, startedAt);
    } finally {
      this.#running = false;
      this.#runningSince = undefined;
    }
  }
}
