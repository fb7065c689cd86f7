// Restart backoff that recovers by itself (DESIGN.md §2, §6): the first restart after a healthy period
// is immediate, later ones in the same streak wait initialMs·factor^(k-1) (capped at maxMs); after
// giveUpAfter attempts one `timeout` event says so and a retry follows after cooldownMs with the counter
// reset. A broker healthy for resetAfterMs starts a new streak. supervisord's FATAL-for-good and monit's
// silent "Not monitored" are what this replaces.
import type { Backoff } from '../config/model.js';
import type { Ctx } from './step.js';
import { emit, fmtMs, isoTime, plan, withoutUndefined } from './step.js';
import { triggersRestart } from './conditions.js';
import type { InFlight, Origin, Pending, ProcessAction } from './types.js';

/** Delay before the attempt that follows `attempts` earlier ones of the same streak. */
export function backoffDelay(b: Backoff, attempts: number): number {
  if (attempts <= 0) return 0;
  const d = b.initialMs * Math.pow(b.factor, attempts - 1);
  return Math.max(0, Math.min(b.maxMs, Number.isFinite(d) ? d : b.maxMs));
}

/** Put a start/stop/restart in flight and plan it. Only rule-driven starts and restarts are attempts. */
export function launch(ctx: Ctx, action: ProcessAction, origin: Origin, reason: string, ruleId?: string): void {
  const s = ctx.s;
  if (origin !== 'control' && action !== 'stop') s.backoff.attempts++;
  s.inFlight = withoutUndefined<InFlight>({
    action,
    origin,
    ruleId,
    since: ctx.now,
    thenUnmonitor: action === 'stop' ? true : undefined,
  });
  delete s.pending;
  plan(ctx, { kind: action, ruleId, origin, reason });
}

/**
 * A rule wants the broker (re)started: now, after the backoff delay, or, past the give-up point, after
 * the cool-down. Returns a note for the rule's event message, if there is something to say.
 * `giveUpAfter: 0` never gives up (the delays still grow to maxMs).
 */
export function requestRestart(
  ctx: Ctx,
  action: 'start' | 'restart',
  reason: string,
  ruleId?: string,
): string | undefined {
  const { s, now } = ctx;
  const cfg = ctx.service.backoff;
  const b = s.backoff;
  if (s.inFlight) return `${s.inFlight.action} already in progress`;
  if (s.pending) {
    return b.retryAt !== undefined
      ? `gave up restarting, next try at ${isoTime(s.pending.dueAt)}`
      : `${s.pending.action} already scheduled in ${fmtMs(s.pending.dueAt - now)}`;
  }
  const of = cfg.giveUpAfter > 0 ? ` of ${cfg.giveUpAfter}` : '';
  if (cfg.giveUpAfter > 0 && b.attempts >= cfg.giveUpAfter) {
    giveUp(ctx, action, reason, ruleId);
    return `gave up after ${b.attempts} attempts, next try at ${isoTime(now + cfg.cooldownMs)}`;
  }
  const delay = backoffDelay(cfg, b.attempts);
  if (delay <= 0) {
    launch(ctx, action, 'rule', reason, ruleId);
    return b.attempts > 1 ? `attempt ${b.attempts}${of}` : undefined;
  }
  s.pending = withoutUndefined<Pending>({ action, ruleId, reason, dueAt: now + delay });
  return `${action} in ${fmtMs(delay)} (attempt ${b.attempts + 1}${of})`;
}

function giveUp(ctx: Ctx, action: 'start' | 'restart', reason: string, ruleId?: string): void {
  const { s, now } = ctx;
  const b = s.backoff;
  const cooldown = Math.max(0, ctx.service.backoff.cooldownMs);
  b.gaveUpAt = now;
  b.retryAt = now + cooldown;
  s.pending = withoutUndefined<Pending>({ action, ruleId, reason, dueAt: b.retryAt });
  emit(ctx, {
    type: 'timeout',
    state: 'failed',
    action: 'alert',
    class: b.lastStartClass ?? b.lastClass ?? 'start-failed',
    message:
      `gave up after ${b.attempts} ${action} attempts without a healthy period; ` +
      `next try at ${isoTime(b.retryAt)} (in ${fmtMs(cooldown)})`,
  });
}

/** Any restart-triggering rule failing (or failed before the last restart and not yet seen ok)? */
function restartRulesFailing(ctx: Ctx): boolean {
  return ctx.service.rules.some((r) => triggersRestart(r) && ctx.s.rules.find((x) => x.id === r.id)?.phase !== 'ok');
}

/** End the give-up: the counter starts again from zero. */
function endGiveUp(ctx: Ctx): void {
  const b = ctx.s.backoff;
  if (b.retryAt === undefined) return;
  delete b.gaveUpAt;
  delete b.retryAt;
  delete b.lastStartClass;
  b.attempts = 0;
}

/** A broker healthy for resetAfterMs starts a new streak: its next restart is immediate again. */
export function forgetOldAttempts(ctx: Ctx): void {
  const b = ctx.s.backoff;
  if (b.attempts > 0 && b.healthySince !== undefined && ctx.now - b.healthySince >= ctx.service.backoff.resetAfterMs) {
    b.attempts = 0;
    delete b.lastClass;
    delete b.lastStartClass;
  }
}

/**
 * After every input: drop a deferred restart the broker no longer needs, run one that is due, track the
 * healthy period and tell the daemon when to wake us (`wakeAt`).
 */
export function settleBackoff(ctx: Ctx): void {
  const { s, now } = ctx;
  const failing = restartRulesFailing(ctx);
  if (s.pending && (!failing || s.monitor === 'not-monitored' || ctx.service.mode === 'passive')) delete s.pending;
  // A give-up lasts as long as its deferred retry; whatever replaced that retry ends it.
  if (!s.pending) endGiveUp(ctx);
  const p = s.pending;
  if (p && now >= p.dueAt && !s.inFlight) {
    const cooledDown = s.backoff.retryAt !== undefined;
    endGiveUp(ctx);
    const why = cooledDown ? 'retry after the cool-down' : `attempt ${s.backoff.attempts + 1} after backoff`;
    launch(ctx, p.action, 'retry', `${p.reason} (${why})`, p.ruleId);
  }
  const b = s.backoff;
  const healthy = !failing && !s.inFlight && !s.pending && s.monitor !== 'not-monitored';
  if (!healthy) delete b.healthySince;
  else if (b.healthySince === undefined || b.healthySince > now) b.healthySince = now;
  forgetOldAttempts(ctx);
  if (s.pending) s.wakeAt = s.pending.dueAt;
  else delete s.wakeAt;
}
