// A service's actions: start, stop and restart one at a time under the service's lock (every action,
// from a rule, the API, the CLI or the page, comes through here), and `exec` programs beside them.
// Each outcome goes back to the state machine as `action-done`, with the process before and after.
import { programEnv } from '../actions/env.js';
import { runCommand } from '../actions/run.js';
import type { Command, Service } from '../config/model.js';
import { DEFAULT_PROGRAM_TIMEOUT_MS, DEFAULT_REBOOT_PROGRAM } from '../config/model.js';
import type { ProcessIdentity } from '../process/identity.js';
import { readProcStatSync } from '../process/proc-stat.js';
import type { InFlightProgram, MachineInput, PlannedAction, ProcessAction } from '../state/types.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { ControlOptions, ControlOutcome } from './process-control.js';
import { findProcess, restartService, startService, stopService } from './process-control.js';
import { resumeAction } from './resume-action.js';

/** What the actions need of their service's runner. */
export interface ActionHost {
  readonly service: Service;
  readonly log: Logger;
  readonly clock: Clock;
  /** Folder programs run in. */
  readonly cwd: string;
  /** Aborts `exec` programs when the runner closes. */
  readonly signal: AbortSignal;
  /** What a `reboot` action runs (`set reboot program`); /sbin/reboot without. */
  readonly rebootCommand?: Command;
  /** The identified process. */
  identity(): ProcessIdentity | undefined;
  isRunning(): boolean;
  /** Takes the process a restart brought up, before its dependants start (not yet watched). */
  setIdentity(identity: ProcessIdentity): void;
  /** The action's program was spawned: into the state file at once (a daemon killed now finds it). */
  programStarted(action: ProcessAction, program: InFlightProgram): void;
  /** An action ended with this process (watch it; `fresh`: a new broker, restart the watches) or none. */
  adopt(identity: ProcessIdentity | undefined, fresh: boolean): void;
  unwatch(): void;
  feed(input: MachineInput): void;
  /** False once the runner is closed or paused, or another action is planned: no recheck then. */
  mayRecheck(): boolean;
  /** `depends on` ordering, from the daemon. */
  beforeStart(service: Service): Promise<void>;
  beforeStop(service: Service): Promise<string[]>;
  afterStart(service: Service, restarted: string[]): Promise<void>;
}

/** Runs one service's planned actions. */
export class ActionRunner {
  #lock: Promise<unknown> = Promise.resolve();
  #running: ProcessAction | undefined;
  /** Actions queued or running under the lock, their follow-up looks included. */
  #queued = 0;

  constructor(private readonly host: ActionHost) {}

  /** The start/stop/restart running now. */
  get running(): ProcessAction | undefined {
    return this.#running;
  }

  /** True while an action is queued or running (its program, its wait, its follow-up look). */
  get busy(): boolean {
    return this.#queued > 0;
  }

  /** Carries out a start, stop, restart or exec the state machine planned (the runner itself watches
   *  or unwatches the process for monitor and unmonitor). */
  perform(a: PlannedAction): void {
    const h = this.host;
    switch (a.kind) {
      case 'monitor':
      case 'unmonitor':
        return;
      case 'exec':
        this.#exec(a);
        return;
      case 'reboot':
        this.#exec({ ...a, command: h.rebootCommand ?? DEFAULT_REBOOT_PROGRAM });
        return;
      default: {
        const kind = a.kind;
        h.log.info({ service: h.service.name, action: kind, origin: a.origin }, `${kind}: ${a.reason}`);
        this.#enqueue(kind, () => this.#run(kind, () => this.#control(kind, a), a));
      }
    }
  }

