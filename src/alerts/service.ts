// The running alerts service behind startAlerts: the queue, its router and delivery loops, the
// flapping hold and the reminders, one job at a time so that alerts are queued in event order.
import { hostname as osHostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { Config } from '../config/model.js';
import type { Clock, Timer } from '../util/clock.js';
import { systemClock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { RetryOptions } from './retry-delay.js';
import { DEFAULT_RETRY } from './retry-delay.js';
import { channelFor } from './channels/registry.js';
import { readHeld, writeHeld } from './flap-file.js';
import type { FlapOptions } from './flapping.js';
import { DEFAULT_FLAP, FlapDetector } from './flapping.js';
import type { Alerts, AlertsOptions } from './index.js';
import { Deliverer } from './lanes.js';
import { Ledger } from './ledger.js';
import { AlertQueue, DEFAULT_SLOTS } from './queue.js';
import { allLanes, findRecipient } from './recipients.js';
import { AlertRouter, canRemind, isAlerted } from './router.js';
import type { Alert, AlertEvent, Channel, ChannelEnv } from './types.js';
import type { EventDraft } from '../state/types.js';

/**
 * The queue folder: `set eventqueue basedir` (a relative one, like every relative path in the rules,
 * from the folder brokerwatch runs in), else STATEDIR/events.
 */
export function queueDirOf(config: Config, stateDir: string): string {
  const base = config.eventQueue?.basedir;
  return base ? resolve(base) : join(stateDir, 'events');
}

/** One job at a time, in arrival order: alerts are queued in event order. */
class JobChain {
  #chain: Promise<void> = Promise.resolve();
  constructor(private readonly log: Logger) {}

  run(job: () => Promise<void>): Promise<void> {
    const p = this.#chain.then(job);
    this.#chain = p.catch((err: unknown) => this.log.error({ err }, 'alerts: job failed (bug)'));
    return p;
  }

  /** Resolves once every job so far is done. */
  done(): Promise<void> {
    return this.#chain;
  }
}

/** The running alerts service: the queue, its router and delivery loops, flapping and reminders. */
export class AlertService implements Alerts {
  readonly queueDir: string;
  readonly #opts: AlertsOptions;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #host: string;
  #config: Config;
  readonly #queue: AlertQueue;
  readonly #ledger: Ledger;
  readonly #flap: FlapDetector;
  readonly #flapOpts: FlapOptions | false;
  readonly #flapFile: string;
  readonly #router: AlertRouter;
  readonly #deliverer: Deliverer;
  readonly #jobs: JobChain;
  #closed = false;
  #unsubscribe: () => void = () => undefined;
  #reminderTimer: Timer | undefined;
  #flapTimer: Timer | undefined;
  /** Set by started(): from then on the timers run when there is work for them. */
  #running = false;

  /** OPTS, and where an alert refused for good is told (the daemon's events). */
  constructor(opts: AlertsOptions, publish?: (e: EventDraft) => void) {
    this.#opts = opts;
    const log = (this.#log = opts.logger.child({ component: 'alerts' }));
    const clock = (this.#clock = opts.clock ?? systemClock);
    this.#host = opts.hostname ?? osHostname();
    this.#config = opts.config;
    const dir = (this.queueDir = queueDirOf(opts.config, opts.stateDir));
    const queue = (this.#queue = new AlertQueue(dir, opts.config.eventQueue?.slots ?? DEFAULT_SLOTS, log, clock));
    const ledger = (this.#ledger = new Ledger(join(dir, 'alerted.json'), log));
    this.#flapOpts = opts.flapping === false ? false : { ...DEFAULT_FLAP, ...opts.flapping };
    this.#flap = new FlapDetector(this.#flapOpts);
    this.#flapFile = join(dir, 'flapping.json');
    this.#router = new AlertRouter({ queue, ledger, host: this.#host, config: () => this.#config, log, clock });
    const retry: RetryOptions = { ...DEFAULT_RETRY, ...opts.retry };
    const rejected = (a: Alert, reason: string): void =>
      publish?.({
        service: this.#host,
        type: 'instance',
        state: 'changed',
        action: 'none',
        class: 'alert-rejected',
        message: `alert ${a.id} to ${a.label} (${a.event.service} ${a.event.type} ${a.event.state}) not delivered: ${reason}`,
        time: clock.now(),
      });
    this.#deliverer = new Deliverer({
      queue,
      channel: (a) => this.#channel(a),
      retry: () => retry,
      log,
      clock,
      rejected,
    });
    queue.on('added', (lane) => this.#deliverer.wake(lane));
    this.#jobs = new JobChain(log);
  }

  /** An event of the daemon, queued behind the jobs before it. */
  take(e: AlertEvent): void {
    if (!this.#closed && isAlerted(e)) void this.#jobs.run(() => this.#onEvent(e));
  }

  /** Reads what an earlier run left: queued alerts, the ledger, held flapping events. */
  load(): Promise<void> {
    return this.#jobs.run(async () => {
      const queued = await this.#queue.load();
      await this.#ledger.load(queued);
      this.#flap.restore(await readHeld(this.#flapFile, this.#log));
      this.#ledger.retain(allLanes(this.#config), services(this.#config));
      for (const lane of this.#queue.lanes()) this.#deliverer.wake(lane);
      this.#log.info({ dir: this.queueDir, queued: queued.length, slots: this.#queue.slots }, 'alert queue ready');
      if (this.#flap.holding) await this.#flushFlapping();
    });
  }

  /** After the load: alerts "started", and the reminder and flapping timers when there is work for them. */
  started(unsubscribe: () => void): void {
    this.#unsubscribe = unsubscribe;
    this.#running = true;
    if (this.#opts.instanceEvents !== false) void this.#jobs.run(() => this.#onEvent(this.#instance('started')));
    this.#startReminders();
    if (this.#flap.holding) this.#armFlapping();
  }

  /**
   * The flapping timer runs while events are held, and each tick sends the summaries due: an idle
   * daemon is not woken for it (a wakeup costs it more than the tick's work).
   */
  #armFlapping(): void {
    const o = this.#flapOpts;
    if (!o || !this.#running || this.#closed || this.#flapTimer) return;
    const every = Math.max(10, Math.min(1_000, o.quietMs / 4));
    this.#flapTimer = this.#clock
      .setInterval(() => {
        if (this.#closed) return;
        void this.#jobs.run(async () => {
          await this.#flushFlapping();
          if (this.#flap.holding) return;
          this.#flapTimer?.cancel();
          this.#flapTimer = undefined;
        });
      }, every)
      .unref();
  }

  queued(): number {
    return this.#queue.size;
  }

  reload(next: Config): void {
    if (this.#closed) return;
    if (queueDirOf(next, this.#opts.stateDir) !== this.queueDir)
      this.#log.warn({ dir: this.queueDir }, 'a new eventqueue basedir takes effect at the next start');
    this.#config = next;
    this.#queue.slots = next.eventQueue?.slots ?? DEFAULT_SLOTS;
    // The cycle may be another, and recipients with reminders may have come or gone.
    if (this.#running) this.#startReminders();
    void this.#jobs.run(async () => {
      this.#ledger.retain(allLanes(next), services(next));
      await this.#ledger.save();
      // Lanes whose recipient is gone are dropped by their loop.
      for (const lane of this.#queue.lanes()) this.#deliverer.wake(lane);
      if (this.#opts.instanceEvents !== false) await this.#onEvent(this.#instance('reloaded'));
    });
  }

  async flush(): Promise<void> {
    await this.#jobs.done();
    await this.#deliverer.idle();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe();
    this.#reminderTimer?.cancel();
    this.#flapTimer?.cancel();
    if (this.#opts.instanceEvents !== false)
      await this.#jobs.run(() => this.#onEvent(this.#instance('stopped'))).catch(() => undefined);
    await this.#jobs.done();
    const grace = this.#opts.closeGraceMs ?? 2_000;
    if (grace > 0 && this.#queue.size > 0) {
      let timer: Timer | undefined;
      await Promise.race([
        this.#deliverer.idle(),
        new Promise<void>((r) => (timer = this.#clock.setTimeout(r, grace))),
      ]);
      timer?.cancel();
    }
    await this.#deliverer.close();
    await this.#ledger.save();
    const size = this.#queue.size;
    this.#log.info(
      { queued: size },
      size > 0 ? 'alerts stopped; undelivered alerts stay queued for the next start' : 'alerts stopped',
    );
  }

  /** Reminders are looked for once a cycle, when some recipient is reminded (`reminder N cycles`,
   *  a channel that re-sends open failures); with none, no timer wakes the daemon for them. */
  #startReminders(): void {
    this.#reminderTimer?.cancel();
    this.#reminderTimer = undefined;
    if (!canRemind(this.#config)) return;
    const tick = (): void => {
      if (!this.#closed)
        void this.#jobs.run(() => this.#router.reminders(this.#clock.now(), this.#config.daemon.cycleMs));
    };
    this.#reminderTimer = this.#clock.setInterval(tick, this.#config.daemon.cycleMs).unref();
  }

  async #onEvent(e: AlertEvent): Promise<void> {
    if (this.#flap.offer(e, this.#clock.now()) === 'held') {
      this.#log.info(
        { service: e.service, event: e.type, state: e.state },
        'service flapping: event folded into a summary',
      );
      await this.#saveHeld();
      this.#armFlapping();
      return;
    }
    await this.#router.event(e);
  }

  async #flushFlapping(): Promise<void> {
    for (const { service, events } of this.#flap.due(this.#clock.now())) await this.#router.flapping(service, events);
    await this.#saveHeld();
  }

  #saveHeld(): Promise<void> {
    const file = this.#flapFile;
    return writeHeld(file, this.#flap.snapshot()).catch((err: unknown) =>
      this.#log.error({ err, file }, 'cannot write the flapping file'),
    );
  }

  /** The daemon's own start, reload or stop, as monit's `instance` event. */
  #instance(what: string): AlertEvent {
    return {
      id: 0,
      service: this.#host,
      type: 'instance',
      state: 'changed',
      action: 'none',
      message: `brokerwatch ${what}`,
      time: this.#clock.now(),
    };
  }

  #channel(a: Alert): Channel | undefined {
    const config = this.#config;
    const r = findRecipient(config, a.event.service, a.lane);
    if (!r) return undefined;
    const env: ChannelEnv = {
      config,
      host: this.#host,
      ...withHostId(this.#opts.hostId?.()),
      stateDir: this.#opts.stateDir,
      logger: this.#log,
      ...(this.#opts.httpUrl ? { httpUrl: this.#opts.httpUrl } : {}),
      ...(this.#opts.mailTls ? { mailTls: this.#opts.mailTls } : {}),
    };
    return channelFor(r.target, env);
  }
}

function services(c: Config): Set<string> {
  return new Set(c.services.map((s) => s.name));
}

function withHostId(hostId: string | undefined): { hostId?: string } {
  return hostId !== undefined ? { hostId } : {};
}
