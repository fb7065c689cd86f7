// Start, stop and restart of a process service. Each shares one time budget between the program
// and the wait that follows (monit's rule): start waits until the pidfile names a live process;
// stop makes sure the identified process got TERM, waits until it is gone and then SIGKILLs it
// (monit never escalates, and a SIGSTOPped broker ignores TERM). Only an identified process is
// ever signalled.
import { readFileSync } from 'node:fs';
import { lstat, readFile } from '../util/fs-async.js';
import type { Service } from '../config/model.js';
import { DEFAULT_PROGRAM_TIMEOUT_MS } from '../config/model.js';
import type { FailureClass } from '../checks/result.js';
import type { RunOptions, RunResult } from '../actions/run.js';
import type { ProcessAction } from '../state/types.js';
import { runCommand } from '../actions/run.js';
import type { FindResult, ProcessIdentity } from '../process/identity.js';
import { findByMatching, findByPidfile, isSameProcess, safeKill } from '../process/identity.js';
import { foreignReason } from '../process/foreign.js';
import type { BrokerHints, Owners } from '../process/foreign.js';
import { readProcStatSync, ticksSinceBoot } from '../process/proc-stat.js';
import type { Clock } from '../util/clock.js';
import { systemClock } from '../util/clock.js';

export interface ControlOutcome {
  readonly ok: boolean;
  readonly class?: FailureClass;
  readonly message: string;
  /** The process after a successful start or restart. */
  readonly identity?: ProcessIdentity;
  readonly output?: string;
}

export interface ControlOptions {
  readonly env: Record<string, string>;
  readonly cwd: string;
  readonly signal?: AbortSignal;
  /** How often to look for the pid while waiting; small, since this is the crash-to-serving path. */
  readonly pollMs?: number;
  /** Time of the budgets and of the waits between looks (default: the system clock). */
  readonly clock?: Clock;
  /** Told each program's PID as it is spawned (which of the service's programs, and its PID). */
  readonly onSpawn?: (command: ProcessAction, pid: number) => void;
}

/** runCommand's options for one of the service's programs. */
function programOptions(command: ProcessAction, budget: number, opts: ControlOptions): RunOptions {
  const onSpawn = opts.onSpawn;
  return {
    env: opts.env,
    cwd: opts.cwd,
    defaultTimeoutMs: budget,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(onSpawn ? { onSpawn: (pid: number) => onSpawn(command, pid) } : {}),
  };
}

/**
 * Looks the service's process up once, by pidfile or by `matching`. The common case, the pidfile
 * still naming the process already identified, is answered with two small synchronous reads: this
 * runs every cycle for every service. A pidfile that cannot be read as a PID (empty, garbled,
 * unreadable, gone) while `expect` still runs does not make a healthy broker "not running": it is read
 * once more (a rewrite truncates before it writes), and then `expect` is kept, with the pidfile's
 * problem noted for the daemon to alert on if it lasts (`set pidfile grace`).
 */
export async function findProcess(
  service: Service,
  expect?: ProcessIdentity,
  startedSince?: number,
): Promise<FindResult> {
  const path = service.pidfile;
  if (path === undefined) {
    if (service.matching !== undefined) return findByMatching(service.matching);
    return { running: false, class: 'process-missing', message: 'no pidfile or matching pattern' };
  }
  if (expect !== undefined && pidfileNames(path) === expect.pid && isSameProcess(expect)) {
    return { running: true, identity: expect };
  }
  const found = await findByPidfile(path, expect);
  if (!unusable(found)) return vetted(service, path, found, expect, startedSince);
  const again = await findByPidfile(path, expect);
  if (!unusable(again)) return vetted(service, path, again, expect, startedSince);
  // The identity (PID and start time) proves the broker is the one known, whatever its pidfile says.
  if (expect !== undefined && isSameProcess(expect)) return { running: true, identity: expect, pidfile: again.message };
  return again;
}

/**
 * A process the pidfile names for the first time is adopted only if it plausibly is the broker
 * (process/foreign.ts), or when a start brokerwatch ran brought it up; otherwise it is never
 * signalled. While the broker known before still runs,
 * that one is kept and the pidfile reported, as for a garbled pidfile; else the service is not running.
 */
async function vetted(
  service: Service,
  path: string,
  f: FindResult,
  expect: ProcessIdentity | undefined,
  startedSince: number | undefined,
): Promise<FindResult> {
  if (!f.running) return f;
  if (expect !== undefined && f.identity.pid === expect.pid && f.identity.startTime === expect.startTime) return f;
  // What a start program of brokerwatch's own brought up (started after it was launched, and not
  // PID 1 or brokerwatch) is its result, whatever its name: a wrapper script may start anything.
  if (startedSince !== undefined && f.identity.startTime >= startedSince && f.identity.pid !== 1) return f;
  const reason = foreignReason(f.identity, brokerHints(service, expect), await owners(path, f.identity.pid));
  if (reason === undefined) return f;
  const message = `pidfile ${path} names a foreign process: ${reason}; it is never signalled`;
  if (expect !== undefined && isSameProcess(expect)) return { running: true, identity: expect, pidfile: message };
  return { running: false, class: 'pidfile-foreign', pid: f.identity.pid, message };
}

