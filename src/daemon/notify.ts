// brokerwatch as a `Type=notify` service (systemd.service(5), sd_notify(3)): READY=1 once the rules are
// loaded, the status API listens and every service's loop runs; STATUS= with a one-line summary
// whenever it changes; WATCHDOG=1 while brokerwatch is healthy (watchdog.ts); RELOADING=1 (with
// MONOTONIC_USEC, which systemd 253 and later want) then READY=1 around a reload; STOPPING=1 on the
// way out. Loaded only when $NOTIFY_SOCKET is set: without systemd nothing of this runs.
import type { Timer } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { Daemon } from './daemon.js';
import { monotonicUsec, NotifyQueue, systemdNotifySender, takeNotifyEnv } from './sd-notify.js';
import type { NotifyEnv, NotifySend } from './sd-notify.js';
import { statusLine } from './status-line.js';
import { Watchdog } from './watchdog.js';

/** Changes within this long make one STATUS= message. */
export const STATUS_COALESCE_MS = 250;

/** Options of SystemdNotifier; `send` replaces systemd-notify (tests record what would be sent). */
export interface NotifierOptions {
  readonly logger: Logger;
  readonly send?: NotifySend;
}

/** The notify protocol for one daemon; see the file comment. */
export class SystemdNotifier {
  readonly env: NotifyEnv;
  readonly #log: Logger;
  readonly #queue: NotifyQueue;
  #daemon: Daemon | undefined;
  #watchdog: Watchdog | undefined;
  #status: string | undefined;
  #reloading = 0;
  #statusTimer: Timer | undefined;
  readonly #unsubscribe: Array<() => void> = [];

  constructor(env: NotifyEnv, o: NotifierOptions) {
    this.env = env;
    this.#log = o.logger;
    const onError = (message: string): void => this.#log.error({ socket: env.socket }, message);
    this.#queue = new NotifyQueue(o.send ?? systemdNotifySender(env.socket, onError));
  }

  /** READY=1 with the first STATUS=; the watchdog's pings and the status updates begin. */
  ready(daemon: Daemon): void {
    if (this.#daemon) return;
    this.#daemon = daemon;
    this.#status = statusLine(daemon.runners());
    this.#queue.push(['READY=1', `STATUS=${this.#status}`]);
    // Coalesced: 500 services on a 1 s cycle would otherwise recount all of them 500 times a second.
    const update = (): void => {
      this.#statusTimer ??= daemon.clock.setTimeout(() => {
        this.#statusTimer = undefined;
        this.#updateStatus();
      }, STATUS_COALESCE_MS);
    };
    this.#unsubscribe.push(daemon.onCycle(update), daemon.events.subscribe(update));
    const watchdogMs = this.env.watchdogMs;
    if (watchdogMs === undefined) return;
    this.#watchdog = new Watchdog({
      clock: daemon.clock,
      watchdogMs,
      runners: () => daemon.runners(),
      cycleMs: () => daemon.config.daemon.cycleMs,
      ping: () => this.#queue.push(['WATCHDOG=1']),
      onHealth: (problem) => {
        if (problem !== undefined) this.#log.error({ problem }, `watchdog pings withheld: ${problem}`);
        else this.#log.info('brokerwatch healthy again; watchdog pings resumed');
      },
    });
    this.#watchdog.start();
    this.#log.info({ watchdogMs, pingMs: this.#watchdog.pingMs }, 'systemd watchdog enabled');
  }

  /** Runs RELOAD between RELOADING=1 and READY=1 (only once ready: a reload during the start is part of it). */
  async aroundReload<T>(reload: () => Promise<T>): Promise<T> {
    if (!this.#daemon) return reload();
    if (this.#reloading++ === 0)
      this.#queue.push(['RELOADING=1', `MONOTONIC_USEC=${monotonicUsec()}`, 'STATUS=reloading the rules']);
    try {
      return await reload();
    } finally {
      if (--this.#reloading === 0) {
        this.#status = statusLine(this.#daemon.runners());
        this.#queue.push(['READY=1', `STATUS=${this.#status}`]);
      }
    }
  }

  /** STOPPING=1: no more pings or status updates. */
  stopping(): void {
    this.#stopUpdates();
    this.#queue.push(['STOPPING=1', 'STATUS=stopping; brokers keep running']);
  }

  /** Resolves once every message is sent. */
  async close(): Promise<void> {
    this.#stopUpdates();
    await this.#queue.flushed();
  }

  #stopUpdates(): void {
    this.#watchdog?.stop();
    this.#statusTimer?.cancel();
    this.#statusTimer = undefined;
    for (const u of this.#unsubscribe.splice(0)) u();
  }

  #updateStatus(): void {
    const d = this.#daemon;
    if (!d || this.#reloading > 0) return;
    const line = statusLine(d.runners());
    if (line === this.#status) return;
    this.#status = line;
    this.#queue.push([`STATUS=${line}`]);
  }
}

/** The notifier when systemd asked for one ($NOTIFY_SOCKET), else undefined. Takes the variables
 *  out of the environment either way. */
export function notifierFromEnv(o: NotifierOptions, env: NodeJS.ProcessEnv = process.env): SystemdNotifier | undefined {
  const found = takeNotifyEnv(env);
  return found ? new SystemdNotifier(found, o) : undefined;
}
