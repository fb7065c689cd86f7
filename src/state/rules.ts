// Rule evaluation: samples into bit histories, rates into failed/succeeded/changed events, and the
// `N restarts within M cycles` rules computed from the machine's own record of restarts.
import type { CheckResult, FailureClass } from '../checks/result.js';
import { DEFAULT_PROGRAM_TIMEOUT_MS } from '../config/model.js';
import type { Rule } from '../config/model.js';
import type { Ctx } from './step.js';
import { emit, plan, ruleState } from './step.js';
import { eventTypeOf, hasStartGrace, isOneShot, isSampled } from './conditions.js';
import { perform } from './dispatch.js';
import { pushSample, rateMatches } from './rates.js';
import type { RuleState } from './types.js';

/** One cycle's verdict on a rule; `class` passes on as the result gave it, absent or not. */
interface Sample {
  readonly status: 'ok' | 'failed';
  readonly class?: FailureClass | undefined;
  readonly message: string;
}

/** Apply one cycle's results; absent rules and `init` results are not samples. */
export function evaluateCycle(ctx: Ctx, results: readonly CheckResult[]): void {
  const byId = new Map(results.map((r) => [r.ruleId, r]));
  for (const rule of ctx.service.rules) {
    // A rule whose action was `unmonitor` ends the cycle: nothing after it is looked at.
    if (ctx.s.monitor === 'not-monitored') return;
    const r = byId.get(rule.id);
    if (!r || !isSampled(rule)) continue;
    if (r.status === 'init') ruleState(ctx.s, rule.id).last = 'init';
    else applySample(ctx, rule, { status: r.status, class: r.class, message: r.message });
  }
  evaluateRestarts(ctx, false);
}

/**
 * One sample of one rule. `early` marks a failure seen between cycles (the liveness watcher, a probe's
 * watch): it decides at once, and the next cycle's failed result of that rule is not counted twice.
 */
export function applySample(ctx: Ctx, rule: Rule, r: Sample, early = false): void {
  const rs = ruleState(ctx.s, rule.id);
  const failed = r.status === 'failed';
  rs.last = r.status;
  if (failed) {
    if (r.class === undefined) delete rs.class;
    else rs.class = r.class;
    rs.message = r.message;
  }
  if (rs.graceUntil !== undefined) {
    if (failed && ctx.now < rs.graceUntil) return; // start grace: not counted before the first ok
    delete rs.graceUntil;
  }
  if (early) {
    if (rs.sampledEarly) return; // already counted for this cycle
    rs.sampledEarly = true;
  } else if (rs.sampledEarly) {
    delete rs.sampledEarly;
    if (failed) return; // the liveness watcher counted this failure already
  }
  rs.history = pushSample(rs.history, failed);
  const matches = rateMatches(rs.history, rule.rate);

  if (isOneShot(rule)) {
    // A one-shot (`changed`, `content`) runs the action each time; there is no failed state to recover from.
    if (failed && matches) fire(ctx, rule, rs, r, 'changed');
    return;
  }
  if (rs.phase !== 'failed') {
    if (failed && matches) fire(ctx, rule, rs, r, 'failed');
    else if (rs.phase === 'rearmed' && !failed && !matches) recover(ctx, rule, rs, r.message);
  } else if (!failed && !matches) {
    recover(ctx, rule, rs, r.message);
  } else if (failed) {
    repeatExec(ctx, rule, rs, r);
  }
}

/** The rule matched: one event, one action, and a clean history so nothing flickers. */
function fire(ctx: Ctx, rule: Rule, rs: RuleState, r: Sample, state: 'failed' | 'changed'): void {
  rs.history = '';
  delete rs.repeatCount;
  if (state === 'failed') {
    rs.phase = 'failed';
    rs.since = ctx.now;
  }
  const type = eventTypeOf(rule.condition);
  const at = ctx.events.length;
  const out = perform(ctx, rule.action, { ruleId: rule.id, type, reason: `${type}: ${r.message}`, class: r.class });
  emit(ctx, { type, state, action: out.shown, class: r.class, message: withNote(r.message, out.note) }, at);
}

/**
 * The rule no longer matches: a `succeeded` event with the `else if succeeded` action, or with `alert`
 * when there is none (monit's default: recoveries are alerted).
 */