function brokerHints(service: Service, expect: ProcessIdentity | undefined): BrokerHints {
  const programs = [service.start, service.stop, service.restart].flatMap((c) => c?.argv ?? []);
  return {
    words: [service.name, ...programs],
    ...(service.matching !== undefined ? { matching: service.matching } : {}),
    ...(expect?.exe !== undefined ? { knownExe: expect.exe } : {}),
  };
}

/** The pidfile's owner (the link's own, for a symbolic link) and the process's real user. */
async function owners(path: string, pid: number): Promise<Owners> {
  const [file, proc] = await Promise.all([
    lstat(path)
      .then((s) => s.uid)
      .catch(() => undefined),
    readFile(`/proc/${pid}/status`, 'utf8')
      .then((t) => Number(/^Uid:\s+(\d+)/m.exec(t)?.[1] ?? Number.NaN))
      .catch(() => Number.NaN),
  ]);
  return {
    ...(file !== undefined ? { pidfile: file } : {}),
    ...(Number.isInteger(proc) ? { process: proc } : {}),
  };
}

/** True when the pidfile itself could not be used: empty, garbled, unreadable, or not there (a file
 *  replaced by rename or unlink is missing for a moment too). */
function unusable(f: FindResult): f is Extract<FindResult, { running: false }> {
  return !f.running && (f.class === 'pidfile-invalid' || (f.class === 'process-missing' && f.pid === undefined));
}

