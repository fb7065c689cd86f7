// What each recipient was last told, per service and event type, kept in QUEUEDIR/alerted.json:
// a failure already alerted is not alerted again when the state machine fires it once more (after
// a reload, or a daemon restart that re-arms failed rules), and a failure still open is what
// reminders are about. Written after the alerts it records are queued; on load the queue, which
// may be newer, is replayed on top, so a crash in between loses nothing and repeats nothing.
import { readFile } from '../util/fs-async.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import type { Logger } from '../util/logger.js';
import type { AlertEvent, Alert } from './types.js';
import { parseEvent } from '../state/events.js';

/** The last failed/succeeded alert of one service and event type to one recipient. */
export interface Mark {
  readonly event: AlertEvent;
  /** When it (or its latest reminder) was queued. */
  readonly at: number;
  readonly reminders: number;
}

const keyOf = (e: AlertEvent): string => `${e.service}\u0000${e.type}`;

/** True for events that open or close a failure; `changed`, actions and the daemon's own never repeat. */
export function tracked(e: AlertEvent): boolean {
  return (e.state === 'failed' || e.state === 'succeeded') && e.type !== 'instance' && e.type !== 'action';
}

/** Dedupe and reminder memory, lane by lane. */
export class Ledger {
  readonly #lanes = new Map<string, Map<string, Mark>>();
  #writing: Promise<void> = Promise.resolve();

  constructor(
    readonly file: string,
    private readonly log: Logger,
  ) {}

  /** Reads the file, then replays still-queued alerts (newer than the file can be) on top. */
  async load(queued: readonly Alert[]): Promise<void> {
    const text = await readFile(this.file, 'utf8').catch(() => undefined);
    if (text !== undefined) {
      try {
        const data = JSON.parse(text) as {
          v?: unknown;
          lanes?: Record<string, Record<string, { event?: unknown; at?: unknown; reminders?: unknown }>>;
        };
        for (const [lane, marks] of Object.entries(data.lanes ?? {})) {
          for (const m of Object.values(marks)) {
            const event = parseEvent(m.event);
            if (event && typeof m.at === 'number')
              this.#set(lane, { event, at: m.at, reminders: typeof m.reminders === 'number' ? m.reminders : 0 });
          }
        }
      } catch (err) {
        this.log.warn({ err, file: this.file }, 'alert ledger unreadable; failures may be alerted once more');
      }
    }
    for (const a of [...queued].sort((x, y) => x.order - y.order)) {
      for (const e of a.summary?.events ?? [a.event])
        if (a.kind !== 'reminder' && tracked(e)) this.record(a.lane, e, a.created);
    }
  }

  /** True when alerting E to LANE would repeat what the recipient was last told about it. */
  isRepeat(lane: string, e: AlertEvent): boolean {
    if (!tracked(e)) return false;
    return this.#lanes.get(lane)?.get(keyOf(e))?.event.state === e.state;
  }

  /** Notes that E was queued for LANE. */
  record(lane: string, e: AlertEvent, at: number): void {
    if (tracked(e)) this.#set(lane, { event: e, at, reminders: 0 });
  }

  /** Notes a reminder queued for the failure MARK; returns its number. */
  reminded(lane: string, mark: Mark, at: number): number {
    const reminders = mark.reminders + 1;
    this.#set(lane, { ...mark, at, reminders });
    return reminders;
  }

  /** Failures still open, per lane. */
  failing(): Array<{ lane: string; mark: Mark }> {
    const out: Array<{ lane: string; mark: Mark }> = [];
    for (const [lane, marks] of this.#lanes)
      for (const mark of marks.values()) if (mark.event.state === 'failed') out.push({ lane, mark });
    return out;
  }

  /** Forgets recipients and services the rules no longer name. */
  retain(lanes: ReadonlySet<string>, services: ReadonlySet<string>): void {
    for (const [lane, marks] of this.#lanes) {
      if (!lanes.has(lane)) {
        this.#lanes.delete(lane);
        continue;
      }
      for (const [k, m] of marks) if (!services.has(m.event.service)) marks.delete(k);
    }
  }

  /** Writes the file (atomically); writes never overlap. */
  save(): Promise<void> {
    const data: Record<string, Record<string, Mark>> = {};
    for (const [lane, marks] of this.#lanes) data[lane] = Object.fromEntries(marks);
    const text = `${JSON.stringify({ v: 1, lanes: data })}\n`;
    this.#writing = this.#writing.then(() =>
      writeFileAtomic(this.file, text).catch((err: unknown) =>
        this.log.error({ err, file: this.file }, 'cannot write the alert ledger'),
      ),
    );
    return this.#writing;
  }

  #set(lane: string, m: Mark): void {
    const marks = this.#lanes.get(lane) ?? new Map<string, Mark>();
    marks.set(keyOf(m.event), m);
    this.#lanes.set(lane, marks);
  }
}
