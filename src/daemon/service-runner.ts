// One service's independent loop: its own cycle timer, its checks, its state machine, and its
// actions under a per-service lock. A check that hangs delays only this service's next cycle; a crash
// seen by the liveness watcher goes straight to the state machine, between cycles.
import { programEnv } from '../actions/env.js';
import { runCommand } from '../actions/run.js';
import { createCheck } from '../checks/registry.js';
import type { CheckResult, FailureClass } from '../checks/result.js';
import type { Check } from '../checks/types.js';
import type { Config, Service } from '../config/model.js';
import { DEFAULT_PROGRAM_TIMEOUT_MS } from '../config/model.js';
import type { LivenessEvent, LivenessWatcher } from '../process/liveness.js';
import type { ProcessIdentity } from '../process/identity.js';
import { isSameProcess } from '../process/identity.js';
import { initialState, restoreState, step } from '../state/index.js';
import type { MachineInput, MachineState, PlannedAction, Step } from '../state/types.js';
import type { EventBus } from './event-bus.js';
import type { Logger } from '../util/logger.js';
import type { ControlOutcome } from './process-control.js';
import { findProcess, restartService, startService, stopService } from './process-control.js';
import { ScheduleGate } from './schedule.js';
import type { StateStore } from './state-store.js';

export interface RunnerDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly events: EventBus;
  readonly liveness: LivenessWatcher;
  /** The slow backstop used while a probe connection to the broker is up (see #watch). */
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
}

export class ServiceRunner {
  state: MachineState;
  identity: ProcessIdentity | undefined;
  #checks = new Map<string, Check>();
  #memos = new Map<string, Map<string, unknown>>();
  #gate: ScheduleGate;
  #cycleTimer: NodeJS.Timeout | undefined;
  #wakeTimer: NodeJS.Timeout | undefined;
  #cycleRunning = false;
  #closed = false;
  #lock: Promise<unknown> = Promise.resolve();
  #actionRunning: string | undefined;
  /** Aborts checks on close; start/stop programs are never aborted, they end on their own deadlines. */
  #abort = new AbortController();
  #lastResults: CheckResult[] = [];
  #lastCheckAt: number | undefined;
  #idle: Array<() => void> = [];
  #pausedCycles = false;
  /** The identified process changed since the last write: the state file must learn it soon. */
  #identityDirty = false;
  /** Probe connections to the broker that are up right now. */
  #connectionsUp = 0;
  #watching = false;

  constructor(
    readonly service: Service,
    private readonly deps: RunnerDeps,
    previous?: { machine?: MachineState; identity?: ProcessIdentity },
  ) {
    this.state = previous?.machine ? restoreState(service, previous.machine, Date.now(), { daemonRestarted: true }) : initialState(service, Date.now());
    this.identity = previous?.identity;
    this.#gate = new ScheduleGate(service.schedule);
    for (const rule of service.rules) {
      const check = createCheck(service, rule);
      if (check) this.#checks.set(rule.id, check);
      this.#memos.set(rule.id, new Map());
    }
  }

  #startWatches(): void {
    for (const [ruleId, check] of this.#checks) {
      const rule = this.service.rules.find((r) => r.id === ruleId);
      if (!rule || !check.watch) continue;
      check.watch(
        { service: this.service, rule },
        (result) => {
          if (this.#closed || this.#actionRunning) return;
          this.log.warn({ service: this.service.name, rule: ruleId, ...(result.class ? { class: result.class } : {}) }, `between cycles: ${result.message}`);
          this.#feed({ kind: 'early-failure', result });
        },
        (up) => this.#onConnection(up),
      );
    }
  }

  get log(): Logger {
    return this.deps.logger;
  }

  /** Starts the cycle loop, its first cycle at `firstDueAt`, and watches an adopted process at once. */
  start(firstDueAt: number): void {
    if (this.identity && this.state.monitor !== 'not-monitored') {
      if (isSameProcess(this.identity)) this.#watch(this.identity);
    }
    this.#scheduleCycle(firstDueAt);
    this.#scheduleWake();
    this.#startWatches();
  }

