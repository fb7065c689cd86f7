// What the status API, the metrics and the web page keep over time, which a runner's snapshot does
// not: failures per class (from the event stream) and every completed cycle's probe time (from the
// daemon's cycle hook) in the probe-latency history of each service.
// Restarts need no observing: the state machine counts them (MachineState.restartCount). The latency
// history is saved beside the state file every minute and when the server closes, and read back when
// it starts, so a restart of brokerwatch keeps the chart.
import { readFile } from '../util/fs-async.js';
import { join } from 'node:path';
import type { Daemon } from '../daemon/daemon.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import type { Timer } from '../util/clock.js';
import type { ServiceEvent } from '../state/events.js';
import { LatencyHistory } from './latency-history.js';

/** Counts what needs history; see the file comment. */
export class DaemonObserver {
  readonly #failures = new Map<string, Map<string, number>>();
  readonly #daemon: Daemon;
  readonly #unsubscribe: Array<() => void>;
  readonly #file: string;
  readonly #saveTimer: Timer;
  #saving: Promise<void> = Promise.resolve();
  /** Probe latency over the last hour, per service. */
  readonly latency: LatencyHistory;

  constructor(daemon: Daemon, latency = new LatencyHistory()) {
    this.latency = latency;
    this.#daemon = daemon;
    this.#file = join(daemon.stateDir, 'latency.json');
    this.#saveTimer = daemon.clock.setInterval(() => void this.save(), 60_000).unref();
    this.#unsubscribe = [
      daemon.events.subscribe((e) => this.#onEvent(e)),
      daemon.onCycle((c) => this.latency.record(c)),
    ];
  }

  /** Failed events per service and failure class (`none` when the event has no class). */
  failures(): Array<{ service: string; class: string; count: number }> {
    return [...this.#failures].flatMap(([service, m]) =>
      [...m].map(([cls, count]) => ({ service, class: cls, count })),
    );
  }

  /** Reads the history saved by an earlier run, if any (a missing or odd file is no history). */
  async load(): Promise<void> {
    const text = await readFile(this.#file, 'utf8').catch(() => undefined);
    if (text === undefined) return;
    try {
      this.latency.restore(JSON.parse(text));
    } catch {
      // Not JSON: the chart starts empty.
    }
  }

  /** Writes the history (one write at a time; a failure only costs the chart), without services a reload removed. */
  save(): Promise<void> {
    this.latency.retain(new Set(this.#daemon.config.services.map((s) => s.name)));
    this.#saving = this.#saving
      .then(() => writeFileAtomic(this.#file, JSON.stringify(this.latency.toFile())))
      .catch(() => undefined);
    return this.#saving;
  }

  /** Stops listening and saves the history. */
  async close(): Promise<void> {
    this.#saveTimer.cancel();
    for (const u of this.#unsubscribe) u();
    await this.save();
  }

  #onEvent(e: ServiceEvent): void {
    if (e.state !== 'failed') return;
    const m = this.#failures.get(e.service) ?? new Map<string, number>();
    const cls = e.class ?? 'none';
    m.set(cls, (m.get(cls) ?? 0) + 1);
    this.#failures.set(e.service, m);
  }
}
