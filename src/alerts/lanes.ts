// Delivery: one loop per lane (recipient), sending its queued alerts strictly in order. A failing
// head blocks the alerts behind it (head-of-line), so a recipient never sees a recovery before the
// failure; it is retried with backoff until accepted. Lanes are independent: a hung webhook never
// delays a mail.
import { once } from 'node:events';
import type { Clock } from '../util/clock.js';
import { systemClock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { RetryOptions } from './retry-delay.js';
import { retryDelay } from './retry-delay.js';
import type { AlertQueue } from './queue.js';
import type { Alert, Channel } from './types.js';
import { PermanentRejection } from './types.js';

/** A last-resort deadline per attempt, beyond each channel's own timeouts. */
export const ATTEMPT_DEADLINE_MS = 120_000;

/** What the delivery loops need. */
export interface DelivererDeps {
  readonly queue: AlertQueue;
  /** The channel for an alert's recipient in the current rules; undefined when they no longer name it. */
  channel(alert: Alert): Channel | undefined;
  retry(): RetryOptions;
  readonly log: Logger;
  /** Time of the retry waits and the attempt deadline (default: the system clock). */
  readonly clock?: Clock;
  /** An alert the far end refused for good, taken off the queue: told to the daemon's events. */
  readonly rejected?: (alert: Alert, reason: string) => void;
}

/** Runs the delivery loops. */
export class Deliverer {
  readonly #active = new Set<string>();
  readonly #loops = new Set<Promise<void>>();
  readonly #ac = new AbortController();
  #closed = false;
  readonly #clock: Clock;

  constructor(private readonly deps: DelivererDeps) {
    this.#clock = deps.clock ?? systemClock;
  }

  /** Starts the lane's loop unless it runs already. */
  wake(lane: string): void {
    if (this.#closed || this.#active.has(lane)) return;
    this.#active.add(lane);
    const p = this.#run(lane);
    this.#loops.add(p);
    void p.finally(() => this.#loops.delete(p));
  }

  /** Resolves once nothing is queued. */
  async idle(): Promise<void> {
    const q = this.deps.queue;
    while (q.size > 0) await once(q, 'removed');
  }

  /** Stops every loop, aborting sends in progress; what is queued stays on disk. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#ac.abort(new Error('alerts closing'));
    await Promise.allSettled([...this.#loops]);
  }

  async #run(lane: string): Promise<void> {
    const { queue, log } = this.deps;
    let failures = 0;
    try {
      for (;;) {
        // Checked and acted on with no await in between: a wake() for a new alert either finds the
        // loop active or starts a new one.
        const head = queue.head(lane);
        if (this.#closed || !head) return;
        const channel = this.#channel(head);
        if (!channel) {
          log.warn(
            { recipient: head.label, alertId: head.id },
            'recipient no longer in the rules: queued alert dropped',
          );
          await queue.remove(head);
          continue;
        }
        queue.setSending(lane, head.id);
        const started = this.#clock.now();
        const deadline = this.#deadline();
        try {
          await channel.send(head, AbortSignal.any([this.#ac.signal, deadline.signal]));
        } catch (err) {
          deadline.timer.cancel();
          queue.setSending(lane, undefined);
          if (this.#closed) return;
          if (err instanceof PermanentRejection) {
            await this.#reject(head, err.message);
            failures = 0;
            continue;
          }
          failures++;
          const delay = retryDelay(failures, this.deps.retry());
          log.warn(
            {
              recipient: head.label,
              alertId: head.id,
              service: head.event.service,
              attempt: failures,
              retryInMs: delay,
              queued: queue.pending(lane).length,
              error: (err as Error).message,
            },
            'alert not delivered; will retry',
          );
          await this.#clock.sleep(delay, this.#ac.signal).catch(() => undefined);
          continue;
        }
        deadline.timer.cancel();
        failures = 0;
        // Still marked as being sent until it is removed: a fold in between must not take it.
        await queue.remove(head);
        queue.setSending(lane, undefined);
        log.info(
          {
            recipient: head.label,
            alertId: head.id,
            kind: head.kind,
            service: head.event.service,
            event: head.event.type,
            state: head.event.state,
            ms: this.#clock.now() - started,
          },
          'alert delivered',
        );
      }
    } finally {
      this.#active.delete(lane);
    }
  }

  /** Takes a refused alert off the queue, so that the recipient's later alerts go out. */
  async #reject(head: Alert, reason: string): Promise<void> {
    await this.deps.queue.remove(head);
    this.deps.log.error(
      { recipient: head.label, alertId: head.id, service: head.event.service, error: reason },
      'alert refused for good by the recipient; not retried',
    );
    this.deps.rejected?.(head, reason);
  }

  /** Aborts with a TimeoutError after ATTEMPT_DEADLINE_MS, as AbortSignal.timeout would, on the clock. */
  #deadline(): { signal: AbortSignal; timer: { cancel(): void } } {
    const ac = new AbortController();
    const timer = this.#clock.setTimeout(
      () => ac.abort(new DOMException('attempt deadline', 'TimeoutError')),
      ATTEMPT_DEADLINE_MS,
    );
    timer.unref();
    return { signal: ac.signal, timer };
  }

  #channel(alert: Alert): Channel | undefined {
    try {
      return this.deps.channel(alert);
    } catch (err) {
      this.deps.log.error({ err, recipient: alert.label }, 'cannot set up the alert channel (bug)');
      return undefined;
    }
  }
}
