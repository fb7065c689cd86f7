// brokerwatch's own trouble seen by a service's cycle (out of descriptors or memory, a check's bug):
// never a verdict on the broker, but not silent either. When it begins, an error line and a failed
// `instance` event of class `internal` (on the page, in the API, alerted); when it ends, a succeeded one.
import type { CheckResult } from '../checks/result.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { EventBus } from './event-bus.js';

/** One service's own-fault state across cycles. */
export class OwnFaults {
  #active: string | undefined;

  constructor(
    private readonly service: string,
    private readonly events: EventBus,
    private readonly log: Logger,
    private readonly clock: Pick<Clock, 'now'>,
  ) {}

  /** What is wrong with brokerwatch itself for this service now, if anything. */
  get active(): string | undefined {
    return this.#active;
  }

  /** One cycle's own faults: the lookup's, and the results of class `internal`. */
  cycle(lookupFault: string | undefined, results: readonly CheckResult[]): void {
    const fault = lookupFault ?? results.find((r) => r.class === 'internal')?.message;
    if (fault !== undefined && this.#active === undefined) {
      this.log.error(
        { service: this.service, class: 'internal' },
        `${fault}; the broker is not judged meanwhile and no action is taken`,
      );
      this.#publish('failed', `${fault}; the broker is not judged meanwhile`);
    } else if (fault === undefined && this.#active !== undefined) {
      this.log.info({ service: this.service, class: 'internal' }, 'brokerwatch can look at the broker again');
      this.#publish('succeeded', 'brokerwatch can look at the broker again');
    }
    this.#active = fault;
  }

  #publish(state: 'failed' | 'succeeded', message: string): void {
    this.events.publish({
      service: this.service,
      type: 'instance',
      state,
      action: 'none',
      class: 'internal',
      message,
      time: this.clock.now(),
    });
  }
}
