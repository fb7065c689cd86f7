// Flapping: a service whose state keeps changing would bury its recipients in mail. From the
// CHANGES-th state change within WINDOW (default: the 4th within 60 s) on, its events are held and
// later sent as one summary, once it has been quiet for QUIET (30 s) or at the latest WINDOW after
// the hold began (a service flapping for an hour sends one summary a minute). A state change is a
// failed or succeeded event whose state differs from the last one of the same type; `changed`
// events and actions' outcomes count for nothing but are held too while the service flaps. Held
// events are written to QUEUEDIR/flapping.json before anything else happens, so a crash never
// loses them.
import type { AlertEvent } from './types.js';

/** When a service counts as flapping and when its summary goes out. */
export interface FlapOptions {
  readonly changes: number;
  readonly windowMs: number;
  readonly quietMs: number;
}

export const DEFAULT_FLAP: FlapOptions = { changes: 4, windowMs: 60_000, quietMs: 30_000 };

/** Events held for one flapping service. */
export interface Held {
  readonly events: AlertEvent[];
  /** When the hold (or its current summary period) began. */
  since: number;
  /** The latest state change held. */
  lastAt: number;
}

interface Track {
  readonly last: Map<string, string>;
  changes: number[];
  held?: Held;
}

/** Per-service flapping detection; no timers or I/O of its own (the caller ticks and persists). */
export class FlapDetector {
  readonly #services = new Map<string, Track>();

  constructor(private readonly opts: FlapOptions | false) {}

  /** `pass`: alert E now; `held`: it is folded into its service's flapping summary. */
  offer(e: AlertEvent, now: number): 'pass' | 'held' {
    const o = this.opts;
    if (!o || e.type === 'instance') return 'pass';
    const t = this.#track(e.service);
    // An action's outcome is no change of the service's health.
    const isChange =
      e.type !== 'action' && (e.state === 'failed' || e.state === 'succeeded') && t.last.get(e.type) !== e.state;
    if (e.state !== 'changed') t.last.set(e.type, e.state);
    if (isChange) t.changes = [...t.changes.filter((x) => x > now - o.windowMs), now];
    if (t.held) {
      t.held.events.push(e);
      if (isChange) t.held.lastAt = now;
      return 'held';
    }
    if (isChange && t.changes.length >= o.changes) {
      t.held = { events: [e], since: now, lastAt: now };
      return 'held';
    }
    return 'pass';
  }

  /** Summaries due at NOW, each service's held events oldest first; a quiet service stops flapping. */
  due(now: number): Array<{ service: string; events: AlertEvent[] }> {
    if (!this.opts) return [];
    const out: Array<{ service: string; events: AlertEvent[] }> = [];
    for (const [service, t] of this.#services) {
      const h = t.held;
      if (!h) continue;
      const quiet = now - h.lastAt >= this.opts.quietMs;
      if (!quiet && now - h.since < this.opts.windowMs) continue;
      if (h.events.length > 0) out.push({ service, events: h.events.splice(0) });
      if (quiet) {
        delete t.held;
        t.changes = [];
      } else {
        h.since = now;
      }
    }
    return out;
  }

  /** True while some service is flapping (its summary is still to come). */
  get holding(): boolean {
    return [...this.#services.values()].some((t) => t.held !== undefined);
  }

  /** The held events, for the file. */
  snapshot(): Record<string, Held> {
    const out: Record<string, Held> = {};
    for (const [service, t] of this.#services) if (t.held) out[service] = t.held;
    return out;
  }

  /** Takes back held events from the file: they are due at once (whether it still flaps is unknown). */
  restore(held: Record<string, Held>): void {
    for (const [service, h] of Object.entries(held))
      this.#track(service).held = { events: h.events, since: -Infinity, lastAt: -Infinity };
  }

  #track(service: string): Track {
    let t = this.#services.get(service);
    if (!t) {
      t = { last: new Map(), changes: [] };
      this.#services.set(service, t);
    }
    return t;
  }
}
