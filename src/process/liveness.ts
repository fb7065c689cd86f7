// The fast crash detector (DESIGN.md §3, §5): a supervised broker is usually not our child (it
// daemonized), so no SIGCHLD tells us it died; monit notices on its next cycle. Here one shared
// timer polls every watched process every 25 ms.
//
// Each watch keeps /proc/PID/stat open. That descriptor is pinned to the process, not the number:
// once the process is reaped, reading it fails with ESRCH even if the PID was reused meanwhile
// (like a pidfd). So a tick is one pread() per PID and a one-byte look at the state field.
// Measured (test/process/liveness.test.ts, Linux 6.18, Node 20, 2 vCPU VM, 100 PIDs): 1.5-2.5 µs
// per PID per tick, so at the 25 ms default about 100 µs of CPU per second per watched broker
// (0.01 % of a core). Reading /proc/PID/stat by path instead costs ~10 µs (open+read+close).
import { EventEmitter } from 'node:events';
import { closeSync, openSync, readSync } from 'node:fs';
import type { Clock, Timer } from '../util/clock.js';
import { systemClock } from '../util/clock.js';
import type { ProcessIdentity } from './identity.js';
import { isDeadState, parseProcStat, readProcStatSync } from './proc-stat.js';

export type LivenessReason = 'exited' | 'zombie' | 'reused';

export interface LivenessEvent {
  readonly key: string;
  readonly identity: ProcessIdentity;
  readonly reason: LivenessReason;
  readonly message: string;
  /** Epoch milliseconds at detection. */
  readonly time: number;
}

export interface LivenessOptions {
  /** Poll period; the detection delay is at most this plus event-loop lag. */
  readonly intervalMs?: number;
  /** The poll timer's and the events' time (default: the system clock). */
  readonly clock?: Clock;
}

export const DEFAULT_LIVENESS_INTERVAL_MS = 25;

interface Watch {
  readonly key: string;
  readonly identity: ProcessIdentity;
  /** Open /proc/PID/stat, or undefined if it could not be opened (the process is already gone). */
  fd: number | undefined;
  /** Set once the open descriptor has been shown to be this identity's process. */
  verified: boolean;
}

// /proc/PID/stat is under 400 bytes in practice; comm is at most 64 bytes.
const BUFFER_SIZE = 1024;
const CLOSE_PAREN = 0x29;

/** Watches processes and emits 'change' once per process when it dies, turns zombie or was replaced.
 *  Its timer is unref'd: a watcher alone never keeps the daemon running. */
export class LivenessWatcher extends EventEmitter<{ change: [LivenessEvent] }> {
  readonly intervalMs: number;
  readonly #watches = new Map<string, Watch>();
  readonly #buffer = Buffer.alloc(BUFFER_SIZE);
  #timer: Timer | undefined;
  readonly #clock: Clock;

  constructor(options: LivenessOptions = {}) {
    super();
    this.intervalMs = options.intervalMs ?? DEFAULT_LIVENESS_INTERVAL_MS;
    this.#clock = options.clock ?? systemClock;
    if (!(this.intervalMs > 0)) throw new RangeError(`liveness interval must be positive, not ${this.intervalMs}`);
  }

  /** Number of processes being watched. */
  get size(): number {
    return this.#watches.size;
  }

  /** Starts watching `identity` under `key`, replacing any earlier watch of that key. */
  watch(identity: ProcessIdentity, key: string): void {
    this.unwatch(key);
    let fd: number | undefined;
    try {
      fd = openSync(`/proc/${identity.pid}/stat`, 'r');
    } catch {
      // Gone already: the next tick reports it. Out of descriptors: the next tick looks by path.
      fd = undefined;
    }
    this.#watches.set(key, { key, identity, fd, verified: false });
    this.#timer ??= this.#clock.setInterval(() => this.checkNow(), this.intervalMs).unref();
  }

  /** Stops watching `key`; unknown keys are ignored. */
  unwatch(key: string): void {
    const watch = this.#watches.get(key);
    if (watch === undefined) return;
    this.#watches.delete(key);
    if (watch.fd !== undefined) closeSync(watch.fd);
    if (this.#watches.size === 0) this.#stopTimer();
  }

  /** Stops everything; the watcher can be used again afterwards. */
  close(): void {
    for (const key of [...this.#watches.keys()]) this.unwatch(key);
    this.#stopTimer();
  }

  /** Runs one tick now (the timer calls this); returns the events it emitted. */
  checkNow(): LivenessEvent[] {
    const events: LivenessEvent[] = [];
    for (const watch of this.#watches.values()) {
      const reason = this.#check(watch);
      if (reason !== undefined) events.push(toEvent(watch, reason, this.#clock.now()));
    }
    // Report each death once: the watch ends with the event. Listeners run after the scan, so one
    // that throws cannot skip the other PIDs of this tick.
    for (const event of events) this.unwatch(event.key);
    for (const event of events) this.emit('change', event);
    return events;
  }

  #check(watch: Watch): LivenessReason | undefined {
    if (watch.fd === undefined) return classifyGone(watch);
    let length: number;
    try {
      length = readSync(watch.fd, this.#buffer, 0, BUFFER_SIZE, 0);
    } catch {
      return classifyGone(watch); // ESRCH: reaped
    }
    if (!watch.verified) {
      // The descriptor was opened by number, after the identity was taken: prove it is the same
      // process once; from then on it cannot change.
      const stat = parseProcStat(this.#buffer.toString('utf8', 0, length));
      if (stat === undefined || stat.startTime !== watch.identity.startTime) return 'reused';
      watch.verified = true;
      return isDeadState(stat.state) ? 'zombie' : undefined;
    }
    // The state is the character after ") " that follows the last ')'.
    const close = this.#buffer.lastIndexOf(CLOSE_PAREN, length - 1);
    const state = close < 0 ? undefined : this.#buffer[close + 2];
    return state === undefined || isDeadState(String.fromCharCode(state)) ? 'zombie' : undefined;
  }

  #stopTimer(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }
}

/** The descriptor failed: was the PID taken by another process, or is the process just gone? */
function classifyGone(watch: Watch): LivenessReason | undefined {
  const { identity } = watch;
  let now: ReturnType<typeof readProcStatSync>;
  try {
    now = readProcStatSync(identity.pid);
  } catch {
    // Not gone (that reads as undefined): brokerwatch cannot look now (out of descriptors). No
    // verdict; the next tick looks again.
    return undefined;
  }
  if (now === undefined) return 'exited';
  if (now.startTime !== identity.startTime) return 'reused';
  if (isDeadState(now.state)) return 'zombie';
  // Still the same live process (the descriptor failed for another reason): never report a death
  // that did not happen; open it again and keep watching.
  if (watch.fd !== undefined) closeSync(watch.fd);
  try {
    watch.fd = openSync(`/proc/${identity.pid}/stat`, 'r');
  } catch {
    watch.fd = undefined;
  }
  return undefined;
}

function toEvent(watch: Watch, reason: LivenessReason, time: number): LivenessEvent {
  const { pid } = watch.identity;
  const message =
    reason === 'exited'
      ? `process ${pid} exited`
      : reason === 'zombie'
        ? `process ${pid} exited (zombie, not yet reaped)`
        : `process ${pid} is gone and its PID now belongs to another process`;
  return { key: watch.key, identity: watch.identity, reason, message, time };
}