  /** Stops the cycle loop (actions in progress go on); see close(). */
  pause(): void {
    clearTimeout(this.#cycleTimer);
    this.#cycleTimer = undefined;
    this.#pausedCycles = true;
  }

  /** Stops timers, aborts running checks; running actions finish on their own deadlines. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#cycleTimer);
    clearTimeout(this.#wakeTimer);
    this.#abort.abort();
    this.#unwatch();
    for (const c of this.#checks.values()) c.close?.();
  }

  status(): RunnerStatus {
    return {
      service: this.service,
      state: this.state,
      ...(this.identity ? { identity: this.identity } : {}),
      lastResults: this.#lastResults,
      ...(this.#lastCheckAt !== undefined ? { lastCheckAt: this.#lastCheckAt } : {}),
      ...(this.#actionRunning ? { actionRunning: this.#actionRunning } : {}),
    };
  }

  /** An operator's request (API, CLI, page, dependency ordering): the same path as a rule's action. */
  control(action: 'start' | 'stop' | 'restart' | 'monitor' | 'unmonitor', by?: string): void {
    this.#feed({ kind: 'control', action, ...(by ? { by } : {}) });
  }

  /** Resolves when no start/stop/restart is queued or running. */
  whenIdle(): Promise<void> {
    if (!this.state.inFlight && !this.#actionRunning) return Promise.resolve();
    return new Promise((r) => this.#idle.push(r));
  }

  /** True when the service's process is identified and alive. */
  isRunning(): boolean {
    return this.identity !== undefined && isSameProcess(this.identity);
  }

  /** Called by the daemon's liveness watcher for this service's process. */
  onLiveness(ev: LivenessEvent): void {
    if (this.#closed || !this.identity || ev.identity.startTime !== this.identity.startTime) return;
    const cls: FailureClass = ev.reason === 'zombie' ? 'zombie' : ev.reason === 'reused' ? 'pid-reused' : 'process-missing';
    this.log.warn({ service: this.service.name, class: cls, pid: ev.identity.pid }, ev.message);
    this.#feed({ kind: 'liveness-lost', class: cls, message: ev.message });
  }

  #scheduleCycle(target: number): void {
    if (this.#closed || this.#pausedCycles) return;
    const cycleMs = this.deps.config.daemon.cycleMs;
    this.#cycleTimer = setTimeout(() => {
      // The next cycle is planned from when this one was due, so cycles keep their phase and do not
      // drift; cycles missed (a blocked event loop, a suspended machine) are skipped, not caught up.
      const now = Date.now();
      let next = target + cycleMs;
      if (next < now) next += Math.ceil((now - next) / cycleMs) * cycleMs;
      this.#scheduleCycle(next);
      void this.#cycle(target);
    }, Math.max(0, target - Date.now()));
  }

  async #cycle(dueAt: number): Promise<void> {
    // A previous cycle still running (a hung check): skip this one rather than pile up.
    if (this.#cycleRunning || this.#closed) return;
    const startedAt = Date.now();
    this.#cycleRunning = true;
    try {
      if (this.state.monitor === 'not-monitored') return;
      if (!this.#gate.due(new Date())) {
        this.#feed({ kind: 'waiting' });
        return;
      }
      const results = await this.#runChecks();
      if (this.#closed) return;
      const finishedAt = Date.now();
      this.#lastResults = results;
      this.#lastCheckAt = finishedAt;
      this.#feed({ kind: 'cycle', results });
      this.deps.onCycle?.({ service: this.service, results, dueAt, startedAt, finishedAt });
    } catch (e) {
      this.log.error({ service: this.service.name, err: e }, 'cycle failed (bug)');
    } finally {
      this.#cycleRunning = false;
    }
  }

  async #runChecks(): Promise<CheckResult[]> {
    const s = this.service;
    const now = Date.now();
    const results: CheckResult[] = [];
    let pid: number | undefined;
    if (s.type === 'process') {
      // During a start/stop the process is in flux; existence is judged when the action is done.
      if (!this.#actionRunning) {
        const found = await findProcess(s, this.identity);
        if (found.running) {
          pid = found.identity.pid;
          if (!this.identity || this.identity.pid !== found.identity.pid || this.identity.startTime !== found.identity.startTime) {
            this.identity = found.identity;
            this.#watch(found.identity);
          }
        }
        for (const r of s.rules) {
          if (r.condition.kind === 'nonexist' || r.condition.kind === 'exist') {
            const bad = r.condition.kind === 'nonexist' ? !found.running : found.running;
            results.push(
              found.running
                ? { ruleId: r.id, status: bad ? 'failed' : 'ok', message: `running, pid ${found.identity.pid}` }
                : { ruleId: r.id, status: bad ? 'failed' : 'ok', class: found.class, message: found.message },
            );
          }
        }
      } else if (this.identity) {
        pid = this.identity.pid;
      }
    }
    let programStatus: number | undefined;
    if (s.type === 'program' && s.program) {
      const r = await runCommand(s.program, { env: programEnv({ service: s.name, event: 'Status', description: 'Status' }), cwd: this.deps.cwd, defaultTimeoutMs: DEFAULT_PROGRAM_TIMEOUT_MS, signal: this.#abort.signal });
      programStatus = r.exitCode ?? (r.timedOut ? 255 : 127);
    }
    const pending = [...this.#checks.entries()].map(async ([ruleId, check]) => {
      const rule = s.rules.find((r) => r.id === ruleId);
      if (!rule) return undefined;
      try {
        return await check.run({ service: s, rule, ...(pid !== undefined ? { pid } : {}), ...(programStatus !== undefined ? { programStatus } : {}), signal: this.#abort.signal, now, memo: this.#memos.get(ruleId) ?? new Map() });
      } catch (e) {
        // A throw is a bug in the check, not a verdict on the broker.
        this.log.error({ service: s.name, rule: ruleId, err: e }, 'check threw (bug)');
        return { ruleId, status: 'init', class: 'internal', message: `internal error: ${(e as Error).message}` } satisfies CheckResult;
      }
    });
    for (const r of await Promise.all(pending)) if (r) results.push(r);
    return results;
  }

  #feed(input: MachineInput): void {
    if (this.#closed) return;
    let st: Step;
    try {
      st = step(this.service, this.state, input, Date.now());
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
      const line = { service: ev.service, event: ev.type, state: ev.state, action: ev.action, ...(ev.class ? { class: ev.class } : {}), eventId: ev.id };
      if (ev.state === 'failed') this.log.warn(line, ev.message);
      else this.log.info(line, ev.message);
    }
    for (const a of st.actions) this.#perform(a);
    this.#scheduleWake();
    this.#persist(st.events.length > 0 || st.actions.length > 0 || this.#identityDirty);
    this.#identityDirty = false;
    if (!this.state.inFlight && !this.#actionRunning) for (const r of this.#idle.splice(0)) r();
  }

  #persist(urgent: boolean): void {
    this.deps.store.set(this.service.name, { machine: this.state, ...(this.identity ? { identity: this.identity } : {}) }, urgent);
  }

  #scheduleWake(): void {
    clearTimeout(this.#wakeTimer);
    this.#wakeTimer = undefined;
    if (this.#closed || this.state.wakeAt === undefined) return;
    const delay = Math.max(0, this.state.wakeAt - Date.now());
    this.#wakeTimer = setTimeout(() => this.#feed({ kind: 'timer' }), delay);
  }

  /**
   * Watches the process for death. While a probe holds a connection to the broker, the kernel closing
   * that connection is the instant sign of a crash (see #onConnection), so polling can be slow; without
   * one, /proc is polled every 25 ms. Polling is what an idle daemon spends its CPU on.
   */
  #watch(identity: ProcessIdentity): void {
    this.#identityDirty = true;
    this.#unwatch();
    this.#watching = true;
    (this.#connectionsUp > 0 ? this.deps.livenessSlow : this.deps.liveness).watch(identity, this.service.name);
  }

  #unwatch(): void {
    this.#watching = false;
    this.deps.liveness.unwatch(this.service.name);
    this.deps.livenessSlow.unwatch(this.service.name);
  }

  /** A probe's connection to the broker came up or dropped. */
  #onConnection(up: boolean): void {
    const before = this.#connectionsUp;
    this.#connectionsUp = Math.max(0, before + (up ? 1 : -1));
    if (this.#closed || !this.identity || !this.#watching || before > 0 === this.#connectionsUp > 0) return;
    this.#watch(this.identity);
    // A dropped connection: look at the process now, not at the next poll.
    if (!up) this.deps.liveness.checkNow();
  }

  #perform(a: PlannedAction): void {
    const name = this.service.name;
    switch (a.kind) {
      case 'monitor':
        if (this.identity && isSameProcess(this.identity)) this.#watch(this.identity);
        return;
      case 'unmonitor':
        this.#unwatch();
        return;
      case 'exec': {
        if (!a.command) return;
        this.log.info({ service: name, action: 'exec', argv: a.command.argv[0] }, `exec: ${a.reason}`);
        const env = this.#env(a.eventType ?? 'exec', a.reason);
        void runCommand(a.command, { env, cwd: this.deps.cwd, defaultTimeoutMs: DEFAULT_PROGRAM_TIMEOUT_MS, signal: this.#abort.signal }).then((r) => {
          this.#feed({ kind: 'action-done', action: 'exec', ok: !r.failed, message: r.failed ? `exec ${a.command?.argv[0] ?? ''} ${r.error ?? 'failed'}` : `exec ${a.command?.argv[0] ?? ''} done`, ...(a.ruleId ? { ruleId: a.ruleId } : {}), ...(r.timedOut ? { class: 'action-timeout' as const } : {}) });
        });
        return;
      }
      default: {
        const kind = a.kind;
        this.log.info({ service: name, action: kind, origin: a.origin }, `${kind}: ${a.reason}`);
        // The chain must survive a bug in one action, or every later action would be dropped.
        this.#lock = this.#lock.then(() => this.#runProcessAction(kind, a)).catch((e: unknown) => this.log.error({ service: name, err: e }, `${kind} failed (bug)`));
      }
    }
  }

  async #runProcessAction(kind: 'start' | 'stop' | 'restart', a: PlannedAction): Promise<void> {
    this.#actionRunning = kind;
    let outcome: ControlOutcome;
    const opts = { env: this.#env(a.eventType ?? 'action', a.reason), cwd: this.deps.cwd };
    try {
      if (kind === 'start') {
        await this.deps.beforeStart(this.service);
        outcome = this.isRunning() ? { ok: true, message: `already running: pid ${this.identity?.pid ?? ''}`, ...(this.identity ? { identity: this.identity } : {}) } : await startService(this.service, opts);
        if (outcome.ok) await this.deps.afterStart(this.service, []);
      } else if (kind === 'stop') {
        await this.deps.beforeStop(this.service);
        this.#unwatch();
        outcome = await stopService(this.service, this.identity, opts);
      } else {
        await this.deps.beforeStart(this.service);
        const stoppedDependants = await this.deps.beforeStop(this.service);
        this.#unwatch();
        outcome = await restartService(this.service, this.identity, opts);
        // The dependants started next ask whether this service runs: they must see the new process, or
        // they would ask for a start and wait for this very restart to end (a deadlock).
        if (outcome.identity) this.identity = outcome.identity;
        if (outcome.ok) await this.deps.afterStart(this.service, stoppedDependants);
      }
    } catch (e) {
      this.log.error({ service: this.service.name, err: e }, `${kind} failed (bug)`);
      outcome = { ok: false, class: kind === 'stop' ? 'stop-failed' : 'start-failed', message: `${kind} failed: ${(e as Error).message}` };
    }
    this.#actionRunning = undefined;
    if (outcome.identity) {
      this.identity = outcome.identity;
      this.#watch(outcome.identity);
      // A fresh connection to the new broker at once: a hang right after a restart is watched too.
      if (outcome.ok) this.#startWatches();
    } else if (kind === 'stop' && outcome.ok) {
      this.identity = undefined;
    }
    if (outcome.output && outcome.output.trim() !== '') this.log.debug({ service: this.service.name, action: kind, output: outcome.output.slice(-2000) }, `${kind} program output`);
    const line = { service: this.service.name, action: kind, ok: outcome.ok, ...(outcome.class ? { class: outcome.class } : {}) };
    if (outcome.ok) this.log.info(line, outcome.message);
    else this.log.error(line, outcome.message);
    // What the program said belongs in the event: it is usually why a start failed.
    const said = outcome.ok ? '' : lastLines(outcome.output ?? '', 3);
    const message = said ? `${outcome.message}; output: ${said}` : outcome.message;
    this.#feed({ kind: 'action-done', action: kind, ok: outcome.ok, message, ...(outcome.class ? { class: outcome.class } : {}), ...(a.ruleId ? { ruleId: a.ruleId } : {}) });
    if (kind !== 'stop' && !outcome.ok) await this.#recheckAfterFailedStart();
  }

  /**
   * A failed start usually leaves no broker, and no liveness watch can tell: without a look now the
   * next attempt would wait for the next cycle, and the backoff's short, growing delays would be
   * swamped by `set daemon` (monit's 120 s on Debian). A broker still missing is a failed existence
   * sample between cycles, as when the liveness watcher sees one die.
   */
  async #recheckAfterFailedStart(): Promise<void> {
    // Never rejects: it runs inside the action lock, whose chain a rejection would break.
    const found = await findProcess(this.service, this.identity).catch((e: unknown) => {
      this.log.error({ service: this.service.name, err: e }, 'existence check after a failed start failed (bug)');
      return undefined;
    });
    if (!found || found.running || this.#closed || this.#pausedCycles || this.state.inFlight) return;
    this.#feed({ kind: 'liveness-lost', class: found.class, message: found.message });
  }

  #env(event: string, description: string): Record<string, string> {
    const pid = this.identity?.pid;
    return programEnv({ service: this.service.name, event, description, ...(this.service.type === 'process' ? { process: pid !== undefined ? { pid } : {} } : {}) });
  }
}

/** The last `n` non-empty lines of a program's output, joined with ' | ', at most 500 characters. */
function lastLines(output: string, n: number): string {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean).slice(-n).join(' | ');
  return lines.length > 500 ? `…${lines.slice(-500)}` : lines;
}
