// Watching the identified process for death between cycles. While a probe holds a connection to the
// broker, the kernel closing that connection is the instant sign of a crash, so /proc can be polled
// slowly (the backstop watcher), or not at all between cycles when the service's own cycles look up
// the process as often (a 1 s cycle); without one, the fast watcher polls every 25 ms. Polling is
// what an idle daemon spends its CPU on: a backstop tick a second is a wakeup of its own.
import type { ProcessIdentity } from '../process/identity.js';
import type { LivenessWatcher } from '../process/liveness.js';

/** One service's watch on its process, switching between the fast and the slow watcher. */
export class ProcessWatch {
  /** Probe connections to the broker that are up right now. */
  #connectionsUp = 0;
  #watched: ProcessIdentity | undefined;

  constructor(
    private readonly key: string,
    private readonly fast: LivenessWatcher,
    /** The backstop while connected; undefined: the service's cycles are the backstop. */
    private readonly slow: LivenessWatcher | undefined,
  ) {}

  /** True while a probe holds a connection to the broker: proof that a broker runs. */
  get connected(): boolean {
    return this.#connectionsUp > 0;
  }

  /** Watches `identity` (instead of whatever was watched before). */
  watch(identity: ProcessIdentity): void {
    this.unwatch();
    this.#watched = identity;
    if (this.#connectionsUp === 0) this.fast.watch(identity, this.key);
    else this.slow?.watch(identity, this.key);
  }

  unwatch(): void {
    this.#watched = undefined;
    this.fast.unwatch(this.key);
    this.slow?.unwatch(this.key);
  }

  /** A probe's connection to the broker came up or dropped: change watchers when the count crosses zero. */
  connection(up: boolean): void {
    const before = this.#connectionsUp;
    this.#connectionsUp = Math.max(0, before + (up ? 1 : -1));
    const watched = this.#watched;
    if (!watched || before > 0 === this.#connectionsUp > 0) return;
    this.watch(watched);
    // A dropped connection: look at the process now, not at the next poll.
    if (!up) this.fast.checkNow();
  }
}
