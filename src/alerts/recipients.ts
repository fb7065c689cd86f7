// Who gets an alert (monit's rules): the global `set alert` recipients minus the service's `noalert`
// addresses, plus the service's own `alert` recipients (which replace a global one for the same
// target, with their own filter and reminders); each recipient's event filter decides last.
// A recipient is known by a key hashed from its target, so queue files name their lane without
// holding a URL token or a password, and the channel's settings come from the current config.
import { createHash } from 'node:crypto';
import type { AlertFilter, AlertRecipient, AlertTarget, Config, EventType, Service } from '../config/model.js';
import { syntaxOf } from './channels/registry.js';

/** A recipient of one alert, with its lane key and a printable name. */
export interface Resolved {
  readonly key: string;
  readonly label: string;
  readonly recipient: AlertRecipient;
}

/** The lane key of a target: 16 hex digits of a SHA-256 of what identifies it (its channel says what). */
export function recipientKey(t: AlertTarget): string {
  return createHash('sha256').update(syntaxOf(t).identity(t)).digest('hex').slice(0, 16);
}

/** The target in words for logs and queue files: no URL path (Slack's holds the token), no password. */
export function recipientLabel(t: AlertTarget): string {
  return syntaxOf(t).label(t);
}

/** True when the filter lets events of this type through. */
export function passes(filter: AlertFilter, type: EventType): boolean {
  if (filter.mode === 'all') return true;
  const listed = filter.events.includes(type);
  return filter.mode === 'only' ? listed : !listed;
}

function resolved(r: AlertRecipient): Resolved {
  return { key: recipientKey(r.target), label: recipientLabel(r.target), recipient: r };
}

function silenced(r: AlertRecipient, service: Service): boolean {
  if (service.noAlerts.length === 0) return false;
  const names = new Set(service.noAlerts.map((n) => n.toLowerCase()));
  return names.has(syntaxOf(r.target).noalertName(r.target).toLowerCase());
}

/** Every recipient of events of `service` (undefined: the daemon's own events), before filters. */
export function recipientsFor(config: Config, service: string | undefined): Resolved[] {
  const svc = service === undefined ? undefined : config.services.find((s) => s.name === service);
  const out = new Map<string, Resolved>();
  for (const r of config.alerts) if (!svc || !silenced(r, svc)) out.set(recipientKey(r.target), resolved(r));
  for (const r of svc?.alerts ?? []) out.set(recipientKey(r.target), resolved(r));
  return [...out.values()];
}

/** The recipient behind a lane as the current config has it: the service's own first, then the
 *  global one, then any service's (a folded summary may mix services). */
export function findRecipient(config: Config, service: string | undefined, lane: string): AlertRecipient | undefined {
  const svc = service === undefined ? undefined : config.services.find((s) => s.name === service);
  const lists = [svc?.alerts ?? [], config.alerts, ...config.services.map((s) => s.alerts)];
  for (const list of lists) for (const r of list) if (recipientKey(r.target) === lane) return r;
  return undefined;
}

/** Every recipient the config names: the global ones (`set alert`), then each service's. */
export function allRecipients(config: Config): AlertRecipient[] {
  return [...config.alerts, ...config.services.flatMap((s) => s.alerts)];
}

/** Every lane key the config names. */
export function allLanes(config: Config): Set<string> {
  return new Set(allRecipients(config).map((r) => recipientKey(r.target)));
}