function pidfileNames(path: string): number | undefined {
  try {
    const n = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Polls `probe` until it returns a value or `deadline` (epoch ms of `clock`) passes. */
export async function until<T>(
  clock: Clock,
  probe: () => Promise<T | undefined> | T | undefined,
  deadline: number,
  pollMs: number,
  signal?: AbortSignal,
): Promise<T | undefined> {
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (clock.now() >= deadline || signal?.aborted) return undefined;
    await clock.sleep(Math.min(pollMs, Math.max(1, deadline - clock.now())));
  }
}

function programFailure(r: RunResult, what: string): ControlOutcome {
  const cls: FailureClass = r.timedOut ? 'action-timeout' : what === 'stop' ? 'stop-failed' : 'start-failed';
  return { ok: false, class: cls, message: `${what} program ${r.error ?? 'failed'}`, output: r.output };
}

/** Runs the start program and waits (same budget) until a live process appears. */
export async function startService(
  service: Service,
  opts: ControlOptions,
  previous?: ProcessIdentity,
): Promise<ControlOutcome> {
  if (!service.start) return { ok: false, class: 'start-failed', message: 'no start program' };
  const budget = service.start.timeoutMs ?? DEFAULT_PROGRAM_TIMEOUT_MS;
  const deadline = (opts.clock ?? systemClock).now() + budget;
  const launched = ticksSinceBoot();
  const r = await runCommand(service.start, programOptions('start', budget, opts));
  if (r.failed) return programFailure(r, 'start');
  return waitForNewProcess(service, deadline, budget, opts, previous, r.output, 'start', launched);
}

/** Waits (until `deadline`) for the pidfile or `matching` to name a process a start brought up. */
export async function waitForNewProcess(
  service: Service,
  deadline: number,
  budget: number,
  opts: ControlOptions,
  previous: ProcessIdentity | undefined,
  output: string,
  what: string,
  launched: number | undefined,
): Promise<ControlOutcome> {
  const identity = await until(
    opts.clock ?? systemClock,
    async () => {
      const f = await findProcess(service, undefined, launched);
      if (!f.running) return undefined;
      // After a restart, the old process may still be named for a moment; wait for a new one.
      if (
        previous &&
        f.identity.pid === previous.pid &&
        f.identity.startTime === previous.startTime &&
        what === 'restart'
      )
        return undefined;
      return f.identity;
    },
    deadline,
    opts.pollMs ?? 5,
    opts.signal,
  );
  if (!identity) {
    const where = service.pidfile
      ? `pidfile ${service.pidfile} names no live process`
      : `no process matches ${service.matching ?? ''}`;
    return {
      ok: false,
      class: 'action-timeout',
      message: `${what} program ran, but ${where} within ${budget} ms`,
      output,
    };
  }
  return { ok: true, message: `${what}ed: pid ${identity.pid}`, identity, output };
}

function isStopped(identity: ProcessIdentity): boolean {
  const st = readProcStatSync(identity.pid);
  return st !== undefined && st.startTime === identity.startTime && (st.state === 'T' || st.state === 't');
}

/**
 * Runs the stop program (or sends TERM) and waits for the identified process to exit. The stop
 * program may not reach it (it reads a pidfile that is empty for a moment, or names nothing): a
 * process still there afterwards gets TERM from brokerwatch too, by identity, so the broker still
 * shuts down cleanly (mosquitto saves its persistence database on TERM, not on KILL). SIGKILL is
 * only for a process proven hung (stopped, state T) or one that outlived TERM by its stop timeout.
 */
export async function stopService(
  service: Service,
  identity: ProcessIdentity | undefined,
  opts: ControlOptions,
): Promise<ControlOutcome> {
  const clock = opts.clock ?? systemClock;
  const budget = service.stop?.timeoutMs ?? DEFAULT_PROGRAM_TIMEOUT_MS;
  const deadline = clock.now() + budget;
  if (service.stop) {
    const r = await runCommand(service.stop, programOptions('stop', budget, opts));
    return afterStopProgram(service, identity, opts, {
      deadline,
      output: r.output,
      ...(r.failed ? { programError: r.error ?? 'failed' } : {}),
    });
  }
  const termed = identity ? safeKill(identity, isStopped(identity) ? 'SIGKILL' : 'SIGTERM') : false;
  return afterStopProgram(service, identity, opts, { deadline, output: '', termed });
}

/** How a stop's first step went: its program (or brokerwatch's own TERM when there is none). */
export interface StopBegun {
  /** The end of the stop's budget, which began with the program. */
  readonly deadline: number;
  readonly output: string;
  readonly programError?: string;
  /** brokerwatch sent TERM itself (no stop program). */
  readonly termed?: boolean;
}

/**
 * The rest of a stop, once its program has ended (also one that a daemon restarted meanwhile found
 * running and waited for): the identified process is made to exit, TERM then KILL.
 */
export async function afterStopProgram(
  service: Service,
  identity: ProcessIdentity | undefined,
  opts: ControlOptions,
  begun: StopBegun,
): Promise<ControlOutcome> {
  const clock = opts.clock ?? systemClock;
  const budget = service.stop?.timeoutMs ?? DEFAULT_PROGRAM_TIMEOUT_MS;
  const { output, programError } = begun;
  let { deadline } = begun;
  let termed = begun.termed ?? false;
  // A stopped (SIGSTOP, state T) broker can never exit by itself: waiting out the budget only
  // prolongs the outage, so it is killed as soon as the stop program has had its say.
  if (identity && isStopped(identity)) safeKill(identity, 'SIGKILL');
  else if (identity && service.stop && isSameProcess(identity)) {
    // The stop program is done and the broker is still there: TERM it ourselves (harmless if the
    // program's own TERM is still being handled), and give it its stop timeout from now.
    termed = safeKill(identity, 'SIGTERM');
    if (termed) deadline = Math.max(deadline, clock.now() + budget);
  }
  if (!identity) {
    return programError
      ? { ok: false, class: 'stop-failed', message: `stop program ${programError}`, output }
      : { ok: true, message: 'stopped', output };
  }
  const gone = await until(
    clock,
    () => (isSameProcess(identity) ? undefined : true),
    deadline,
    opts.pollMs ?? 10,
    opts.signal,
  );
  if (gone) {
    const notes = [
      ...(service.stop && termed ? ['after TERM from brokerwatch'] : []),
      ...(programError ? [`stop program ${programError}`] : []),
    ];
    return {
      ok: true,
      message: `stopped: pid ${identity.pid} exited${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`,
      output,
    };
  }
  // Still there after the whole budget: hung (e.g. SIGSTOPped) or ignoring TERM.
  safeKill(identity, 'SIGKILL');
  const killed = await until(clock, () => (isSameProcess(identity) ? undefined : true), clock.now() + 5_000, 10);
  if (killed)
    return {
      ok: true,
      message: `stopped: pid ${identity.pid} did not exit within ${budget} ms of TERM and was killed (SIGKILL)`,
      output,
    };
  return { ok: false, class: 'stop-failed', message: `pid ${identity.pid} survived SIGKILL`, output };
}

/** The restart program and a wait for a new process; else stop then start. Not running: just start. */
export async function restartService(
  service: Service,
  identity: ProcessIdentity | undefined,
  opts: ControlOptions,
): Promise<ControlOutcome> {
  if (service.restart) {
    const budget = service.restart.timeoutMs ?? DEFAULT_PROGRAM_TIMEOUT_MS;
    const deadline = (opts.clock ?? systemClock).now() + budget;
    const launched = ticksSinceBoot();
    const r = await runCommand(service.restart, programOptions('restart', budget, opts));
    if (r.failed) return programFailure(r, 'restart');
    return waitForNewProcess(service, deadline, budget, opts, identity, r.output, 'restart', launched);
  }
  if (identity && isSameProcess(identity)) {
    const stopped = await stopService(service, identity, opts);
    if (!stopped.ok) return stopped;
    const started = await startService(service, opts, identity);
    // How the old process ended (e.g. killed with SIGKILL) belongs in the restart's story.
    return { ...started, message: `${stopped.message}; ${started.message}` };
  }
  return startService(service, opts, identity);
}
