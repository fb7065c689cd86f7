// `set mmonit`: the daemon's status pushed to M/Monit every cycle and with every event, as monit
// does. Best effort, and never in the daemon's way: one push in flight at a time, each with its
// deadline; while one is out, the status due next is only marked (it is built when it goes, so the
// newest wins) and events wait in a short line (the oldest dropped past EVENT_BACKLOG). A collector
// that is down is logged once, when it goes down, and once when it is back.
import type { Config } from '../config/model.js';
import type { Daemon } from '../daemon/daemon.js';
import { ResourceSampler } from '../http/resource-sampler.js';
import { Scrubber, collectSecrets } from '../http/secrets.js';
import type { ServiceEvent } from '../state/events.js';
import type { Timer } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { pushDocument } from './document.js';
import { postDocument } from './post.js';
import { collectorLabel } from './syntax.js';

/** Events waiting for the push in flight; beyond this the oldest are dropped (best effort). */
const EVENT_BACKLOG = 100;
/** How long stop() lets the push in flight finish before it is cancelled. */
const STOP_GRACE_MS = 1_000;

/** A running pusher. */
export class MMonitPusher {
  readonly #daemon: Daemon;
  readonly #log: Logger;
  readonly #resources: ResourceSampler;
  readonly #abort = new AbortController();
  readonly #events: ServiceEvent[] = [];
  #statusDue = false;
  #inFlight: Promise<void> | undefined;
  #timer: Timer | undefined;
  #unsubscribe: (() => void) | undefined;
  #down = false;
  #scrubber: { config: Config; scrubber: Scrubber } | undefined;

  constructor(daemon: Daemon, logger: Logger) {
    this.#daemon = daemon;
    this.#log = logger.child({ component: 'mmonit' });
    this.#resources = new ResourceSampler(daemon);
  }

  /** Pushes now, then every cycle and with every event. */
  start(): void {
    this.#unsubscribe = this.#daemon.events.subscribe((e) => this.#push(e));
    this.#timer = this.#daemon.clock.setInterval(() => this.#push(), this.#daemon.config.daemon.cycleMs);
    this.#timer.unref();
    this.#push();
  }

  /** Stops pushing; the push in flight gets a moment to finish, then is cancelled. */
  async stop(): Promise<void> {
    this.#unsubscribe?.();
    this.#timer?.cancel();
    this.#resources.close();
    this.#events.length = 0;
    this.#statusDue = false;
    const inFlight = this.#inFlight;
    if (inFlight) {
      const grace = this.#daemon.clock.setTimeout(() => this.#abort.abort(), STOP_GRACE_MS);
      await inFlight;
      grace.cancel();
    }
    this.#abort.abort();
  }

  /** Marks a status push due (or queues EVENT's) and sends unless a push is out. */
  #push(event?: ServiceEvent): void {
    if (this.#abort.signal.aborted) return;
    if (event) {
      this.#events.push(event);
      if (this.#events.length > EVENT_BACKLOG) this.#events.shift();
    } else {
      this.#statusDue = true;
    }
    if (!this.#inFlight) this.#inFlight = this.#drain().finally(() => (this.#inFlight = undefined));
  }

  async #drain(): Promise<void> {
    for (;;) {
      const event = this.#events.shift();
      if (!event && !this.#statusDue) return;
      // An event's document carries the status too.
      this.#statusDue = false;
      await this.#send(event);
    }
  }

  /** One document to the first collector that takes it, in the order of the rules. */
  async #send(event: ServiceEvent | undefined): Promise<void> {
    const mmonit = this.#daemon.config.mmonit;
    if (!mmonit || this.#abort.signal.aborted) return;
    let body: string;
    try {
      body = pushDocument({ daemon: this.#daemon, resources: this.#resources, scrubber: () => this.#scrub() }, event);
    } catch (err) {
      this.#log.error({ err }, 'cannot build the M/Monit status document (bug)');
      return;
    }
    const errors: string[] = [];
    for (const c of mmonit.collectors) {
      try {
        await postDocument(c, body, this.#abort.signal);
        if (this.#down) this.#log.info({ collector: collectorLabel(c.url) }, 'M/Monit takes status again');
        this.#down = false;
        return;
      } catch (err) {
        if (this.#abort.signal.aborted) return;
        errors.push(`${collectorLabel(c.url)}: ${this.#scrub().scrub((err as Error).message)}`);
      }
    }
    const fields = { collectors: errors, ...(event ? { event: event.id } : {}) };
    if (!this.#down)
      this.#log.warn(fields, 'M/Monit is unreachable; status and events are not pushed until it is back');
    else this.#log.debug(fields, 'M/Monit push failed');
    this.#down = true;
  }

  /** The scrubber of the rules in force: event and check messages may quote a secret. */
  #scrub(): Scrubber {
    const config = this.#daemon.config;
    if (this.#scrubber?.config !== config) this.#scrubber = { config, scrubber: new Scrubber(collectSecrets(config)) };
    return this.#scrubber.scrubber;
  }
}

/** Starts pushing DAEMON's status to the collectors of `set mmonit`. */
export function startMMonit(daemon: Daemon, logger: Logger): MMonitPusher {
  const pusher = new MMonitPusher(daemon, logger);
  pusher.start();
  return pusher;
}
