// Failed logins per client address and user name in a sliding window: past the limit, that user's
// logins from that client are refused (429) until its oldest failure leaves the window, correct
// password or not, so a password cannot be guessed at network speed. Counted per user as well, ten
// bad guesses at one user's password do not lock out another user at the same address (a shared NAT,
// the machine itself); names that are no user share one count per client, so that a flood of invented
// names cannot push a real lock out of the table. Requests without credentials are not counted: they
// are how a browser learns that it must ask for a password.
import type { Clock } from '../util/clock.js';
import { systemClock } from '../util/clock.js';

/** Limits of the login limiter. */
export interface LoginLimits {
  readonly maxFailures: number;
  readonly windowMs: number;
}

/** 10 failed logins a minute per client and user. */
export const DEFAULT_LOGIN_LIMITS: LoginLimits = { maxFailures: 10, windowMs: 60_000 };

/** At most this many (client, user) pairs are remembered; the oldest is forgotten first. */
const MAX_CLIENTS = 10_000;

/** Counts failed logins per client and user. */
export class LoginLimiter {
  readonly #failures = new Map<string, number[]>();

  constructor(
    private readonly limits: LoginLimits = DEFAULT_LOGIN_LIMITS,
    private readonly clock: Pick<Clock, 'now'> = systemClock,
  ) {}

  /** True while `client` has used up its failed logins as `user` (undefined: a name that is no user). */
  locked(client: string, user: string | undefined): boolean {
    return this.#recent(keyOf(client, user)).length >= this.limits.maxFailures;
  }

  /** Records one failed login of `client` as `user` (undefined: a name that is no user). */
  fail(client: string, user: string | undefined): void {
    const key = keyOf(client, user);
    const list = this.#recent(key);
    list.push(this.clock.now());
    this.#failures.delete(key);
    this.#failures.set(key, list);
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

/** One count per (client, user); a user name cannot hold a NUL, so the pair is unambiguous. */
function keyOf(client: string, user: string | undefined): string {
  return user === undefined ? `${client}\0` : `${client}\0${user}`;
}
