// What the status API and the metrics count over time, which a runner's snapshot does not keep:
// failures per class (from the event stream), restarts brokerwatch made on its own, and every
// completed cycle's results (for the timing histograms).
//
// The runner has no per-cycle hook and its restart list is pruned to what `N restarts within M
// cycles` rules can see, so both are sampled: on every event, on every status or metrics request,
// and on a timer of half a cycle (250 ms – 5 s). A cycle is taken once, when its lastCheckAt is new;
// with cycles shorter than the timer some cycles between two samples are not seen. Restarts are the
// growth of the backoff's attempt counter (one per rule-driven or retried start/restart), which the
// state machine resets after a healthy period.
import type { CheckResult } from '../checks/result.js';
import type { Daemon } from '../daemon/daemon.js';
import type { RunnerStatus } from '../daemon/service-runner.js';
import type { ServiceEvent } from '../state/events.js';

/** Called once per completed cycle seen, with that cycle's results. */
export type CycleListener = (status: RunnerStatus, results: readonly CheckResult[]) => void;

/** Counts what needs history; see the file comment for how. */
export class DaemonObserver {
  readonly #daemon: Daemon;
  readonly #attempts = new Map<string, number>();
  readonly #restarts = new Map<string, number>();
  readonly #lastCheck = new Map<string, number>();
  readonly #failures = new Map<string, Map<string, number>>();
  readonly #listeners: CycleListener[] = [];
  readonly #unsubscribe: () => void;
  readonly #timer: NodeJS.Timeout;

  constructor(daemon: Daemon, sampleMs = Math.min(5_000, Math.max(250, daemon.config.daemon.cycleMs / 2))) {
    this.#daemon = daemon;
    this.#unsubscribe = daemon.events.subscribe((e) => this.#onEvent(e));
    this.#timer = setInterval(() => this.sample(), sampleMs);
    this.#timer.unref();
  }

  /** Adds a listener for completed cycles. */
  onCycle(l: CycleListener): void {
    this.#listeners.push(l);
  }

  /** Looks at every runner now. */
  sample(): void {
    for (const r of this.#daemon.runners()) this.#observe(r.status());
  }

  /** Restarts brokerwatch made on its own for `service` since this observer started. */
  restarts(service: string): number {
    return this.#restarts.get(service) ?? 0;
  }

  /** Failed events per service and failure class (`none` when the event has no class). */
  failures(): Array<{ service: string; class: string; count: number }> {
    return [...this.#failures].flatMap(([service, m]) => [...m].map(([cls, count]) => ({ service, class: cls, count })));
  }

  /** Stops sampling. */
  close(): void {
    clearInterval(this.#timer);
    this.#unsubscribe();
  }

  #onEvent(e: ServiceEvent): void {
    if (e.state === 'failed') {
      const m = this.#failures.get(e.service) ?? new Map<string, number>();
      const cls = e.class ?? 'none';
      m.set(cls, (m.get(cls) ?? 0) + 1);
      this.#failures.set(e.service, m);
    }
    // The runner has its new state before it publishes the step's events.
    const r = this.#daemon.runner(e.service);
    if (r) this.#observe(r.status());
  }

  #observe(st: RunnerStatus): void {
    const name = st.service.name;
    const attempts = st.state.backoff.attempts;
    const before = this.#attempts.get(name);
    // The first look is the baseline: attempts restored from the state file were not made by us.
    if (before !== undefined && attempts !== before) {
      const made = attempts > before ? attempts - before : attempts;
      this.#restarts.set(name, (this.#restarts.get(name) ?? 0) + made);
    }
    this.#attempts.set(name, attempts);
    if (st.lastCheckAt !== undefined && st.lastCheckAt !== this.#lastCheck.get(name)) {
      this.#lastCheck.set(name, st.lastCheckAt);
      for (const l of this.#listeners) l(st, st.lastResults);
    }
  }
}
