// Alerts that are never lost (DESIGN.md §3, §5, §6). Every event of the daemon's EventBus becomes
// one queued alert per recipient that wants it (router.ts), written to disk before any attempt to
// send (queue.ts), and delivered per recipient strictly in order with retries (lanes.ts) by mail,
// webhook, MQTT or exec (channels/). Reminders repeat open failures; a flapping service sends one
// summary (flapping.ts); a failure alerted once is not alerted again after a reload or restart
// (ledger.ts). The daemon's own start, reload and stop are alerted as monit's `instance` events.
import type { Config } from '../config/model.js';
import type { Daemon } from '../daemon/daemon.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { ServiceEvent } from '../state/events.js';
import type { RetryOptions } from './retry-delay.js';
import type { FlapOptions } from './flapping.js';
import { AlertService } from './service.js';
import type { AlertEvent, MailTlsOptions } from './types.js';

export type { Alert, AlertEvent, Channel } from './types.js';
export type { FlapOptions } from './flapping.js';
export type { RetryOptions } from './retry-delay.js';

/** What alerts need of the daemon: its event stream (a Daemon, or anything with the same `events`). */
export type AlertSource = Pick<Daemon, 'events'>;

/** Options of startAlerts; all but the first three are optional. */
export interface AlertsOptions {
  readonly config: Config;
  readonly logger: Logger;
  /** The daemon's state folder: the queue defaults to STATEDIR/events, the mail outbox is STATEDIR/outbox. */
  readonly stateDir: string;
  /** $HOST in alerts; default os.hostname(). */
  readonly hostname?: string;
  /** The host's stable id (`set idfile`), asked for each alert: the daemon reads it as it starts. */
  readonly hostId?: () => string | undefined;
  /** The web page, linked from mails and included in JSON alerts. */
  readonly httpUrl?: string;
  /** Retry backoff of failed deliveries; default 1 s doubling to 5 min. */
  readonly retry?: Partial<RetryOptions>;
  /** Flapping thresholds (default 4 state changes within 60 s, summary after 30 s quiet); false: off. */
  readonly flapping?: Partial<FlapOptions> | false;
  /** Extra TLS trust for SMTP (a private CA), or none at all (tests only). */
  readonly mailTls?: MailTlsOptions;
  /** How long close() lets queued alerts (the "stopped" one included) go out; default 2 s. */
  readonly closeGraceMs?: number;
  /** Alert the daemon's own start, reload and stop as `instance` events (monit does); default true. */
  readonly instanceEvents?: boolean;
  /** Time of alerts, reminders, flapping and retries (default: the system clock). */
  readonly clock?: Clock;
}

/** A running alerts service. */
export interface Alerts {
  /** Stops taking events, alerts "stopped", lets the queue drain for the grace period, then stops;
   *  whatever is still queued stays on disk for the next start. */
  close(): Promise<void>;
  /** Takes new rules: recipients, filters, mail servers, slots (the queue folder only at restart). */
  reload(config: Config): void;
  /** Resolves once every event so far is queued and the queue is empty (delivered). */
  flush(): Promise<void>;
  /** The queue folder. */
  readonly queueDir: string;
  /** Alerts queued and not yet delivered. */
  queued(): number;
}

export { queueDirOf } from './service.js';

function toAlertEvent(e: ServiceEvent): AlertEvent {
  return {
    id: e.id,
    service: e.service,
    type: e.type,
    state: e.state,
    action: e.action,
    ...(e.class ? { class: e.class } : {}),
    message: e.message,
    time: e.time,
  };
}

/** Starts alerting the daemon's events; loads (and resumes sending) what an earlier run queued. */
export async function startAlerts(daemon: AlertSource, opts: AlertsOptions): Promise<Alerts> {
  const service = new AlertService(opts, (e) => daemon.events.publish(e));
  // Subscribed before anything is awaited: events during the load wait in the chain behind it.
  const unsubscribe = daemon.events.subscribe((e) => service.take(toAlertEvent(e)));
  try {
    await service.load();
  } catch (err) {
    unsubscribe();
    throw err;
  }
  service.started(unsubscribe);
  return service;
}
