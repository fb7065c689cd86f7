// The daemon's one stream of events: numbered in order, the recent ones kept for the API, handed to
// every subscriber (log, alerts, metrics). A subscriber that throws does not stop the others.
import type { ServiceEvent } from '../state/events.js';
import { parseEvent } from '../state/events.js';
import type { EventDraft } from '../state/types.js';
import { escapeControls } from '../util/text.js';

/** Control characters an event's message keeps: a program's output is lines. */
const KEPT_IN_EVENTS = '\n\t';

export type EventListener = (e: ServiceEvent) => void;

export class EventBus {
  #seq: number;
  readonly #recent: ServiceEvent[] = [];
  readonly #listeners = new Set<EventListener>();

  constructor(
    private readonly keep = 1000,
    firstId = 1,
    private readonly onListenerError: (err: unknown) => void = () => undefined,
  ) {
    this.#seq = firstId;
  }

  /** The id the next event will get (persisted so ids keep growing across restarts). */
  get nextId(): number {
    return this.#seq;
  }

  /** Continues numbering after a restart: ids never go backwards. */
  resume(nextId: number): void {
    if (nextId > this.#seq) this.#seq = nextId;
  }

  /**
   * Takes back the events of an earlier run (from the state file: each is checked, the odd ones are
   * dropped) as the recent ones, before any new event; ids continue after the newest.
   */
  restore(saved: unknown): void {
    if (!Array.isArray(saved) || this.#recent.length > 0) return;
    let last = 0;
    const kept: ServiceEvent[] = [];
    for (const x of saved) {
      const e = parseEvent(x);
      if (!e || e.id <= last) continue;
      kept.push(e);
      last = e.id;
    }
    this.#recent.push(...kept.slice(-this.keep));
    this.resume(last + 1);
  }

  /**
   * Numbers the event, keeps it, and hands it to every subscriber. Its message may quote a program's
   * output, a file's content or a peer's reply: control characters are escaped (ESC, CR, NUL…), so
   * that no event drives a terminal or rewrites a line where it is shown. Line breaks and tabs stay:
   * a program's output is lines (monit's events carry it so); every line-based output escapes them
   * (the log is JSON lines).
   */
  publish(draft: EventDraft): ServiceEvent {
    const e: ServiceEvent = { id: this.#seq++, ...draft, message: escapeControls(draft.message, KEPT_IN_EVENTS) };
    this.#recent.push(e);
    if (this.#recent.length > this.keep) this.#recent.splice(0, this.#recent.length - this.keep);
    for (const l of this.#listeners) {
      try {
        l(e);
      } catch (err) {
        this.onListenerError(err);
      }
    }
    return e;
  }

  subscribe(l: EventListener): () => void {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  }

  /** Events with id greater than `since`, oldest first, at most `limit`. */
  since(since = 0, limit = this.keep): ServiceEvent[] {
    return this.#recent.filter((e) => e.id > since).slice(-limit);
  }
}
