// From events to queued alerts: for each recipient of the event's service, its filter, then the
// ledger's dedupe, then one queue file. Reminders and flapping summaries take the same path. The
// caller runs one job at a time, so alerts are queued in event order.
import type { Config } from '../config/model.js';
import { syntaxOf } from './channels/registry.js';
import type { AlertTarget } from './channels/registry.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { newAlertId, summaryOf } from './fold.js';
import type { Ledger } from './ledger.js';
import type { AlertQueue } from './queue.js';
import type { Resolved } from './recipients.js';
import { allRecipients, passes, recipientsFor } from './recipients.js';
import type { Alert, AlertEvent, AlertKind } from './types.js';

/**
 * False for events that are not alerted: an operator's request (`action` `changed`) is told when it
 * is done or failed, monit's "Action done", not when it is asked for.
 */
export function isAlerted(e: AlertEvent): boolean {
  // An alert refused for good is told on the page, the API and the log, never alerted: it would
  // go to the same recipient and be refused again.
  return !(e.type === 'action' && e.state === 'changed') && e.class !== 'alert-rejected';
}

/** What the router needs. */
export interface RouterDeps {
  readonly queue: AlertQueue;
  readonly ledger: Ledger;
  readonly host: string;
  config(): Config;
  readonly log: Logger;
  readonly clock: Pick<Clock, 'now'>;
}

/** Turns events into queued alerts. */
export class AlertRouter {
  constructor(private readonly deps: RouterDeps) {}

  /** Recipients of E: the daemon's own events go to the global recipients only. */
  #recipients(e: AlertEvent): Resolved[] {
    return recipientsFor(this.deps.config(), e.type === 'instance' ? undefined : e.service);
  }

  #alert(
    kind: AlertKind,
    r: Resolved,
    event: AlertEvent,
    extra: Partial<Pick<Alert, 'reminder' | 'summary'>> = {},
  ): Alert {
    const now = this.deps.clock.now();
    return {
      v: 1,
      id: newAlertId(now),
      lane: r.key,
      label: r.label,
      kind,
      host: this.deps.host,
      created: now,
      order: this.deps.queue.nextOrder(),
      event,
      ...extra,
    };
  }

  /** Queues E for every recipient that wants it and was not told already. */
  async event(e: AlertEvent): Promise<void> {
    const { queue, ledger, log } = this.deps;
    let recorded = false;
    for (const r of this.#recipients(e)) {
      if (!passes(r.recipient.filter, e.type)) continue;
      if (ledger.isRepeat(r.key, e)) {
        log.debug(
          { recipient: r.label, service: e.service, event: e.type, state: e.state },
          'already alerted; not repeated',
        );
        continue;
      }
      const a = this.#alert('event', r, e);
      await queue.add(a);
      ledger.record(r.key, e, a.created);
      recorded = true;
    }
    if (recorded) await ledger.save();
  }

  /** Queues one summary of a flapping service's held EVENTS per recipient (its filter applied). */
  async flapping(service: string, events: readonly AlertEvent[]): Promise<void> {
    const { queue, ledger } = this.deps;
    const last = events.at(-1);
    if (!last) return;
    for (const r of recipientsFor(this.deps.config(), service)) {
      const mine = events.filter((e) => passes(r.recipient.filter, e.type));
      const newest = mine.at(-1);
      if (!newest) continue;
      // One held event is no summary: it goes out as itself (late), unless it repeats the last alert.
      if (mine.length === 1 && ledger.isRepeat(r.key, newest)) continue;
      const a =
        mine.length === 1
          ? this.#alert('event', r, newest)
          : this.#alert('flapping', r, newest, { summary: summaryOf(mine) });
      await queue.add(a);
      for (const e of mine) ledger.record(r.key, e, a.created);
    }
    await ledger.save();
  }

  /** Queues the reminders due at NOW: each open failure whose recipient asked for `reminder N
   *  cycles`, N cycles (of CYCLEMS, within half a cycle) after its alert or last reminder, or whose
   *  channel re-sends open failures (Alertmanager) and is due. */
  async reminders(now: number, cycleMs: number): Promise<void> {
    const { queue, ledger } = this.deps;
    let any = false;
    for (const { lane, mark } of ledger.failing()) {
      const r = this.#recipients(mark.event).find((x) => x.key === lane);
      const every = r ? this.#reminderMs(r, cycleMs, lane) : undefined;
      if (!r || every === undefined || !passes(r.recipient.filter, mark.event.type)) continue;
      if (now - mark.at < every - cycleMs / 2) continue;
      const n = ledger.reminded(lane, mark, now);
      await queue.add(this.#alert('reminder', r, mark.event, { reminder: n }));
      any = true;
    }
    if (any) await ledger.save();
  }

  /** How often R is reminded of an open failure: its `reminder N cycles`, or its channel's resend
   *  interval, the shorter; undefined: never. A resend waits while the lane has alerts queued (its
   *  far end is down or slow: the queue would only grow) and follows within a cycle once it is empty,
   *  well inside the window a firing alert is valid for (see alertmanager/send.ts). */
  #reminderMs(r: Resolved, cycleMs: number, lane: string): number | undefined {
    const cycles = r.recipient.reminderCycles > 0 ? r.recipient.reminderCycles * cycleMs : undefined;
    const resend = resendMsOf(r.recipient.target);
    if (resend === undefined || this.deps.queue.pending(lane).length > 0) return cycles;
    return cycles === undefined ? resend : Math.min(cycles, resend);
  }
}

/** True when some recipient of CONFIG is ever reminded of an open failure: its `reminder N cycles`,
 *  or a channel that re-sends open failures (Alertmanager). */
export function canRemind(config: Config): boolean {
  return allRecipients(config).some((r) => r.reminderCycles > 0 || resendMsOf(r.target) !== undefined);
}

/** How often TARGET's channel re-sends an open failure by itself; undefined: it does not. */
function resendMsOf(target: AlertTarget): number | undefined {
  return syntaxOf(target).resendMs?.(target);
}
