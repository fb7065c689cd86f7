// Summaries: many alerts folded into one. Used when the queue is over its slots (the oldest are
// folded, so the newest news is never the one dropped) and for a flapping service.
import { randomBytes } from 'node:crypto';
import type { Alert, AlertEvent, AlertKind, AlertSummary } from './types.js';
import { SUMMARY_KEEP } from './types.js';

/** A fresh alert id: time and randomness, so ids never repeat even if event ids start over. */
export function newAlertId(now: number): string {
  return `${now.toString(36)}-${randomBytes(5).toString('hex')}`;
}

/** The events an alert stands for, oldest first, and how many. */
function contentOf(a: Alert): { count: number; events: readonly AlertEvent[] } {
  return a.summary ? { count: a.summary.count, events: a.summary.events } : { count: 1, events: [a.event] };
}

/** A summary of EVENTS (oldest first) standing for COUNT events in all. */
export function summaryOf(events: readonly AlertEvent[], count = events.length): AlertSummary {
  const kept = events.slice(-SUMMARY_KEEP);
  return { count, events: kept, from: events[0]?.time ?? 0, to: events.at(-1)?.time ?? 0 };
}

/** One `folded` alert in place of ALERTS (one lane, oldest first, at least one), created at NOW: it
 *  takes the place of the oldest in the lane's order and names the ones it replaces. */
export function foldAlerts(alerts: readonly Alert[], kind: AlertKind, now: number): Alert {
  const first = alerts[0];
  const last = alerts.at(-1);
  if (!first || !last) throw new Error('foldAlerts: nothing to fold');
  let count = 0;
  const events: AlertEvent[] = [];
  for (const a of alerts) {
    const c = contentOf(a);
    count += c.count;
    events.push(...c.events);
    if (events.length > SUMMARY_KEEP) events.splice(0, events.length - SUMMARY_KEEP);
  }
  const summary = summaryOf(events, count);
  const from = Math.min(...alerts.map((a) => a.summary?.from ?? a.event.time));
  return {
    v: 1,
    id: newAlertId(now),
    lane: first.lane,
    label: last.label,
    kind,
    host: last.host,
    created: now,
    order: first.order,
    event: last.event,
    summary: { ...summary, from },
    folds: alerts.map((a) => a.id),
  };
}
