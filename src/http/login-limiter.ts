// Failed logins per client address in a sliding window: past the limit, that client's logins are
// refused (429) until its oldest failure leaves the window, correct password or not, so a password
// cannot be guessed at network speed. Requests without credentials are not counted: they are how a
// browser learns that it must ask for a password.
import type { Clock } from '../util/clock.js';
import { systemClock } from '../util/clock.js';

/** Limits of the login limiter. */
export interface LoginLimits {
  readonly maxFailures: number;
  readonly windowMs: number;
}

/** 10 failed logins a minute per client. */
export const DEFAULT_LOGIN_LIMITS: LoginLimits = { maxFailures: 10, windowMs: 60_000 };

/** At most this many addresses are remembered; the oldest is forgotten first. */
const MAX_CLIENTS = 10_000;

/** Counts failed logins per client. */
export class LoginLimiter {
  readonly #failures = new Map<string, number[]>();

  constructor(
    private readonly limits: LoginLimits = DEFAULT_LOGIN_LIMITS,
    private readonly clock: Pick<Clock, 'now'> = systemClock,
  ) {}

  /** True while `client` has used up its failed logins. */
  locked(client: string): boolean {
    return this.#recent(client).length >= this.limits.maxFailures;
  }

  /** Records one failed login of `client`. */
  fail(client: string): void {
    const list = this.#recent(client);
    list.push(this.clock.now());
    this.#failures.delete(client);
    this.#failures.set(client, list);
    if (this.#failures.size > MAX_CLIENTS) {
      const oldest = this.#failures.keys().next();
      if (!oldest.done) this.#failures.delete(oldest.value);
    }
  }

  #recent(client: string): number[] {
    const since = this.clock.now() - this.limits.windowMs;
    const list = (this.#failures.get(client) ?? []).filter((t) => t > since);
    if (list.length === 0) this.#failures.delete(client);
    else this.#failures.set(client, list);
    return list;
  }
}
