// What the status API, the metrics and the web page keep over time, which a runner's snapshot does
// not: failures per class (from the event stream) and every completed cycle (from the daemon's cycle
// hook), handed to listeners (the timing histograms) and to the probe-latency history of each service.
// Restarts need no observing: the state machine counts them (MachineState.restartCount).
import type { Daemon } from '../daemon/daemon.js';
import type { CycleRecord } from '../daemon/service-runner.js';
import type { ServiceEvent } from '../state/events.js';
import { LatencyHistory } from './latency-history.js';

/** Called once per completed cycle. */
export type CycleListener = (cycle: CycleRecord) => void;

/** Counts what needs history; see the file comment. */
export class DaemonObserver {
  readonly #failures = new Map<string, Map<string, number>>();
  readonly #listeners: CycleListener[] = [];
  readonly #unsubscribe: Array<() => void>;
  /** Probe latency over the last hour, per service. */
  readonly latency: LatencyHistory;

  constructor(daemon: Daemon, latency = new LatencyHistory()) {
    this.latency = latency;
    this.#unsubscribe = [
      daemon.events.subscribe((e) => this.#onEvent(e)),
      daemon.onCycle((c) => {
        this.latency.record(c);
        for (const l of this.#listeners) l(c);
      }),
    ];
  }

  /** Adds a listener for completed cycles. */
  onCycle(l: CycleListener): void {
    this.#listeners.push(l);
  }

  /** Failed events per service and failure class (`none` when the event has no class). */
  failures(): Array<{ service: string; class: string; count: number }> {
    return [...this.#failures].flatMap(([service, m]) => [...m].map(([cls, count]) => ({ service, class: cls, count })));
  }

  /** Stops listening. */
  close(): void {
    for (const u of this.#unsubscribe) u();
  }

  #onEvent(e: ServiceEvent): void {
    if (e.state !== 'failed') return;
    const m = this.#failures.get(e.service) ?? new Map<string, number>();
    const cls = e.class ?? 'none';
    m.set(cls, (m.get(cls) ?? 0) + 1);
    this.#failures.set(e.service, m);
  }
}
