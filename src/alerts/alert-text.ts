// The words of an alert, shared by every channel: monit's variables ($EVENT $SERVICE $DATE $HOST
// $ACTION $DESCRIPTION) for `set mail-format` and exec scripts, a default subject and body, and the
// JSON document webhooks and MQTT receive.
import { formatMonitDate } from '../actions/env.js';
import { describeEvent } from './event-text.js';
import type { Alert, AlertEvent } from './types.js';

/** monit's mail-format variables, by name without the `$`. */
export interface AlertVars {
  readonly EVENT: string;
  readonly SERVICE: string;
  readonly DATE: string;
  readonly HOST: string;
  readonly ACTION: string;
  readonly DESCRIPTION: string;
}

/** One event in one line: "12:00:01 mosquitto Does not exist (process-missing, restart): pid 42 gone". */
export function eventLine(e: AlertEvent): string {
  const t = new Date(e.time).toISOString().slice(11, 19);
  const detail = [e.class, e.action === 'none' ? undefined : e.action].filter(Boolean).join(', ');
  return `${t} ${e.service} ${describeEvent(e.type, e.state)}${detail ? ` (${detail})` : ''}: ${e.message}`;
}

function span(ms: number): string {
  return ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`;
}

/** The variables of an alert; summaries describe themselves, reminders say so. */
export function alertVars(a: Alert): AlertVars {
  const e = a.event;
  const base = {
    SERVICE: e.service,
    DATE: formatMonitDate(new Date(e.time)),
    HOST: a.host,
    ACTION: e.action,
  };
  switch (a.kind) {
    case 'event':
      return { ...base, EVENT: describeEvent(e.type, e.state), DESCRIPTION: e.message };
    case 'reminder':
      return {
        ...base,
        EVENT: `${describeEvent(e.type, e.state)} (reminder)`,
        DESCRIPTION: `${e.message} (still failing since ${new Date(e.time).toISOString()}, reminder ${a.reminder ?? 1})`,
      };
    case 'flapping': {
      const s = a.summary;
      const n = s?.count ?? 1;
      const during = s ? ` within ${span(s.to - s.from)}` : '';
      return {
        ...base,
        EVENT: 'Flapping',
        DESCRIPTION: `${n} state changes${during}, folded into this alert; now: ${describeEvent(e.type, e.state)}: ${e.message}`,
      };
    }
    case 'folded': {
      const n = a.summary?.count ?? 1;
      const services = [...new Set((a.summary?.events ?? [e]).map((x) => x.service))].join(', ');
      return {
        ...base,
        SERVICE: services,
        EVENT: `${n} alerts folded`,
        DESCRIPTION: `${n} older alerts folded (the alert queue was over its slots): ${(a.summary?.events ?? [e]).slice(-3).map(eventLine).join('; ')}`,
      };
    }
  }
}

/** Replaces monit's $VARIABLES in a mail-format template; other `$` text is left alone. */
export function expand(template: string, vars: AlertVars): string {
  return template.replace(
    /\$(EVENT|SERVICE|DATE|HOST|ACTION|DESCRIPTION)\b/g,
    (_, name: keyof AlertVars) => vars[name],
  );
}

/** The default subject, monit's with our name: "brokerwatch alert -- Does not exist mosquitto". */
export const DEFAULT_SUBJECT = 'brokerwatch alert -- $EVENT $SERVICE';

/** The default body: what happened, to what, where, why (class), what brokerwatch did, and a link. */
export function defaultBody(a: Alert, vars: AlertVars, httpUrl?: string): string {
  const e = a.event;
  const rows: Array<[string, string | undefined]> = [
    ['Service', vars.SERVICE],
    ['Event', `${vars.EVENT} (${e.type})`],
    ['State', e.state],
    ['Class', e.class],
    ['Action', e.action === 'none' ? 'none (alert only)' : e.action],
    ['Date', vars.DATE],
    ['Host', vars.HOST],
    ['Description', vars.DESCRIPTION],
  ];
  const lines = [`${vars.EVENT}: service ${vars.SERVICE} on ${vars.HOST}`, ''];
  for (const [k, v] of rows) if (v !== undefined) lines.push(`  ${`${k}:`.padEnd(13)}${v}`);
  if (a.summary) {
    const shown = a.summary.events;
    lines.push(
      '',
      `${a.summary.count} events${shown.length < a.summary.count ? `, the last ${shown.length} shown` : ''}:`,
    );
    for (const x of shown) lines.push(`  ${eventLine(x)}`);
  }
  if (httpUrl) lines.push('', `Status page: ${httpUrl}`);
  lines.push('', '-- ', 'brokerwatch');
  return `${lines.join('\n')}\n`;
}

/** The JSON document of an alert, for webhooks, MQTT and anything machine-read. */
export function alertDocument(a: Alert, httpUrl?: string): Record<string, unknown> {
  const e = a.event;
  const vars = alertVars(a);
  return {
    id: a.id,
    kind: a.kind,
    host: a.host,
    service: e.service,
    event: e.type,
    description: vars.EVENT,
    state: e.state,
    action: e.action,
    ...(e.class ? { class: e.class } : {}),
    message: vars.DESCRIPTION,
    time: new Date(e.time).toISOString(),
    eventId: e.id,
    ...(a.reminder ? { reminder: a.reminder } : {}),
    ...(a.summary
      ? {
          summary: {
            count: a.summary.count,
            from: new Date(a.summary.from).toISOString(),
            to: new Date(a.summary.to).toISOString(),
            events: a.summary.events,
          },
        }
      : {}),
    ...(httpUrl ? { url: httpUrl } : {}),
  };
}
