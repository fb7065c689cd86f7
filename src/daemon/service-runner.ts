// One service's independent loop, the coordinator of its parts: the cycle timer (cycle-loop.ts), what
// the service's type observes each cycle (observe.ts), its rules' checks (check-set.ts), the watch on
// its process (process-watch.ts) and its actions under a per-service lock (action-runner.ts). Every
// input goes to the pure state machine, whose decisions come back here to be carried out. A check
// that hangs delays only this service's next cycle; a crash seen by the liveness watcher goes
// straight to the state machine, between cycles.
import type { CheckResult, FailureClass } from '../checks/result.js';
import type { Config, Service } from '../config/model.js';
import { createObserver } from '../config/service-types.js';
import type { Facts, Observer } from '../observers/kind.js';
import { DEFAULT_PIDFILE_GRACE_MS, DEFAULT_REBOOT_PROGRAM } from '../config/model.js';
import type { LivenessEvent, LivenessWatcher } from '../process/liveness.js';
import type { ProcessIdentity } from '../process/identity.js';
import { isSameProcess } from '../process/identity.js';
import { initialState, restoreState, step } from '../state/index.js';
import type { MachineInput, MachineState, PlannedAction, Step } from '../state/types.js';
import type { Clock, Timer } from '../util/clock.js';
import { systemClock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { ActionHost } from './action-runner.js';
import { ActionRunner } from './action-runner.js';
import { CheckSet } from './check-set.js';
import { CycleLoop } from './cycle-loop.js';
import type { EventBus } from './event-bus.js';
import type { Observation } from './observe.js';
import { observe } from './observe.js';
import { OwnFaults } from './own-faults.js';
import { ProcessWatch } from './process-watch.js';
import { programRunning } from './resume-action.js';
import type { ServiceRecord, StateStore } from './state-store.js';

export interface RunnerDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly events: EventBus;
  readonly liveness: LivenessWatcher;
  /** The slow backstop used while a probe connection to the broker is up (see process-watch.ts). */
  readonly livenessSlow: LivenessWatcher;
  readonly store: StateStore;
  /** Folder that relative paths and programs run in. */
  readonly cwd: string;
  /** Dependency ordering (`depends on`), provided by the daemon. */
  readonly beforeStart: (service: Service) => Promise<void>;
  readonly beforeStop: (service: Service) => Promise<string[]>;
  readonly afterStart: (service: Service, restarted: string[]) => Promise<void>;
  /** Told of every completed cycle (metrics, the latency chart). */
  readonly onCycle?: (cycle: CycleRecord) => void;
  /** Time of cycles, timers and waits (default: the system clock). */
  readonly clock?: Clock;
}

/** One completed cycle: its results and when it ran. `startedAt - dueAt` is the schedule lag. */
export interface CycleRecord {
  readonly service: Service;
  readonly results: readonly CheckResult[];
  /** When the timer planned it. */
  readonly dueAt: number;
  readonly startedAt: number;
  readonly finishedAt: number;
}

/** A snapshot for status output. */
export interface RunnerStatus {
  readonly service: Service;
  readonly state: MachineState;
  readonly identity?: ProcessIdentity;
  readonly lastResults: readonly CheckResult[];
  readonly lastCheckAt?: number;
  readonly actionRunning?: string;
  /** The last readings of a service type that observes (system, filesystem, network). */
  readonly facts?: Facts;
  /** brokerwatch's own trouble looking at the service (out of descriptors…), while it lasts. */
  readonly ownFault?: string;
}

export class ServiceRunner {
  state: MachineState;
  identity: ProcessIdentity | undefined;
  readonly clock: Clock;
  readonly #loop: CycleLoop;
  readonly #checks: CheckSet;
  readonly #process: ProcessWatch;
  /** brokerwatch's own trouble (out of descriptors…), reported once when it begins and ends. */
  readonly #ownFaults: OwnFaults;
  readonly #actions: ActionRunner;
  #wakeTimer: Timer | undefined;
  /** Looks at an unreadable pidfile again when its grace ends. */
  #pidfileTimer: Timer | undefined;
  #pidfileLooking = false;
  #closed = false;
  #paused = false;
  /** Aborts checks on close; start/stop programs are never aborted, they end on their own deadlines. */
  readonly #abort = new AbortController();
  #lastResults: CheckResult[] = [];
  #lastCheckAt: number | undefined;
  /** What the service type observes each cycle (system, filesystem, network), and its last readings. */
  readonly #observer: Observer | undefined;
  #facts: Facts | undefined;
  #idle: Array<() => void> = [];
  /** The identified process changed since the last write: the state file must learn it soon. */
  #identityDirty = false;