  /**
   * Takes over the action in flight when the daemon before this one stopped, whose program still
   * runs: waits for it (see resume-action.ts) and reports its outcome like any action's.
   */
  resume(kind: ProcessAction, program: InFlightProgram, ruleId?: string): void {
    const h = this.host;
    if (kind !== 'start') h.unwatch(); // the process being stopped or restarted is expected to go
    const opts = this.#options(kind, `${kind} resumed`);
    const work = (): Promise<ControlOutcome | undefined> =>
      resumeAction(h.service, kind, program, h.identity(), { ...opts, signal: h.signal });
    this.#enqueue(kind, () => this.#run(kind, work, ruleId !== undefined ? { ruleId } : {}));
  }

  /** One start/stop/restart at a time. The chain must survive a bug in one action, or every later
   *  action would be dropped. */
  #enqueue(kind: ProcessAction, job: () => Promise<void>): void {
    const h = this.host;
    this.#queued++;
    this.#lock = this.#lock
      .then(job)
      .catch((e: unknown) => h.log.error({ service: h.service.name, err: e }, `${kind} failed (bug)`))
      .finally(() => this.#queued--);
  }

  #exec(a: PlannedAction): void {
    const h = this.host;
    const command = a.command;
    if (!command) return;
    const argv0 = command.argv[0] ?? '';
    h.log.info({ service: h.service.name, action: 'exec', argv: argv0 }, `exec: ${a.reason}`);
    const env = this.#env(a.eventType ?? 'exec', a.reason);
    void runCommand(command, { env, cwd: h.cwd, defaultTimeoutMs: DEFAULT_PROGRAM_TIMEOUT_MS, signal: h.signal }).then(
      (r) => {
        h.feed({
          kind: 'action-done',
          action: 'exec',
          ok: !r.failed,
          message: r.failed ? `exec ${argv0} ${r.error ?? 'failed'}` : `exec ${argv0} done`,
          ...(a.ruleId ? { ruleId: a.ruleId } : {}),
          ...(r.timedOut ? { class: 'action-timeout' as const } : {}),
        });
      },
    );
  }

  async #run(
    kind: ProcessAction,
    work: () => Promise<ControlOutcome | undefined>,
    a: { readonly ruleId?: string | undefined },
  ): Promise<void> {
    const h = this.host;
    this.#running = kind;
    const oldPid = h.identity()?.pid;
    let outcome: ControlOutcome;
    try {
      const done = await work();
      // No outcome: brokerwatch is closing, and the program goes on for the next daemon to wait for.
      if (done === undefined) {
        this.#running = undefined;
        return;
      }
      outcome = done;
    } catch (e) {
      h.log.error({ service: h.service.name, err: e }, `${kind} failed (bug)`);
      outcome = {
        ok: false,
        class: kind === 'stop' ? 'stop-failed' : 'start-failed',
        message: `${kind} failed: ${(e as Error).message}`,
      };
    }
    this.#running = undefined;
    if (outcome.identity) h.adopt(outcome.identity, outcome.ok);
    else if (kind === 'stop' && outcome.ok) h.adopt(undefined, false);
    const newPid = outcome.identity?.pid ?? (kind === 'stop' && !outcome.ok ? oldPid : undefined);
    this.#report(kind, outcome, a, { oldPid, newPid });
    if (kind !== 'stop' && !outcome.ok) await this.#recheckAfterFailedStart();
  }

  /** The action itself, with `depends on` ordering around it. */
  async #control(kind: ProcessAction, a: PlannedAction): Promise<ControlOutcome> {
    const h = this.host;
    const opts = this.#options(kind, a.reason, a.eventType);
    if (kind === 'start') {
      await h.beforeStart(h.service);
      const identity = h.identity();
      const outcome = h.isRunning()
        ? { ok: true, message: `already running: pid ${identity?.pid ?? ''}`, ...(identity ? { identity } : {}) }
        : await startService(h.service, opts);
      if (outcome.ok) await h.afterStart(h.service, []);
      return outcome;
    }
    if (kind === 'stop') {
      await h.beforeStop(h.service);
      h.unwatch();
      return stopService(h.service, h.identity(), opts);
    }
    await h.beforeStart(h.service);
    const stoppedDependants = await h.beforeStop(h.service);
    h.unwatch();
    const outcome = await restartService(h.service, h.identity(), opts);
    // The dependants started next ask whether this service runs: they must see the new process, or
    // they would ask for a start and wait for this very restart to end (a deadlock).
    if (outcome.identity) h.setIdentity(outcome.identity);
    if (outcome.ok) await h.afterStart(h.service, stoppedDependants);
    return outcome;
  }

  /** What the service's programs run with; each one's PID goes into the state file as it spawns. */
  #options(kind: ProcessAction, reason: string, eventType?: string): ControlOptions {
    const h = this.host;
    const onSpawn = (command: ProcessAction, pid: number): void => {
      // Read at once: the program has just been forked. Gone already: nothing left to wait for.
      const startTime = readProcStatSync(pid)?.startTime;
      if (startTime !== undefined) h.programStarted(kind, { command, pid, startTime, at: h.clock.now() });
    };
    return { env: this.#env(eventType ?? 'action', reason), cwd: h.cwd, clock: h.clock, onSpawn };
  }

  /** Logs the outcome and hands it to the state machine. */
  #report(
    kind: ProcessAction,
    outcome: ControlOutcome,
    a: { readonly ruleId?: string | undefined },
    pids: { oldPid: number | undefined; newPid: number | undefined },
  ): void {
    const h = this.host;
    const name = h.service.name;
    if (outcome.output && outcome.output.trim() !== '') {
      h.log.debug({ service: name, action: kind, output: outcome.output.slice(-2000) }, `${kind} program output`);
    }
    const line = { service: name, action: kind, ok: outcome.ok, ...(outcome.class ? { class: outcome.class } : {}) };
    if (outcome.ok) h.log.info(line, outcome.message);
    else h.log.error(line, outcome.message);
    // What the program said belongs in the event: it is usually why a start failed.
    const said = outcome.ok ? '' : lastLines(outcome.output ?? '', 3);
    const message = said ? `${outcome.message}; output: ${said}` : outcome.message;
    h.feed({
      kind: 'action-done',
      action: kind,
      ok: outcome.ok,
      message,
      ...(outcome.class ? { class: outcome.class } : {}),
      ...(a.ruleId ? { ruleId: a.ruleId } : {}),
      ...(pids.oldPid !== undefined ? { oldPid: pids.oldPid } : {}),
      ...(pids.newPid !== undefined ? { newPid: pids.newPid } : {}),
    });
  }

  /**
   * A failed start usually leaves no broker, and no liveness watch can tell: without a look now the
   * next attempt would wait for the next cycle, and the backoff's short, growing delays would be
   * swamped by `set daemon` (monit's 120 s on Debian). A broker still missing is a failed existence
   * sample between cycles, as when the liveness watcher sees one die.
   */
  async #recheckAfterFailedStart(): Promise<void> {
    const h = this.host;
    // Never rejects: it runs inside the action lock, whose chain a rejection would break.
    const found = await findProcess(h.service, h.identity()).catch((e: unknown) => {
      h.log.error({ service: h.service.name, err: e }, 'existence check after a failed start failed (bug)');
      return undefined;
    });
    if (!found || found.running || !h.mayRecheck()) return;
    h.feed({ kind: 'liveness-lost', class: found.class, message: found.message });
  }

  #env(event: string, description: string): Record<string, string> {
    const s = this.host.service;
    const pid = this.host.identity()?.pid;
    const process = s.type === 'process' ? { process: pid !== undefined ? { pid } : {} } : {};
    return programEnv({ service: s.name, event, description, date: new Date(this.host.clock.now()), ...process });
  }
}

/** The last `n` non-empty lines of a program's output, joined with ' | ', at most 500 characters. */
function lastLines(output: string, n: number): string {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-n)
    .join(' | ');
  return lines.length > 500 ? `…${lines.slice(-500)}` : lines;
}
