// The per-service state machine (DESIGN.md §3): every decision about a service is made here, as a pure
// function of (service, state, input, now). No timers, no I/O, no clock, no randomness: the daemon runs
// what it plans and feeds the outcomes back as inputs. See types.ts for the data, backoff.ts for the
// restart policy, rules.ts for rates and events.
//
// Choices where monit is silent or where brokerwatch differs on purpose:
// - A recovery without `else if succeeded` is a `succeeded` event with action `alert` (monit alerts
//   recoveries by default). `changed` rules have no recovery.
// - While a start/stop/restart is in flight, cycle results and liveness losses are ignored (our own
//   stop kills the broker); the cycle still counts for `N restarts within M cycles`.
// - `N restarts within M cycles` counts completed rule-driven starts/restarts (not an operator's), in
//   the last M cycles including the current one, and is also checked as soon as a restart completes.
// - Passive mode turns rule start/stop/restart into alerts; an operator's control still acts.
// - An operator's start/restart forgets the backoff streak and a give-up.
// - `waiting` comes from the `waiting` input (the daemon's schedule says "not due"); such cycles are not
//   samples and are not counted.
// - `now` is epoch ms (state outlives the process); a clock that steps back only delays a deferred
//   restart and restarts the healthy period.
import type { CheckResult, FailureClass } from '../checks/result.js';
import type { Service } from '../config/model.js';
import type { Ctx } from './step.js';
import { emit, fmtMs, freshRule } from './step.js';
import { forgetOldAttempts, launch, settleBackoff } from './restart-backoff.js';
import { setMonitor, setMonitored, setNotMonitored } from './dispatch.js';
import { summarise } from './summary.js';
import {
  applySample,
  evaluateCycle,
  evaluateRestarts,
  pruneRestarts,
  rearmRules,
  recordRestart,
  startGrace,
} from './rules.js';
import type { ControlAction, MachineInput, MachineState, ProcessAction, Step } from './types.js';
import { MACHINE_STATE_VERSION } from './types.js';

/** The state of a service never seen before: `initializing`, or `not-monitored` in manual mode. */
export function initialState(service: Service, now: number): MachineState {
  return {
    version: MACHINE_STATE_VERSION,
    service: service.name,
    monitor: service.mode === 'manual' ? 'not-monitored' : 'initializing',
    monitorSince: now,
    status: 'unknown',
    cycle: 0,
    rules: service.rules.map((r) => freshRule(r.id)),
    backoff: { attempts: 0 },
    restarts: [],
    restartCount: 0,
  };
}

/** One decision: the next state, what the daemon must do, and what happened. `state` is not modified. */
export function step(service: Service, state: MachineState, input: MachineInput, now: number): Step {
  const ctx: Ctx = { service, s: structuredClone(state), now, actions: [], events: [] };
  // Judge "healthy for resetAfterMs" on the state as it was before this input broke the healthy period.
  forgetOldAttempts(ctx);
  switch (input.kind) {
    case 'cycle':
      onCycle(ctx, input.results);
      break;
    case 'waiting':
      if (ctx.s.monitor === 'monitored' || ctx.s.monitor === 'initializing') setMonitor(ctx, 'waiting');
      break;
    case 'liveness-lost':
      onLivenessLost(ctx, input);
      break;
    case 'early-failure':
      onEarlyFailure(ctx, input.result);
      break;
    case 'action-done':
      onActionDone(ctx, input);
      break;
    case 'control':
      onControl(ctx, input.action, input.by);
      break;
    case 'pidfile':
      onPidfile(ctx, input);
      break;
    case 'program-started':
      if (ctx.s.inFlight?.action === input.action) ctx.s.inFlight.program = input.program;
      break;
    case 'in-flight-gone':
      abandonInFlight(ctx.s);
      break;
    case 'timer':
      break; // settleBackoff below runs whatever is due
  }
  settleBackoff(ctx);
  summarise(ctx);
  return { state: ctx.s, actions: ctx.actions, events: ctx.events };
}

/**
 * What was in flight when the daemon stopped has ended unseen (no program left to wait for): its
 * outcome is unknown, so the next cycle decides again, and failed rules fire again if still failing.
 */
export function abandonInFlight(s: MachineState): void {
  if (!s.inFlight) return;
  delete s.inFlight;
  for (const rs of s.rules) {
    rs.history = '';
    delete rs.sampledEarly;
    if (rs.phase === 'failed') rs.phase = 'rearmed';
  }
}

function onCycle(ctx: Ctx, results: Extract<MachineInput, { kind: 'cycle' }>['results']): void {
  const s = ctx.s;
  if (s.monitor === 'not-monitored') return;
  setMonitor(ctx, 'monitored');
  s.cycle++;
  s.lastCycleAt = ctx.now;
  pruneRestarts(ctx);
  // While a start/stop/restart runs, results describe a broker in transition: the next decision
  // comes with its action-done.
  if (s.inFlight) return;
  evaluateCycle(ctx, results);
}

/** The fast watcher saw the broker die between cycles: a failed nonexist sample, decided now. */
function onLivenessLost(ctx: Ctx, input: Extract<MachineInput, { kind: 'liveness-lost' }>): void {
  const s = ctx.s;
  // Our own stop/restart kills the broker; that death is expected.
  if (s.monitor === 'not-monitored' || s.inFlight) return;
  if (s.monitor !== 'monitored') setMonitor(ctx, 'monitored');
  const rule = ctx.service.rules.find((r) => r.condition.kind === 'nonexist');
  if (rule) applySample(ctx, rule, { status: 'failed', class: input.class, message: input.message }, true);
  else emit(ctx, { type: 'nonexist', state: 'failed', action: 'alert', class: input.class, message: input.message });
}