  constructor(
    readonly service: Service,
    private readonly deps: RunnerDeps,
    previous?: { machine?: MachineState; identity?: ProcessIdentity; checks?: Readonly<Record<string, unknown>> },
  ) {
    const clock = (this.clock = deps.clock ?? systemClock);
    const now = clock.now();
    this.state = previous?.machine
      ? restoreState(service, previous.machine, now, { daemonRestarted: true })
      : initialState(service, now);
    this.identity = previous?.identity;
    this.#checks = new CheckSet(service, clock, deps.logger, previous?.checks, deps.config.limits);
    this.#observer = createObserver(service);
    // Cycles that look the process up at least as often as the backstop would are the backstop.
    const cyclesSuffice =
      service.schedule.kind === 'always' && deps.config.daemon.cycleMs <= deps.livenessSlow.intervalMs;
    this.#process = new ProcessWatch(service.name, deps.liveness, cyclesSuffice ? undefined : deps.livenessSlow);
    this.#ownFaults = new OwnFaults(service.name, deps.events, deps.logger, clock);
    this.#loop = new CycleLoop(clock, deps.config.daemon.cycleMs, service.schedule, {
      active: () => !this.#closed && this.state.monitor !== 'not-monitored',
      waiting: () => this.#feed({ kind: 'waiting' }),
      run: (dueAt, startedAt) => this.#cycle(dueAt, startedAt),
    });
    this.#actions = new ActionRunner(this.#actionHost());
  }

  get log(): Logger {
    return this.deps.logger;
  }

  /** Starts the cycle loop, its first cycle at `firstDueAt`, and watches an adopted process at once. */
  start(firstDueAt: number): void {
    if (this.identity && this.state.monitor !== 'not-monitored') {
      if (isSameProcess(this.identity)) this.#watch(this.identity);
    }
    this.#takeOverInFlight();
    this.#loop.start(firstDueAt);
    this.#scheduleWake();
    this.#startWatches();
  }

  /**
   * A start/stop/restart the daemon before this one left in flight, with its program recorded: waited
   * for while that very program (PID and start time) still runs; else forgotten, and the next cycle
   * decides (a broker it started is adopted then). A PID that is now another process's is neither
   * waited for nor signalled.
   */
  #takeOverInFlight(): void {
    const f = this.state.inFlight;
    const p = f?.program;
    if (!f || !p) return;
    const line = { service: this.service.name, action: f.action, pid: p.pid };
    if (programRunning(p)) {
      this.log.info(
        line,
        `${f.action}: waiting for its ${p.command} program (pid ${p.pid}), left running by the previous brokerwatch`,
      );
      this.#actions.resume(f.action, p, f.ruleId);
      return;
    }
    this.log.info(
      line,
      `${f.action}: its ${p.command} program (pid ${p.pid}) ended while brokerwatch was not running; the next cycle decides`,
    );
    this.#feed({ kind: 'in-flight-gone' });
  }

  /** Runs this service's cycle now (monit's "wake up" on SIGUSR1); nothing if a cycle is running. */
  checkNow(): void {
    if (this.#closed || this.#paused) return;
    this.#loop.runNow();
  }

  /** Stops the cycle loop (actions in progress go on); see close(). */
  pause(): void {
    this.#paused = true;
    this.#loop.stop();
  }

  /** Stops timers, aborts running checks; running actions finish on their own deadlines. */
  close(): void {
    this.#closed = true;
    this.#loop.stop();
    this.#wakeTimer?.cancel();
    this.#pidfileTimer?.cancel();
    this.#abort.abort();
    this.#process.unwatch();
    this.#checks.close();
  }

  status(): RunnerStatus {
    const running = this.#actions.running;
    return {
      service: this.service,
      state: this.state,
      ...(this.identity ? { identity: this.identity } : {}),
      lastResults: this.#lastResults,
      ...(this.#lastCheckAt !== undefined ? { lastCheckAt: this.#lastCheckAt } : {}),
      ...(running ? { actionRunning: running } : {}),
      ...(this.#facts ? { facts: this.#facts } : {}),
      ...(this.#ownFaults.active !== undefined ? { ownFault: this.#ownFaults.active } : {}),
    };
  }

  /** An operator's request (API, CLI, page, dependency ordering): the same path as a rule's action. */
  control(action: 'start' | 'stop' | 'restart' | 'monitor' | 'unmonitor', by?: string): void {
    this.#feed({ kind: 'control', action, ...(by ? { by } : {}) });
  }

  /** Resolves when no start/stop/restart is queued or running. */
  whenIdle(): Promise<void> {
    if (!this.state.inFlight && !this.#actions.running) return Promise.resolve();
    return new Promise((r) => this.#idle.push(r));
  }

  /** True while real work is under way: a cycle's checks, an action with its follow-up look, a
   *  look at an unreadable pidfile. */
  get busy(): boolean {
    return this.#loop.running || this.#actions.busy || this.#pidfileLooking;
  }

  /** When this service's running cycle began (epoch ms); undefined between cycles (the watchdog's view). */
  get cycleStartedAt(): number | undefined {
    return this.#loop.runningSince;
  }

  /** True when the service's process is identified and alive. */
  isRunning(): boolean {
    return this.identity !== undefined && isSameProcess(this.identity);
  }

  /** Called by the daemon's liveness watcher for this service's process. */
  onLiveness(ev: LivenessEvent): void {
    if (this.#closed || !this.identity || ev.identity.startTime !== this.identity.startTime) return;
    const cls: FailureClass =
      ev.reason === 'zombie' ? 'zombie' : ev.reason === 'reused' ? 'pid-reused' : 'process-missing';
    this.log.warn({ service: this.service.name, class: cls, pid: ev.identity.pid }, ev.message);
    this.#feed({ kind: 'liveness-lost', class: cls, message: ev.message });
  }

  async #cycle(dueAt: number, startedAt: number): Promise<void> {
    try {
      const seen = await observe(this.service, {
        identity: this.identity,
        actionRunning: this.#actions.running !== undefined,
        connected: this.#process.connected,
        cwd: this.deps.cwd,
        signal: this.#abort.signal,
        now: startedAt,
        ...(this.deps.config.limits ? { limits: this.deps.config.limits } : {}),
        ...(this.#observer ? { observer: this.#observer } : {}),
      });
      if (seen.observed) this.#facts = seen.observed.facts;
      const found = seen.found;
      if (found && (!this.identity || this.identity.pid !== found.pid || this.identity.startTime !== found.startTime)) {
        this.identity = found;
        this.#watch(found);
      }
      const checked = await this.#checks.run({
        ...(seen.pid !== undefined ? { pid: seen.pid } : {}),
        ...(seen.lookup !== undefined ? { process: seen.lookup } : {}),
        ...(seen.programStatus !== undefined ? { programStatus: seen.programStatus } : {}),
        ...(seen.programOutput !== undefined ? { programOutput: seen.programOutput } : {}),
        ...(seen.observed ? { observed: seen.observed } : {}),
        now: startedAt,
        signal: this.#abort.signal,
      });
      if (this.#closed) return;
      const results = checked;
      const finishedAt = this.clock.now();
      this.#lastResults = results;
      this.#lastCheckAt = finishedAt;
      this.#ownFaults.cycle(seen.ownFault, results);
      this.#feed({ kind: 'cycle', results });
      if (seen.pidfile) this.#pidfileSeen(seen.pidfile, seen.pid);
      this.deps.onCycle?.({ service: this.service, results, dueAt, startedAt, finishedAt });
    } catch (e) {
      this.log.error({ service: this.service.name, err: e }, 'cycle failed (bug)');
    }
  }

  /** Tells the state machine how the pidfile read; while it is unreadable and not yet reported,
   *  looks again when its grace ends, so the alert does not wait for the next cycle. */
  #pidfileSeen(health: NonNullable<Observation['pidfile']>, pid: number | undefined): void {
    // The usual case, a good pidfile and no trouble to end, is no input at all (this runs every cycle).
    if (health.ok && this.state.pidfileTrouble === undefined) return;
    const graceMs = this.deps.config.pidfileGraceMs ?? DEFAULT_PIDFILE_GRACE_MS;
    const message = health.ok ? `pidfile ${this.service.pidfile ?? ''} names pid ${pid ?? '?'} again` : health.message;
    this.#feed({ kind: 'pidfile', ok: health.ok, message, graceMs });
    this.#pidfileTimer?.cancel();
    this.#pidfileTimer = undefined;
    const trouble = this.state.pidfileTrouble;
    if (this.#closed || !trouble || trouble.reported) return;
    const wait = Math.max(0, trouble.since + graceMs - this.clock.now());
    this.#pidfileTimer = this.clock.setTimeout(() => void this.#recheckPidfile(), wait);
  }

  async #recheckPidfile(): Promise<void> {
    if (this.#closed || this.#loop.running || this.#actions.running) return; // a cycle or action looks anyway
    this.#pidfileLooking = true;
    try {
      const seen = await observe(this.service, {
        identity: this.identity,
        actionRunning: false,
        connected: this.#process.connected,
        cwd: this.deps.cwd,
        signal: this.#abort.signal,
        now: this.clock.now(),
      });
      if (seen.pidfile && !this.#closed) this.#pidfileSeen(seen.pidfile, seen.pid);
    } catch (e) {
      this.log.error({ service: this.service.name, err: e }, 'pidfile look failed (bug)');
    } finally {
      this.#pidfileLooking = false;
    }
  }

  #startWatches(): void {
    this.#checks.startWatches({
      failed: (ruleId, result) => {
        // brokerwatch's own trouble between cycles is no failure of the broker; the next cycle reports it.
        if (this.#closed || this.#actions.running || result.class === 'internal') return;
        const cls = result.class ? { class: result.class } : {};
        this.log.warn({ service: this.service.name, rule: ruleId, ...cls }, `between cycles: ${result.message}`);
        this.#feed({ kind: 'early-failure', result });
      },
      connection: (up) => {
        if (!this.#closed) this.#process.connection(up);
      },
    });
  }

  #feed(input: MachineInput): void {
    if (this.#closed) return;
    let st: Step;
    try {
      st = step(this.service, this.state, input, this.clock.now());
    } catch (e) {
      this.log.error({ service: this.service.name, err: e, input: input.kind }, 'state machine failed (bug)');
      return;
    }
    this.#apply(st);
  }

  #apply(st: Step): void {
    this.state = st.state;
    for (const e of st.events) {
      const ev = this.deps.events.publish(e);
      const cls = ev.class ? { class: ev.class } : {};
      const line = { service: ev.service, event: ev.type, state: ev.state, action: ev.action, ...cls, eventId: ev.id };
      if (ev.state === 'failed') this.log.warn(line, ev.message);
      else this.log.info(line, ev.message);
    }
    for (const a of st.actions) this.#perform(a);
    this.#scheduleWake();
    this.#persist(st.events.length > 0 || st.actions.length > 0 || this.#identityDirty);
    this.#identityDirty = false;
    if (!this.state.inFlight && !this.#actions.running) for (const r of this.#idle.splice(0)) r();
  }

  #perform(a: PlannedAction): void {
    if (a.kind === 'monitor') {
      if (this.identity && isSameProcess(this.identity)) this.#watch(this.identity);
    } else if (a.kind === 'unmonitor') {
      this.#process.unwatch();
    } else {
      this.#actions.perform(a);
    }
  }

  #persist(urgent: boolean): void {
    this.deps.store.set(this.service.name, this.record(), urgent);
  }

  /** What the state file keeps of this service. */
  record(): ServiceRecord {
    const checks = this.#checks.durable();
    return {
      machine: this.state,
      ...(this.identity ? { identity: this.identity } : {}),
      ...(checks ? { checks } : {}),
    };
  }

  #scheduleWake(): void {
    this.#wakeTimer?.cancel();
    this.#wakeTimer = undefined;
    if (this.#closed || this.state.wakeAt === undefined) return;
    this.#wakeTimer = this.clock.setTimeout(() => this.#feed({ kind: 'timer' }), this.state.wakeAt - this.clock.now());
  }

  #watch(identity: ProcessIdentity): void {
    this.#identityDirty = true;
    this.#process.watch(identity);
  }

  #actionHost(): ActionHost {
    const d = this.deps;
    return {
      service: this.service,
      log: d.logger,
      clock: this.clock,
      cwd: d.cwd,
      signal: this.#abort.signal,
      rebootCommand: d.config.rebootProgram ?? DEFAULT_REBOOT_PROGRAM,
      identity: () => this.identity,
      isRunning: () => this.isRunning(),
      setIdentity: (identity) => (this.identity = identity),
      adopt: (identity, fresh) => {
        this.identity = identity;
        if (!identity) return;
        this.#watch(identity);
        // A fresh connection to the new broker at once: a hang right after a restart is watched too.
        if (fresh) this.#startWatches();
      },
      unwatch: () => this.#process.unwatch(),
      feed: (input) => this.#feed(input),
      programStarted: (action, program) => {
        this.#feed({ kind: 'program-started', action, program });
        // Now, not in 100 ms: a daemon killed while the program runs must find it on its next start.
        this.deps.store.set(this.service.name, this.record(), true);
        void this.deps.store.flush();
      },
      mayRecheck: () => !this.#closed && !this.#paused && !this.state.inFlight,
      beforeStart: d.beforeStart,
      beforeStop: d.beforeStop,
      afterStart: d.afterStart,
    };
  }
}