function recover(ctx: Ctx, rule: Rule, rs: RuleState, message: string): void {
  rs.phase = 'ok';
  rs.history = '';
  delete rs.since;
  delete rs.repeatCount;
  delete rs.class;
  delete rs.message;
  const type = eventTypeOf(rule.condition);
  const at = ctx.events.length;
  const out = rule.elseAction
    ? perform(ctx, rule.elseAction, { ruleId: rule.id, type, reason: `${type} succeeded: ${message}` })
    : { shown: 'alert' as const };
  emit(ctx, { type, state: 'succeeded', action: out.shown, message: withNote(message, out.note) }, at);
}

/** `exec … repeat every N cycles`: run it again while the failure lasts. */
function repeatExec(ctx: Ctx, rule: Rule, rs: RuleState, r: Sample): void {
  const a = rule.action;
  if (a.kind !== 'exec' || !a.repeatEvery || a.repeatEvery < 1) return;
  rs.repeatCount = (rs.repeatCount ?? 0) + 1;
  if (rs.repeatCount < a.repeatEvery) return;
  rs.repeatCount = 0;
  const type = eventTypeOf(rule.condition);
  plan(ctx, {
    kind: 'exec',
    ruleId: rule.id,
    command: a.command,
    eventType: type,
    origin: 'rule',
    reason: `${type}: ${r.message} (repeated)`,
  });
}

function withNote(message: string, note: string | undefined): string {
  return note ? `${message}; ${note}` : message;
}

/** How many rule-driven starts/restarts completed in the last `cycles` cycles, this one included. */
export function restartsWithin(ctx: Ctx, cycles: number): number {
  return ctx.s.restarts.filter((c) => c > ctx.s.cycle - cycles).length;
}

/** Remember a completed rule-driven start/restart, if some `restarts` rule will look at it. */
export function recordRestart(ctx: Ctx): void {
  if (restartHorizon(ctx) > 0) ctx.s.restarts.push(ctx.s.cycle);
  pruneRestarts(ctx);
}

/** Keep only the restarts that some `restarts` rule can still see. */
export function pruneRestarts(ctx: Ctx): void {
  const horizon = restartHorizon(ctx);
  ctx.s.restarts = ctx.s.restarts.filter((c) => c > ctx.s.cycle - horizon).slice(-256);
}

function restartHorizon(ctx: Ctx): number {
  return Math.max(0, ...ctx.service.rules.map((r) => (r.condition.kind === 'restarts' ? r.condition.cycles : 0)));
}

/**
 * `if N restarts within M cycles then …` (monit's `timeout` event). `fireOnly` after a restart:
 * recoveries wait for a cycle.
 */
export function evaluateRestarts(ctx: Ctx, fireOnly: boolean): void {
  for (const rule of ctx.service.rules) {
    const c = rule.condition;
    if (c.kind !== 'restarts' || ctx.s.monitor === 'not-monitored') continue;
    const rs = ruleState(ctx.s, rule.id);
    const n = restartsWithin(ctx, c.cycles);
    const message = `${n} restart${n === 1 ? '' : 's'} within ${c.cycles} cycle${c.cycles === 1 ? '' : 's'}`;
    if (rs.phase !== 'failed' && n >= c.count) {
      rs.message = message;
      fire(ctx, rule, rs, { status: 'failed', message }, 'failed');
    } else if (rs.phase === 'failed' && n < c.count && !fireOnly) {
      recover(ctx, rule, rs, message);
    }
  }
}

/**
 * A start/restart completed: monit resets every rule's failure state, so a broker still failing is acted
 * on again (and the backoff throttles it). Failed rules become `rearmed` so their recovery is still told.
 */
export function rearmRules(ctx: Ctx): void {
  for (const rule of ctx.service.rules) {
    if (rule.condition.kind === 'restarts') continue;
    const rs = ruleState(ctx.s, rule.id);
    rs.history = '';
    delete rs.sampledEarly;
    delete rs.repeatCount;
    delete rs.graceUntil;
    if (rs.phase === 'failed') rs.phase = 'rearmed';
  }
}

/** Start grace: connection-type rules do not count failures until their first ok or the start deadline. */
export function startGrace(ctx: Ctx): void {
  const until = ctx.now + (ctx.service.start?.timeoutMs ?? DEFAULT_PROGRAM_TIMEOUT_MS);
  for (const rule of ctx.service.rules) {
    if (hasStartGrace(rule.condition)) ruleState(ctx.s, rule.id).graceUntil = until;
  }
}