/** A watch saw a rule fail between cycles: counted now as that rule's sample for this cycle. */
function onEarlyFailure(ctx: Ctx, result: CheckResult): void {
  const s = ctx.s;
  if (s.monitor === 'not-monitored' || s.inFlight || result.status !== 'failed') return;
  const rule = ctx.service.rules.find((r) => r.id === result.ruleId);
  if (!rule) return;
  if (s.monitor !== 'monitored') setMonitor(ctx, 'monitored');
  applySample(ctx, rule, { status: 'failed', class: result.class, message: result.message }, true);
}

function onActionDone(ctx: Ctx, input: Extract<MachineInput, { kind: 'action-done' }>): void {
  const s = ctx.s;
  if (input.action === 'exec') {
    if (!input.ok)
      emit(ctx, { type: 'exec', state: 'failed', action: 'alert', class: input.class, message: input.message });
    return;
  }
  const f = s.inFlight;
  if (!f || f.action !== input.action) return; // stale or unknown: nothing of ours was running
  delete s.inFlight;
  const cls = input.class ?? (input.action === 'stop' ? 'stop-failed' : 'start-failed');
  if (f.origin === 'control') reportOutcome(ctx, f.action, input, cls, ctx.now - f.since);
  else if (!input.ok) emit(ctx, { type: 'exec', state: 'failed', action: 'alert', class: cls, message: input.message });
  if (input.action === 'stop') {
    if (input.ok && f.thenUnmonitor) setNotMonitored(ctx, f.origin, `${input.action} done: ${input.message}`, f.ruleId);
    return;
  }
  if (s.monitor === 'not-monitored') return;
  if (input.ok) delete s.backoff.lastStartClass;
  else s.backoff.lastStartClass = cls;
  if (f.origin !== 'control') {
    recordRestart(ctx);
    s.restartCount += 1;
  }
  rearmRules(ctx);
  if (input.ok) startGrace(ctx);
  evaluateRestarts(ctx, true);
}

/**
 * An operator's action ended: monit's "Action done" event, `succeeded` with how long it took and the
 * process before and after, or `failed` with why. Its request was announced (not alerted) earlier.
 */
function reportOutcome(
  ctx: Ctx,
  action: ProcessAction,
  input: Extract<MachineInput, { kind: 'action-done' }>,
  cls: FailureClass,
  tookMs: number,
): void {
  const pids = `pid ${input.oldPid ?? 'none'} → ${input.newPid ?? 'none'}`;
  if (input.ok) {
    const message = `${action} done in ${fmtMs(tookMs)}, ${pids}: ${input.message}`;
    emit(ctx, { type: 'action', state: 'succeeded', action, message });
  } else {
    const message = `${action} failed after ${fmtMs(tookMs)}: ${input.message}`;
    emit(ctx, { type: 'action', state: 'failed', action: 'alert', class: cls, message });
  }
}

/**
 * The pidfile while the broker is known to run: unreadable for the grace is a `pid` failure with
 * action alert (the broker is fine; its pidfile is not, and init scripts read it), readable again
 * after that is its recovery. A short gap (a rewrite, a start-stop-daemon race) says nothing.
 */
function onPidfile(ctx: Ctx, input: Extract<MachineInput, { kind: 'pidfile' }>): void {
  const s = ctx.s;
  const t = s.pidfileTrouble;
  if (input.ok || s.monitor === 'not-monitored') {
    if (t?.reported && s.monitor !== 'not-monitored')
      emit(ctx, { type: 'pid', state: 'succeeded', action: 'alert', message: input.message });
    delete s.pidfileTrouble;
    return;
  }
  const trouble = t ?? { since: ctx.now, message: input.message };
  trouble.message = input.message;
  s.pidfileTrouble = trouble;
  const lasted = ctx.now - trouble.since;
  if (trouble.reported || lasted < input.graceMs) return;
  trouble.reported = true;
  emit(ctx, {
    type: 'pid',
    state: 'failed',
    action: 'alert',
    class: 'pidfile-unreadable',
    message: `${input.message}, for ${fmtMs(lasted)}; the broker runs and is not restarted`,
  });
}

/** An operator's request (API, CLI, web page): the same path as rules, announced as an `action` event. */
function onControl(ctx: Ctx, action: ControlAction, by: string | undefined): void {
  const s = ctx.s;
  const reason = `${action} requested${by ? ` by ${by}` : ''}`;
  if (s.inFlight && (action === 'start' || action === 'stop' || action === 'restart')) {
    emit(ctx, {
      type: 'action',
      state: 'changed',
      action: 'none',
      message: `${reason}; ignored: ${s.inFlight.action} in progress`,
    });
    return;
  }
  emit(ctx, { type: 'action', state: 'changed', action, message: reason });
  switch (action) {
    case 'monitor':
      if (s.inFlight) delete s.inFlight.thenUnmonitor;
      setMonitored(ctx, 'control', reason);
      // Done as soon as decided: its outcome follows its request at once.
      emit(ctx, { type: 'action', state: 'succeeded', action, message: 'monitor done' });
      return;
    case 'unmonitor':
      setNotMonitored(ctx, 'control', reason);
      emit(ctx, { type: 'action', state: 'succeeded', action, message: 'unmonitor done' });
      return;
    case 'stop':
      launch(ctx, 'stop', 'control', reason);
      return;
    case 'start':
    case 'restart':
      // An operator's start begins a new streak: the backoff and a give-up are forgotten.
      setMonitored(ctx, 'control', reason);
      s.backoff = { attempts: 0 };
      launch(ctx, action, 'control', reason);
      return;
  }
}
