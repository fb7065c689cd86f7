// The state file: what must survive a daemon restart (even SIGKILL): each service's machine state
// and its identified process (so a running broker is adopted, not restarted), the event counter and
// the latest events (so the status page and the API still show what happened before the restart).
// Writes are coalesced and atomic.
import { readFile } from '../util/fs-async.js';
import type { ProcessIdentity } from '../process/identity.js';
import type { ServiceEvent } from '../state/events.js';
import type { MachineState } from '../state/types.js';
import { MACHINE_STATE_VERSION } from '../state/types.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import type { Clock, Timer } from '../util/clock.js';
import { systemClock } from '../util/clock.js';

export interface ServiceRecord {
  readonly machine: MachineState;
  readonly identity?: ProcessIdentity;
  /** What rules keep across restarts (a content test's offset in its file), by rule id. */
  readonly checks?: Readonly<Record<string, unknown>>;
}

export interface StateFile {
  readonly version: 1;
  readonly savedAt: number;
  readonly nextEventId: number;
  readonly services: Record<string, ServiceRecord>;
  /** The latest events, oldest first (read back through EventBus.restore, which checks each one). */
  readonly events?: readonly ServiceEvent[];
}

/** What the store reads of the event stream (the daemon's EventBus). */
export interface EventSource {
  readonly nextId: number;
  since(since: number, limit: number): readonly ServiceEvent[];
}

/** The largest event id a state file may hold: far beyond any daemon's life, and exact in a double. */
export const MAX_EVENT_ID = 2 ** 50;

/** How many of the latest events the state file keeps. */
export const EVENTS_KEPT_ON_DISK = 200;

/** Reads a state file; a missing or unreadable one gives an empty state (and a reason to log). */
export async function readStateFile(path: string): Promise<{ state?: StateFile; problem?: string }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? {} : { problem: `cannot read state file ${path}: ${code ?? String(e)}` };
  }
  try {
    const s = JSON.parse(text) as StateFile;
    if (s.version !== 1 || typeof s.services !== 'object' || s.services === null)
      return { problem: `state file ${path} has an unknown format; starting fresh` };
    for (const [name, rec] of Object.entries(s.services)) {
      if (rec?.machine?.version !== MACHINE_STATE_VERSION) delete s.services[name];
    }
    // An event id must stay exact as it counts up: a counter of 1e308 would freeze every id after it.
    if (!Number.isSafeInteger(s.nextEventId) || s.nextEventId < 1 || s.nextEventId > MAX_EVENT_ID) {
      const bad = JSON.stringify(s.nextEventId) ?? 'nothing';
      return {
        state: { ...s, nextEventId: 1, events: [] },
        problem: `state file ${path} holds an invalid event counter (${bad.slice(0, 40)}); event ids start again at 1`,
      };
    }
    return { state: s };
  } catch {
    return { problem: `state file ${path} is not valid JSON; starting fresh` };
  }
}

/** Keeps the latest record of each service and writes them at most every `delayMs`. */
export class StateStore {
  readonly #records = new Map<string, ServiceRecord>();
  #timer: Timer | undefined;
  #writing: Promise<void> = Promise.resolve();
  #due = 0;
  /** The event counter the file held when it was read (1 for a new file). */
  readonly initialNextEventId: number = 1;
  /** The event stream whose counter and latest events are written with the states. */
  #events: EventSource | undefined;

  constructor(
    readonly path: string,
    private readonly onError: (err: unknown) => void,
    private readonly delayMs = 100,
    initial?: StateFile,
    private readonly idleMs = 10_000,
    private readonly clock: Clock = systemClock,
  ) {
    if (initial) {
      for (const [k, v] of Object.entries(initial.services)) this.#records.set(k, v);
      this.initialNextEventId = initial.nextEventId;
    }
  }

  /** From now on, every write carries this stream's next id and latest events. */
  attachEvents(events: EventSource): void {
    this.#events = events;
  }

  get(name: string): ServiceRecord | undefined {
    return this.#records.get(name);
  }

  /**
   * Records a service's state. `urgent` (something happened: an event, an action) writes within
   * `delayMs`; routine cycle bookkeeping waits up to `idleMs`, so an idle daemon does not fsync
   * every second.
   */
  set(name: string, rec: ServiceRecord, urgent = true): void {
    this.#records.set(name, rec);
    this.#schedule(urgent ? this.delayMs : this.idleMs);
  }

  /** Drops services no longer in the rules (after a reload). */
  retain(names: ReadonlySet<string>): void {
    for (const k of [...this.#records.keys()]) if (!names.has(k)) this.#records.delete(k);
    this.#schedule();
  }

  #schedule(delay = this.delayMs): void {
    const due = this.clock.now() + delay;
    if (this.#timer && this.#due <= due) return;
    this.#timer?.cancel();
    this.#due = due;
    this.#timer = this.clock.setTimeout(() => {
      this.#timer = undefined;
      void this.flush();
    }, delay);
  }

  /** Writes now (after any write in progress). */
  flush(): Promise<void> {
    if (this.#timer) {
      this.#timer.cancel();
      this.#timer = undefined;
    }
    const events = this.#events;
    const data: StateFile = {
      version: 1,
      savedAt: this.clock.now(),
      nextEventId: events?.nextId ?? this.initialNextEventId,
      services: Object.fromEntries(this.#records),
      events: events?.since(0, EVENTS_KEPT_ON_DISK) ?? [],
    };
    this.#writing = this.#writing
      .then(() => writeFileAtomic(this.path, `${JSON.stringify(data)}\n`))
      .catch((e: unknown) => this.onError(e));
    return this.#writing;
  }
}
