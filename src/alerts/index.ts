// Alerts that are never lost (DESIGN.md §3, §5, §6). Every event of the daemon's EventBus becomes
// one queued alert per recipient that wants it (router.ts), written to disk before any attempt to
// send (queue.ts), and delivered per recipient strictly in order with retries (lanes.ts) by mail,
// webhook, MQTT or exec (channels/). Reminders repeat open failures; a flapping service sends one
// summary (flapping.ts); a failure alerted once is not alerted again after a reload or restart
// (ledger.ts). The daemon's own start, reload and stop are alerted as monit's `instance` events.
import { hostname as osHostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { Config } from '../config/model.js';
import type { Daemon } from '../daemon/daemon.js';
import type { Logger } from '../util/logger.js';
import type { ServiceEvent } from '../state/events.js';
import type { RetryOptions } from './backoff.js';
import { DEFAULT_RETRY } from './backoff.js';
import { channelFor } from './channels/registry.js';
import { readHeld, writeHeld } from './flap-file.js';
import type { FlapOptions } from './flapping.js';
import { DEFAULT_FLAP, FlapDetector } from './flapping.js';
import { Deliverer } from './lanes.js';
import { Ledger } from './ledger.js';
import { AlertQueue, DEFAULT_SLOTS } from './queue.js';
import { allLanes, findRecipient } from './recipients.js';
import { AlertRouter } from './router.js';
import type { AlertEvent, ChannelEnv, MailTlsOptions } from './types.js';

export type { Alert, AlertEvent, Channel } from './types.js';
export type { FlapOptions } from './flapping.js';
export type { RetryOptions } from './backoff.js';

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

/**
 * The queue folder: `set eventqueue basedir` (a relative one, like every relative path in the rules,
 * from the folder brokerwatch runs in), else STATEDIR/events.
 */
export function queueDirOf(config: Config, stateDir: string): string {
  const base = config.eventQueue?.basedir;
  return base ? resolve(base) : join(stateDir, 'events');
}

function toAlertEvent(e: ServiceEvent): AlertEvent {
  return { id: e.id, service: e.service, type: e.type, state: e.state, action: e.action, ...(e.class ? { class: e.class } : {}), message: e.message, time: e.time };
}

/** Starts alerting the daemon's events; loads (and resumes sending) what an earlier run queued. */
export async function startAlerts(daemon: AlertSource, opts: AlertsOptions): Promise<Alerts> {
  const log = opts.logger.child({ component: 'alerts' });
  const host = opts.hostname ?? osHostname();
  let config = opts.config;
  const dir = queueDirOf(config, opts.stateDir);
  const retry: RetryOptions = { ...DEFAULT_RETRY, ...opts.retry };
  const queue = new AlertQueue(dir, config.eventQueue?.slots ?? DEFAULT_SLOTS, log);
  const ledger = new Ledger(join(dir, 'alerted.json'), log);
  const flapOpts = opts.flapping === false ? false : { ...DEFAULT_FLAP, ...opts.flapping };
  const flap = new FlapDetector(flapOpts);
  const flapFile = join(dir, 'flapping.json');
  const env = (): ChannelEnv => ({
    config,
    host,
    stateDir: opts.stateDir,
    logger: log,
    ...(opts.httpUrl ? { httpUrl: opts.httpUrl } : {}),
    ...(opts.mailTls ? { mailTls: opts.mailTls } : {}),
  });
  const router = new AlertRouter({ queue, ledger, host, config: () => config, log });
  const deliverer = new Deliverer({
    queue,
    channel: (a) => {
      const r = findRecipient(config, a.event.service, a.lane);
      return r ? channelFor(r.target, env()) : undefined;
    },
    retry: () => retry,
    log,
  });
  queue.on('added', (lane) => deliverer.wake(lane));

  // One job at a time, in arrival order: alerts are queued in event order.
  let chain: Promise<void> = Promise.resolve();
  const run = (job: () => Promise<void>): Promise<void> => {
    const p = chain.then(job);
    chain = p.catch((err: unknown) => log.error({ err }, 'alerts: job failed (bug)'));
    return p;
  };
  const instance = (what: string): AlertEvent => ({ id: 0, service: host, type: 'instance', state: 'changed', action: 'none', message: `brokerwatch ${what}`, time: Date.now() });
  const saveHeld = (): Promise<void> => writeHeld(flapFile, flap.snapshot()).catch((err: unknown) => log.error({ err, file: flapFile }, 'cannot write the flapping file'));
  const onEvent = async (e: AlertEvent): Promise<void> => {
    if (flap.offer(e, Date.now()) === 'held') {
      log.info({ service: e.service, event: e.type, state: e.state }, 'service flapping: event folded into a summary');
      await saveHeld();
      return;
    }
    await router.event(e);
  };
  const flushFlapping = async (now: number): Promise<void> => {
    const due = flap.due(now);
    for (const { service, events } of due) await router.flapping(service, events);
    await saveHeld();
  };
  const services = (c: Config): Set<string> => new Set(c.services.map((s) => s.name));

  let closed = false;
  // Subscribed before anything is awaited: events during the load wait in the chain behind it.
  const unsubscribe = daemon.events.subscribe((e) => {
    if (!closed) void run(() => onEvent(toAlertEvent(e)));
  });

  try {
    await run(async () => {
      const queued = await queue.load();
      await ledger.load(queued);
      flap.restore(await readHeld(flapFile, log));
      ledger.retain(allLanes(config), services(config));
      for (const lane of queue.lanes()) deliverer.wake(lane);
      log.info({ dir, queued: queued.length, slots: queue.slots }, 'alert queue ready');
      if (flap.holding) await flushFlapping(Date.now());
    });
  } catch (err) {
    unsubscribe();
    throw err;
  }
  if (opts.instanceEvents !== false) void run(() => onEvent(instance('started')));

  const tick = (): void => {
    if (!closed) void run(() => router.reminders(Date.now(), config.daemon.cycleMs));
  };
  let reminderTimer = setInterval(tick, config.daemon.cycleMs).unref();
  const flapTimer = flapOpts
    ? setInterval(() => {
        if (!closed && flap.holding) void run(() => flushFlapping(Date.now()));
      }, Math.max(10, Math.min(1_000, flapOpts.quietMs / 4))).unref()
    : undefined;

  return {
    queueDir: dir,
    queued: () => queue.size,
    reload(next: Config): void {
      if (closed) return;
      if (queueDirOf(next, opts.stateDir) !== dir) log.warn({ dir }, 'a new eventqueue basedir takes effect at the next start');
      const cycleChanged = next.daemon.cycleMs !== config.daemon.cycleMs;
      config = next;
      queue.slots = next.eventQueue?.slots ?? DEFAULT_SLOTS;
      if (cycleChanged) {
        clearInterval(reminderTimer);
        reminderTimer = setInterval(tick, next.daemon.cycleMs).unref();
      }
      void run(async () => {
        ledger.retain(allLanes(next), services(next));
        await ledger.save();
        // Lanes whose recipient is gone are dropped by their loop.
        for (const lane of queue.lanes()) deliverer.wake(lane);
        if (opts.instanceEvents !== false) await onEvent(instance('reloaded'));
      });
    },
    async flush(): Promise<void> {
      await chain;
      await deliverer.idle();
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      unsubscribe();
      clearInterval(reminderTimer);
      clearInterval(flapTimer);
      if (opts.instanceEvents !== false) await run(() => onEvent(instance('stopped'))).catch(() => undefined);
      await chain;
      const grace = opts.closeGraceMs ?? 2_000;
      if (grace > 0 && queue.size > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([deliverer.idle(), new Promise<void>((r) => (timer = setTimeout(r, grace)))]);
        clearTimeout(timer);
      }
      await deliverer.close();
      await ledger.save();
      log.info({ queued: queue.size }, queue.size > 0 ? 'alerts stopped; undelivered alerts stay queued for the next start' : 'alerts stopped');
    },
  };
}
