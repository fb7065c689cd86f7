// Alertmanager: each alert as `POST BASE/api/v2/alerts`, a JSON array of {labels, annotations,
// startsAt, endsAt, generatorURL} (https://github.com/prometheus/alertmanager/blob/main/api/v2/openapi.yaml).
// One label set per service and event type, the dedupe key of the ledger: a failure fires it, the
// recovery resolves it (`endsAt` = the recovery's time).
//
// Alertmanager resolves a firing alert whose `endsAt` has passed, and one posted without `endsAt`
// after its `resolve_timeout` (5 minutes by default), so a firing alert must be re-sent. brokerwatch
// does what Prometheus does: `endsAt` = now + 4 × max(resend interval, cycle), and the failure is
// posted again every resend interval while it lasts (a reminder of this recipient, see router.ts).
// An Alertmanager restarted (it keeps no alerts on disk) gets the alert back within one interval;
// a brokerwatch that died stops refreshing, and its alerts resolve by themselves after the window
// instead of firing for ever (watch brokerwatch itself, e.g. its /metrics from Prometheus).
import { postJson } from '../post-json.js';
import { describeEvent } from '../../event-text.js';
import type { Alert, AlertEvent, ChannelEnv } from '../../types.js';
import { PermanentRejection } from '../../types.js';
import type { Send } from '../contract.js';
import type { AlertmanagerTarget } from './syntax.js';

/** `endsAt` of a firing alert is this many resend intervals (or cycles) ahead, as in Prometheus. */
const VALIDITY_INTERVALS = 4;

/** One element of the POST body (Alertmanager's PostableAlert). */
export interface PostableAlert {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly generatorURL?: string;
}

/** How long a firing alert stays firing without being posted again. */
export function validityMs(target: AlertmanagerTarget, cycleMs: number): number {
  return VALIDITY_INTERVALS * Math.max(target.resendMs, cycleMs);
}

/** The labels of E's alert: its identity in Alertmanager, the same for a failure and its recovery. */
export function alertLabels(target: AlertmanagerTarget, e: AlertEvent, host: string): Record<string, string> {
  const changed = e.state === 'changed';
  return {
    alertname: changed ? 'BrokerwatchServiceChanged' : 'BrokerwatchServiceFailed',
    service: e.service,
    event: e.type,
    host,
    severity: changed ? 'info' : 'critical',
    ...target.labels,
  };
}

/**
 * E as Alertmanager's alert at NOW: a failure fires until now + VALIDITY (refreshed while it lasts),
 * a recovery resolves at its own time, a change (pid changed, an action done, brokerwatch started)
 * fires once and ends by itself.
 */
export function postableAlert(
  target: AlertmanagerTarget,
  e: AlertEvent,
  a: Pick<Alert, 'host'>,
  env: Pick<ChannelEnv, 'httpUrl'>,
  now: number,
  validity: number,
): PostableAlert {
  const startsAt = Math.min(e.time, now);
  const endsAt = e.state === 'succeeded' ? Math.max(e.time, startsAt) : now + validity;
  return {
    labels: alertLabels(target, e, a.host),
    annotations: {
      summary: `${e.service}: ${describeEvent(e.type, e.state)}`,
      description: e.message,
      ...(e.class ? { class: e.class } : {}),
      ...(e.action !== 'none' ? { action: e.action } : {}),
    },
    startsAt: new Date(startsAt).toISOString(),
    endsAt: new Date(endsAt).toISOString(),
    ...(env.httpUrl ? { generatorURL: env.httpUrl } : {}),
  };
}

/** The events an alert stands for: a summary's newest per service and event type (its state now). */
export function eventsOf(a: Alert): AlertEvent[] {
  const latest = new Map<string, AlertEvent>();
  for (const e of [...(a.summary?.events ?? []), a.event]) latest.set(`${e.service}\0${e.type}`, e);
  return [...latest.values()];
}

/** The base URL without credentials, and the Authorization header they make (fetch refuses them in the URL). */
function endpoint(target: AlertmanagerTarget): { url: string; headers: Record<string, string> } {
  const u = new URL(target.url);
  const headers: Record<string, string> = {};
  if (u.username || u.password) {
    const user = decodeURIComponent(u.username);
    const pass = decodeURIComponent(u.password);
    headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    u.username = '';
    u.password = '';
  }
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/api/v2/alerts`;
  return { url: u.href, headers };
}

/** POSTs one alert (a summary: each of its services' state) to Alertmanager. */
export const send: Send<AlertmanagerTarget> = async (target, alert, env, signal) => {
  // Alertmanager judges endsAt on its own wall clock, so this is the wall clock, not the daemon's.
  const now = Date.now();
  const validity = validityMs(target, env.config.daemon.cycleMs);
  const body = eventsOf(alert).map((e) => postableAlert(target, e, alert, env, now, validity));
  const { url, headers } = endpoint(target);
  const res = await postJson('Alertmanager', url, headers, body, target.timeoutMs, signal);
  if (res.status >= 200 && res.status <= 299) return;
  const answer = `Alertmanager answered HTTP ${res.status}${res.text ? `: ${res.text}` : ''}`;
  // 400: Alertmanager found the alert invalid (a label it refuses); the same alert would be refused
  // again, and block the ones behind it.
  if (res.status === 400) throw new PermanentRejection(answer);
  throw new Error(answer);
};
